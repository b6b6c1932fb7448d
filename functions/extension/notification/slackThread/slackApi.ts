// The two Slack Web API methods a release thread needs (chat.postMessage, chat.update), and the two
// more the interactivity endpoint needs (chat.postEphemeral, usergroups.users.list), through
// the official client (@slack/web-api) with a bot token. The client does not retry on its own
// (`retryConfig: { retries: 0 }`) and hands a rate-limited call back at once
// (`rejectRateLimitedCalls`): the notifier's one retry mechanism (shared/retry.ts) waits what
// Slack's Retry-After asks, within the invocation's remaining time, and no second mechanism
// waits inside it. The token is a secret: it comes from an SSM SecureString (or SLACK_BOT_TOKEN in
// local mode), and no error made here carries it or the request.
import {
  ErrorCode,
  LogLevel,
  type Logger as SlackLogger,
  type WebAPICallResult,
  WebClient,
} from "@slack/web-api";
import type { Logger } from "../../../shared/logger.js";
import { ThrottledError, TransientError, UnreachableError } from "../../../types/errors.js";
import type { SlackBlock } from "../slack/renderSlack.js";

export interface PostArgs {
  /** A channel id or `#name`. */
  channel: string;
  text: string;
  blocks: SlackBlock[];
  /** Posts a reply in the thread of this parent. */
  threadTs?: string;
  /** A reply also shown in the channel. */
  broadcast?: boolean;
}

export interface UpdateArgs {
  /** The channel id (chat.update does not take a `#name`). */
  channel: string;
  ts: string;
  text: string;
  blocks: SlackBlock[];
}

export interface EphemeralArgs {
  /** A channel id. */
  channel: string;
  /** Who sees it: only this user. */
  user: string;
  text: string;
  /** Shown in the thread of this message. */
  threadTs?: string;
}

/**
 * What the interactivity endpoint (onSlackAction) asks of Slack besides ChatApi: a message only
 * the clicking user sees, and the members of an approvers' user group.
 */
export interface InteractionApi extends ChatApi {
  postEphemeral(args: EphemeralArgs): Promise<void>;
  /** usergroups.users.list: the user ids of a user group (`S…`). */
  userGroupMembers(group: string): Promise<string[]>;
}

/** What the thread sink asks of Slack; faked in unit tests, the fake Web API in integration tests. */
export interface ChatApi {
  /** The channel id and the new message's ts. */
  postMessage(args: PostArgs): Promise<{ channel: string; ts: string }>;
  update(args: UpdateArgs): Promise<void>;
}

/**
 * Slack answered `ok: false` with an error that retrying will not change (a channel the bot is
 * not in, a revoked token, a message too long): `error` is Slack's code.
 */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly error: string,
  ) {
    super(`slack ${method} failed: ${error}`);
    this.name = "SlackApiError";
  }
}

/** Slack's error codes that say "try again later" (its methods' documented errors). */
const TRANSIENT_ERRORS = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "team_added_to_org",
]);

interface SlackFailure {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string; response_metadata?: { retryAfter?: number } };
  original?: Error;
}

/** A Slack client failure as one of the repo's errors: what may pass is retried, the rest is not. */
export function classifySlackApiError(method: string, error: unknown): Error {
  const failure = (error ?? {}) as SlackFailure;
  switch (failure.code) {
    case ErrorCode.RateLimitedError:
      return new ThrottledError(
        `slack ${method} rate limited`,
        failure.retryAfter === undefined ? undefined : failure.retryAfter * 1000,
      );
    case ErrorCode.PlatformError: {
      const code = failure.data?.error ?? "unknown_error";
      if (code === "ratelimited") {
        const seconds = failure.data?.response_metadata?.retryAfter;
        return new ThrottledError(
          `slack ${method} rate limited`,
          seconds === undefined ? undefined : seconds * 1000,
        );
      }
      if (TRANSIENT_ERRORS.has(code)) return new TransientError(`slack ${method} failed: ${code}`);
      return new SlackApiError(method, code);
    }
    case ErrorCode.HTTPError: {
      const status = failure.statusCode ?? 0;
      const message = `slack ${method} answered HTTP ${status}`;
      return status >= 500 ? new TransientError(message) : new SlackApiError(method, `http_${status}`);
    }
    case ErrorCode.RequestError:
      return new UnreachableError(
        `slack ${method} unreachable: ${failure.original?.message ?? "request failed"}`,
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/** The client's own log lines, at warn and above, into ours (the client never logs the token). */
function slackLogger(logger: Pick<Logger, "warn" | "error"> | undefined): SlackLogger {
  let level = LogLevel.WARN;
  const ignore = () => undefined;
  return {
    debug: ignore,
    info: ignore,
    warn: (...messages: unknown[]) => logger?.warn("slack client", { messages: messages.map(String) }),
    error: (...messages: unknown[]) => logger?.error("slack client", { messages: messages.map(String) }),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: ignore,
  };
}

export interface WebChatApiOptions {
  /** Slack's Web API base, e.g. https://slack.com/api/ (tests: the fake's URL). */
  apiUrl: string;
  /** Aborts one HTTP request; the notifier's timeout only stops waiting. */
  requestTimeoutMs: number;
  logger?: Pick<Logger, "warn" | "error">;
}

export class WebChatApi implements InteractionApi {
  #client: { token: string; client: WebClient } | undefined;

  constructor(
    /** The bot token, read when needed: a rotated SecureString is picked up. */
    private readonly token: () => Promise<string>,
    private readonly options: WebChatApiOptions,
  ) {}

  async #web(): Promise<WebClient> {
    const token = await this.token();
    if (this.#client?.token !== token) {
      this.#client = {
        token,
        client: new WebClient(token, {
          slackApiUrl: this.options.apiUrl,
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          timeout: this.options.requestTimeoutMs,
          logger: slackLogger(this.options.logger),
        }),
      };
    }
    return this.#client.client;
  }

  async #call(method: string, args: Record<string, unknown>): Promise<WebAPICallResult> {
    const client = await this.#web();
    try {
      return await client.apiCall(method, args);
    } catch (error) {
      throw classifySlackApiError(method, error);
    }
  }

  async postMessage(args: PostArgs): Promise<{ channel: string; ts: string }> {
    const result = await this.#call("chat.postMessage", {
      channel: args.channel,
      text: args.text,
      blocks: args.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(args.threadTs !== undefined && { thread_ts: args.threadTs }),
      ...(args.broadcast && { reply_broadcast: true }),
    });
    const { channel, ts } = result as { channel?: unknown; ts?: unknown };
    if (typeof channel !== "string" || typeof ts !== "string") {
      throw new SlackApiError("chat.postMessage", "no_channel_or_ts_in_answer");
    }
    return { channel, ts };
  }

  async update(args: UpdateArgs): Promise<void> {
    await this.#call("chat.update", {
      channel: args.channel,
      ts: args.ts,
      text: args.text,
      blocks: args.blocks,
    });
  }

  async postEphemeral(args: EphemeralArgs): Promise<void> {
    await this.#call("chat.postEphemeral", {
      channel: args.channel,
      user: args.user,
      text: args.text,
      ...(args.threadTs !== undefined && { thread_ts: args.threadTs }),
    });
  }

  async userGroupMembers(group: string): Promise<string[]> {
    const result = await this.#call("usergroups.users.list", { usergroup: group });
    const { users } = result as { users?: unknown };
    if (!Array.isArray(users) || users.some((user) => typeof user !== "string")) {
      throw new SlackApiError("usergroups.users.list", "no_users_in_answer");
    }
    return users as string[];
  }
}
