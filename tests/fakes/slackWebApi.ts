// FAKE Slack Web API. Not Slack. A local HTTP server standing in for https://slack.com/api/ for
// exactly the methods the delivery loop calls, with the response shapes Slack documents:
//   chat.postMessage       -> { ok: true, channel, ts, message }
//   chat.update            -> { ok: true, channel, ts, text, message }
//   chat.postEphemeral     -> { ok: true, message_ts }
//   usergroups.users.list  -> { ok: true, users }
// Requests are what @slack/web-api sends: POST /<method>, application/x-www-form-urlencoded (the
// blocks JSON-encoded) or application/json, the bot token as `Authorization: Bearer`. Errors are
// Slack's: HTTP 200 with { ok: false, error } (invalid_auth, not_authed, channel_not_found,
// not_in_channel, msg_too_long, invalid_blocks, message_not_found, no_such_subteam,
// unknown_method), and a rate limit as HTTP 429 with `Retry-After` and { ok: false, error:
// "ratelimited" }. Stricter than Slack on purpose where a test should fail loudly: a reply to a
// thread_ts that is no parent in the channel is refused (`thread_not_found`), and blocks are
// checked against Slack's documented limits (50 blocks, 3,000 characters of section text, 10
// fields of 2,000, 150 of header, buttons of 75 characters and values of 2,000, 25 elements per
// actions block, unique action_ids). Tests script failures, read every call, and print each
// channel's threads (parent line, then replies) as a person would see them.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: FakeBlock[];
  threadTs?: string;
  broadcast: boolean;
  /** How many times chat.update changed it. */
  edits: number;
}

export interface FakeBlock {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: FakeElement[];
}

interface FakeElement {
  type: string;
  text?: string | { type: string; text: string };
  value?: string;
  url?: string;
  action_id?: string;
}

export interface FakeThread {
  channel: string;
  channelName: string;
  parent: FakeSlackMessage;
  replies: FakeSlackMessage[];
}

export interface SlackWebApiFake {
  /** Give this to the client as its base (SLACK_API_URL), e.g. http://127.0.0.1:41234/api/. */
  url: string;
  /** The only token the fake accepts. */
  token: string;
  /** Every call, in order, with the arguments as the fake parsed them. */
  calls: { method: string; args: Record<string, unknown> }[];
  /** Every message posted, in order, as it is now (after updates). */
  messages: FakeSlackMessage[];
  ephemerals: { channel: string; user: string; text: string }[];
  /** Adds a channel the bot is in; returns its id. */
  addChannel(name: string, id?: string): string;
  /** A channel that exists but the bot is not a member of (`not_in_channel`). */
  addChannelWithoutBot(name: string): string;
  /** A user group and its members, for usergroups.users.list. */
  addUserGroup(id: string, users: string[]): void;
  /** Answers the next `count` calls of `method` ("*": any) with { ok: false, error }. */
  failNext(method: string, error: string, count?: number): void;
  /** Answers the next `count` calls of `method` ("*": any) with HTTP 429 and `Retry-After`. */
  rateLimitNext(method: string, retryAfterSeconds: number, count?: number): void;
  /** The threads of one channel (id or #name), or of every channel, oldest parent first. */
  threads(channel?: string): FakeThread[];
  /** The threads as text: the parent line, its links and buttons, then each reply indented. */
  print(channel?: string): string;
  close(): Promise<void>;
}

const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  text: 40_000,
};

/** What a person sees for the emoji the renderers use. */
const EMOJI: Record<string, string> = {
  white_check_mark: "✅",
  x: "❌",
  rotating_light: "🚨",
  warning: "⚠️",
  information_source: "ℹ️",
  hourglass_flowing_sand: "⏳",
  arrows_counterclockwise: "🔄",
  no_entry: "⛔",
  package: "📦",
  hammer_and_wrench: "🛠️",
  memo: "📝",
  black_square_for_stop: "⏹️",
  grey_question: "❔",
  fast_forward: "⏩",
};

class SlackError extends Error {
  constructor(readonly error: string) {
    super(error);
  }
}

const elementText = (element: FakeElement) =>
  typeof element.text === "string" ? element.text : (element.text?.text ?? "");

/** The first of Slack's documented block limits `blocks` break, or undefined when they keep them all. */
export function slackLimitProblem(blocks: readonly FakeBlock[]): string | undefined {
  try {
    checkBlocks(blocks);
    return undefined;
  } catch (error) {
    if (error instanceof SlackError) return error.error;
    throw error;
  }
}

/** Checks blocks against Slack's documented limits; throws invalid_blocks naming the first breach. */
function checkBlocks(blocks: readonly FakeBlock[]): void {
  const refuse = (why: string): never => {
    throw new SlackError(`invalid_blocks: ${why}`);
  };
  if (blocks.length > LIMITS.blocks) refuse(`${blocks.length} blocks`);
  const actionIds = new Set<string>();
  for (const block of blocks) {
    const text = block.text?.text ?? "";
    if (block.type === "header" && text.length > LIMITS.headerText) refuse(`header of ${text.length}`);
    if (block.type === "section") {
      if (text.length > LIMITS.sectionText) refuse(`section text of ${text.length}`);
      if ((block.fields?.length ?? 0) > LIMITS.fields) refuse(`${block.fields?.length} fields`);
      for (const field of block.fields ?? []) {
        if (field.text.length > LIMITS.fieldText) refuse(`field of ${field.text.length}`);
      }
      if (!block.text && !block.fields?.length) refuse("empty section");
    }
    if (block.type === "context" && (block.elements?.length ?? 0) > LIMITS.contextElements) {
      refuse(`${block.elements?.length} context elements`);
    }
    if (block.type === "actions") {
      if ((block.elements?.length ?? 0) > LIMITS.actionsElements) refuse(`${block.elements?.length} actions`);
      for (const element of block.elements ?? []) {
        if (elementText(element).length > LIMITS.buttonText)
          refuse(`button text of ${elementText(element).length}`);
        if ((element.value?.length ?? 0) > LIMITS.buttonValue)
          refuse(`button value of ${element.value?.length}`);
        const id = element.action_id ?? "";
        if (id.length > LIMITS.actionId || actionIds.has(id)) refuse(`action_id ${id}`);
        actionIds.add(id);
      }
    }
    for (const piece of [text, ...(block.fields ?? []).map((field) => field.text)]) {
      if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(piece)) {
        refuse("a lone surrogate (half a character)");
      }
    }
  }
}

/** mrkdwn as Slack shows it: links as their label, entities decoded, emoji drawn. */
export function showMrkdwn(text: string): string {
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2")
    .replace(/<([^>]+)>/g, "$1")
    .replace(/:([a-z_]+):/g, (whole, name: string) => EMOJI[name] ?? whole)
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** A message's blocks as lines of text. */
export function showMessage(message: Pick<FakeSlackMessage, "blocks" | "text">): string[] {
  if (message.blocks.length === 0) return [showMrkdwn(message.text)];
  const lines: string[] = [];
  for (const block of message.blocks) {
    if (block.type === "header" || (block.type === "section" && block.text)) {
      lines.push(...showMrkdwn(block.text?.text ?? "").split("\n"));
    }
    for (const field of block.fields ?? []) {
      const [label = "", ...value] = showMrkdwn(field.text).split("\n");
      lines.push(`  ${label.replace(/^\*(.*)\*$/, "$1")}: ${value.join(" ")}`);
    }
    if (block.type === "context")
      lines.push(`  ${(block.elements ?? []).map((element) => showMrkdwn(elementText(element))).join("  ")}`);
    if (block.type === "actions") {
      lines.push(`  ${(block.elements ?? []).map((element) => `[${elementText(element)}]`).join(" ")}`);
    }
  }
  return lines;
}

export async function startSlackWebApiFake(
  options: { token?: string; channels?: Record<string, string> } = {},
): Promise<SlackWebApiFake> {
  const token = options.token ?? "xoxb-0000000000-fake-bot-token";
  /** #name → id; ids map to themselves through `byId`. */
  const names = new Map<string, string>();
  const byId = new Map<string, string>();
  const withoutBot = new Set<string>();
  const groups = new Map<string, string[]>();
  const failures: { method: string; error: string }[] = [];
  const limits: { method: string; retryAfter: number }[] = [];
  const clock = 1_767_225_600; // 2026-01-01T00:00:00Z
  let sequence = 0;
  const nextTs = () => {
    sequence += 1;
    return `${clock + Math.floor(sequence / 1000)}.${String((sequence % 1000) * 100).padStart(6, "0")}`;
  };
  let nextChannel = 0;

  const fake = {
    token,
    calls: [] as SlackWebApiFake["calls"],
    messages: [] as FakeSlackMessage[],
    ephemerals: [] as SlackWebApiFake["ephemerals"],
    addChannel(name: string, id?: string): string {
      const channelId = id ?? `C0FAKE${String(++nextChannel).padStart(4, "0")}`;
      const bare = name.replace(/^#/, "");
      names.set(bare, channelId);
      byId.set(channelId, bare);
      return channelId;
    },
    addChannelWithoutBot(name: string): string {
      const id = fake.addChannel(name);
      withoutBot.add(id);
      return id;
    },
    addUserGroup(id: string, users: string[]): void {
      groups.set(id, users);
    },
    failNext(method: string, error: string, count = 1): void {
      for (let index = 0; index < count; index++) failures.push({ method, error });
    },
    rateLimitNext(method: string, retryAfterSeconds: number, count = 1): void {
      for (let index = 0; index < count; index++) limits.push({ method, retryAfter: retryAfterSeconds });
    },
    threads(channel?: string): FakeThread[] {
      const id = channel === undefined ? undefined : (resolve(channel) ?? channel);
      return fake.messages
        .filter((message) => message.threadTs === undefined && (id === undefined || message.channel === id))
        .map((parent) => ({
          channel: parent.channel,
          channelName: `#${byId.get(parent.channel) ?? parent.channel}`,
          parent,
          replies: fake.messages.filter(
            (message) => message.channel === parent.channel && message.threadTs === parent.ts,
          ),
        }));
    },
    print(channel?: string): string {
      const out: string[] = [];
      for (const thread of fake.threads(channel)) {
        const [line = "", ...rest] = showMessage(thread.parent);
        out.push(
          `${thread.channelName}  ${line}${thread.parent.edits > 0 ? `  (edited ${thread.parent.edits}×)` : ""}`,
        );
        for (const more of rest) out.push(`│ ${more}`);
        thread.replies.forEach((reply, index) => {
          const last = index === thread.replies.length - 1;
          const [first = "", ...others] = showMessage(reply);
          const marks = [
            reply.broadcast ? "also sent to the channel" : "",
            reply.edits > 0 ? `edited ${reply.edits}×` : "",
          ]
            .filter(Boolean)
            .join(", ");
          out.push(`${last ? "└─" : "├─"} ${first}${marks ? `  (${marks})` : ""}`);
          for (const other of others) out.push(`${last ? "  " : "│ "}  ${other}`);
        });
        out.push("");
      }
      return out.join("\n");
    },
  };
  for (const [name, id] of Object.entries(options.channels ?? { "#deploys": "C0DEPLOYS01" }))
    fake.addChannel(name, id);

  function resolve(channel: string): string | undefined {
    if (byId.has(channel)) return channel;
    return names.get(channel.replace(/^#/, ""));
  }

  function postable(channel: unknown): string {
    const id = typeof channel === "string" ? resolve(channel) : undefined;
    if (id === undefined) throw new SlackError("channel_not_found");
    if (withoutBot.has(id)) throw new SlackError("not_in_channel");
    return id;
  }

  const blocksOf = (args: Record<string, unknown>): FakeBlock[] => {
    const raw = args.blocks;
    if (raw === undefined) return [];
    const parsed: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
    if (!Array.isArray(parsed)) throw new SlackError("invalid_blocks_format");
    return parsed as FakeBlock[];
  };

  const textOf = (args: Record<string, unknown>, blocks: FakeBlock[]): string => {
    const text = typeof args.text === "string" ? args.text : "";
    if (text === "" && blocks.length === 0) throw new SlackError("no_text");
    if (text.length > LIMITS.text) throw new SlackError("msg_too_long");
    return text;
  };

  const view = (message: FakeSlackMessage) => ({
    type: "message",
    text: message.text,
    user: "U0FAKEBOT1",
    bot_id: "B0FAKEBOT1",
    ts: message.ts,
    blocks: message.blocks,
    ...(message.threadTs && { thread_ts: message.threadTs }),
  });

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    "chat.postMessage"(args) {
      const channel = postable(args.channel);
      const blocks = blocksOf(args);
      checkBlocks(blocks);
      const text = textOf(args, blocks);
      const threadTs = typeof args.thread_ts === "string" ? args.thread_ts : undefined;
      if (
        threadTs !== undefined &&
        !fake.messages.some(
          (message) => message.channel === channel && message.ts === threadTs && !message.threadTs,
        )
      ) {
        throw new SlackError("thread_not_found");
      }
      const message: FakeSlackMessage = {
        channel,
        ts: nextTs(),
        text,
        blocks,
        ...(threadTs !== undefined && { threadTs }),
        broadcast: args.reply_broadcast === true || args.reply_broadcast === "true",
        edits: 0,
      };
      fake.messages.push(message);
      return { channel, ts: message.ts, message: view(message) };
    },
    "chat.update"(args) {
      // chat.update takes the channel's id, not a #name.
      const channel = typeof args.channel === "string" && byId.has(args.channel) ? args.channel : undefined;
      if (channel === undefined) throw new SlackError("channel_not_found");
      const message = fake.messages.find(
        (candidate) => candidate.channel === channel && candidate.ts === args.ts,
      );
      if (!message) throw new SlackError("message_not_found");
      const blocks = blocksOf(args);
      checkBlocks(blocks);
      message.text = textOf(args, blocks);
      message.blocks = blocks;
      message.edits += 1;
      return { channel, ts: message.ts, text: message.text, message: view(message) };
    },
    "chat.postEphemeral"(args) {
      const channel = postable(args.channel);
      if (typeof args.user !== "string") throw new SlackError("user_not_in_channel");
      const blocks = blocksOf(args);
      checkBlocks(blocks);
      fake.ephemerals.push({ channel, user: args.user, text: textOf(args, blocks) });
      return { message_ts: nextTs() };
    },
    "usergroups.users.list"(args) {
      const users = typeof args.usergroup === "string" ? groups.get(args.usergroup) : undefined;
      if (users === undefined) throw new SlackError("no_such_subteam");
      return { users };
    },
  };

  const answer = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    response
      .writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
      .end(JSON.stringify(body));
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const method =
        (request.url ?? "/")
          .replace(/^\/api\//, "")
          .replace(/^\//, "")
          .split("?")[0] ?? "";
      const body = Buffer.concat(chunks).toString("utf8");
      let args: Record<string, unknown> = {};
      if ((request.headers["content-type"] ?? "").includes("application/json")) {
        args = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } else {
        args = Object.fromEntries(new URLSearchParams(body));
      }
      fake.calls.push({ method, args });
      const limit = limits.findIndex((entry) => entry.method === method || entry.method === "*");
      if (limit >= 0) {
        const [entry] = limits.splice(limit, 1);
        answer(
          response,
          429,
          { ok: false, error: "ratelimited" },
          { "retry-after": String(entry?.retryAfter ?? 1) },
        );
        return;
      }
      const bearer =
        /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? (args.token as string | undefined);
      if (bearer === undefined) return answer(response, 200, { ok: false, error: "not_authed" });
      if (bearer !== token) return answer(response, 200, { ok: false, error: "invalid_auth" });
      const failure = failures.findIndex((entry) => entry.method === method || entry.method === "*");
      if (failure >= 0) {
        const [entry] = failures.splice(failure, 1);
        return answer(response, 200, { ok: false, error: entry?.error });
      }
      const handler = methods[method];
      if (!handler) return answer(response, 200, { ok: false, error: "unknown_method" });
      try {
        answer(response, 200, { ok: true, ...handler(args) });
      } catch (error) {
        if (!(error instanceof SlackError)) throw error;
        // Slack names invalid_blocks alone; the fake adds which limit, in the log only.
        const [code = "invalid_blocks", ...why] = error.error.split(": ");
        answer(response, 200, {
          ok: false,
          error: code,
          ...(why.length > 0 && { response_metadata: { messages: [`[ERROR] ${why.join(": ")}`] } }),
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/api/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}
