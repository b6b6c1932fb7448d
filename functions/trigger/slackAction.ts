// A click on a release thread's button, as it reaches onSlackAction, and the one event the function
// sends itself to carry the decision out.
//
// 1. Slack's interactivity request: a Lambda Function URL request (payload format 2.0, auth NONE),
//    POST, `application/x-www-form-urlencoded` with one field, `payload`, holding the JSON of a
//    `block_actions` interaction. The URL is public: the request is Slack's only if it carries
//    Slack's signature (https://api.slack.com/authentication/verifying-requests-from-slack):
//
//      X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body))
//
//    over the body exactly as sent (a base64 Function URL body is decoded first), with a timestamp
//    within 5 minutes of now (either way: a clock ahead of ours is no fresher), compared in constant
//    time. Nothing of the body is read before the signature holds.
//
// 2. The verified decision: what the function, having verified a click and its approver, sends to
//    itself with an asynchronous Invoke (Slack wants its answer within 3 seconds; a decision may
//    watch a rollout for a minute). It is a plain event, not a Function URL one, and carries the
//    mark VERIFIED_MARK. Why it can be trusted without a signature: an HTTP request through the URL
//    always reaches the function wrapped in the 2.0 envelope (its body a string inside it), so
//    nothing a caller of the URL sends can arrive as a top-level object of its choosing; the
//    function's resource policy lets the public invoke it only through the URL
//    (InvokedViaFunctionUrl), so a direct Invoke needs an identity policy allowing
//    lambda:InvokeFunction on it, which only the function's own role has. An event that is neither
//    a Function URL request nor exactly this shape is refused.
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import type { DecisionRequest } from "../rollout/decide.js";
import { InvalidEventError } from "../types/errors.js";
import { parseTarget } from "./decisionRequest.js";
import { formatIssue } from "./envelopes.js";

/** How far a request's timestamp may be from now, in seconds (Slack's documented window). */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;
/**
 * The largest body accepted, in bytes once decoded: a block_actions payload carries the clicked
 * message's blocks (at most 50, each of a few thousand characters), so a few hundred KB at most.
 */
export const MAX_SLACK_BODY_BYTES = 512 * 1024;

// Where each refusal points (InvalidEventError.field): the handler answers 401 for the first three.
export const TIMESTAMP_FIELD = "headers.x-slack-request-timestamp";
export const SIGNATURE_FIELD = "headers.x-slack-signature";
/** The request was Slack's once already: refused as a replay. */
export const REPLAY_FIELD = "headers.x-slack-signature (replayed)";
export const SLACK_METHOD_FIELD = "requestContext.http.method";

/** The mark of the event the function sends itself; see the header (2.). */
export const VERIFIED_MARK = "coworking.onSlackAction/verified-click/v1";

// Slack's id grammars (upper-case letters and digits after a one-letter kind).
const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const TEAM_ID = /^[TE][A-Z0-9]{2,20}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;
/** A message's ts: epoch seconds, a dot, six digits. */
const MESSAGE_TS = /^\d{9,11}\.\d{6}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Claims each signed request once; the state table's `slack-nonce#…` items (provider/dynamodb/slackNonces.ts). */
export interface SlackNonces {
  /**
   * True the first time (timestamp, signature) is claimed; false when it already was: a replay.
   * Keeps the claim until `expiresAtSeconds` (epoch), past the window in which it could verify.
   */
  claim(timestamp: string, signature: string, expiresAtSeconds: number): Promise<boolean>;
}

/** A Function URL request as onSlackAction reads it, before anything is verified. */
export interface SlackRequest {
  requestId: string;
  /** The account that owns the function. */
  accountId: string;
  timestamp: string;
  signature: string;
  /** The body's bytes as Slack signed them. */
  body: Buffer;
}

/** `v0=<hex>`: Slack's signature of `body` sent at `timestamp`, with `secret`. */
export function slackSignature(secret: string, timestamp: string, body: Buffer | string): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest("hex")}`;
}

export type Verification = { ok: true } | { ok: false; field: string; why: string };

/**
 * Whether `request` is Slack's: its timestamp within MAX_REQUEST_AGE_SECONDS of `nowMs`, and its
 * signature the one `secret` gives, compared in constant time (the lengths first, which
 * timingSafeEqual requires and which say nothing about the secret).
 */
export function verifySlackSignature(
  request: Pick<SlackRequest, "timestamp" | "signature" | "body">,
  secret: string,
  nowMs: number,
): Verification {
  if (!/^\d{1,12}$/.test(request.timestamp))
    return { ok: false, field: TIMESTAMP_FIELD, why: "is not a number of seconds" };
  const age = Math.abs(Math.floor(nowMs / 1000) - Number(request.timestamp));
  if (age > MAX_REQUEST_AGE_SECONDS)
    return {
      ok: false,
      field: TIMESTAMP_FIELD,
      why: `is ${age} s from now, more than ${MAX_REQUEST_AGE_SECONDS} s: a stale or replayed request`,
    };
  const expected = Buffer.from(slackSignature(secret, request.timestamp, request.body), "utf8");
  const given = Buffer.from(request.signature, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, field: SIGNATURE_FIELD, why: "does not match the request: not signed by Slack" };
  return { ok: true };
}

const urlEnvelope = z.looseObject({
  version: z.literal("2.0", { error: "must be 2.0 (the function URL payload format)" }),
  requestContext: z.looseObject({
    accountId: z.string().regex(/^\d{12}$/, "must be a 12-digit account id"),
    requestId: z.string().min(1).max(200),
    http: z.looseObject({ method: z.string() }),
  }),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
});

/** Whether `event` came through a Function URL (the 2.0 envelope), whoever sent it. */
export function isFunctionUrlEvent(event: unknown): boolean {
  if (typeof event !== "object" || event === null) return false;
  const { version, requestContext } = event as { version?: unknown; requestContext?: unknown };
  return (
    version === "2.0" &&
    typeof requestContext === "object" &&
    requestContext !== null &&
    typeof (requestContext as { http?: unknown }).http === "object"
  );
}

function header(headers: Record<string, string>, name: string): string | undefined {
  // Function URLs deliver header names in lower case; any other case is read the same.
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

function bodyBytes(text: string, base64: boolean): Buffer {
  const tooLarge = () =>
    new InvalidEventError(`body is larger than ${MAX_SLACK_BODY_BYTES} bytes`, [], "body");
  if (!base64) {
    const bytes = Buffer.from(text, "utf8");
    if (bytes.byteLength > MAX_SLACK_BODY_BYTES) throw tooLarge();
    return bytes;
  }
  if (text.length > Math.ceil(MAX_SLACK_BODY_BYTES / 3) * 4) throw tooLarge();
  if (!BASE64.test(text)) throw new InvalidEventError("body is marked base64 but is not base64", [], "body");
  return Buffer.from(text, "base64");
}

/**
 * A Function URL event → the request to verify. Throws InvalidEventError: a method other than
 * POST (SLACK_METHOD_FIELD), no timestamp or signature header (TIMESTAMP_FIELD, SIGNATURE_FIELD),
 * a body too large or not base64 as marked ("body"). Reads nothing of the body's content.
 */
export function parseSlackRequest(event: unknown): SlackRequest {
  const envelope = urlEnvelope.safeParse(event);
  if (!envelope.success) {
    const issues = envelope.error.issues.map(formatIssue);
    throw new InvalidEventError(
      `not a function URL request: ${issues.join("; ")}`,
      issues,
      envelope.error.issues[0]?.path.map(String).join("."),
    );
  }
  const { requestContext, headers, body, isBase64Encoded } = envelope.data;
  if (requestContext.http.method !== "POST")
    throw new InvalidEventError(
      `method ${requestContext.http.method.slice(0, 20)} is not accepted: Slack POSTs its interactions`,
      [],
      SLACK_METHOD_FIELD,
    );
  const timestamp = header(headers, "x-slack-request-timestamp");
  if (timestamp === undefined)
    throw new InvalidEventError(
      "no X-Slack-Request-Timestamp: not a request from Slack",
      [],
      TIMESTAMP_FIELD,
    );
  const signature = header(headers, "x-slack-signature");
  if (signature === undefined)
    throw new InvalidEventError("no X-Slack-Signature: not a request from Slack", [], SIGNATURE_FIELD);
  return {
    requestId: requestContext.requestId,
    accountId: requestContext.accountId,
    timestamp: timestamp.slice(0, 20),
    // Longer than any signature: kept short for the logs, still refused by the comparison.
    signature: signature.slice(0, 80),
    body: bodyBytes(body ?? "", isBase64Encoded),
  };
}

/** The claim of a verified request: its timestamp and signature (both checked by now). */
export function nonceOf(request: Pick<SlackRequest, "timestamp" | "signature">): [string, string] {
  if (!SIGNATURE.test(request.signature)) throw new Error("only a verified request has a nonce");
  return [request.timestamp, request.signature];
}

/** The click, as the block_actions payload names it. `V`: the button's value, as its parser reads it. */
export interface SlackClick<V> {
  /** Who clicked. */
  user: string;
  team: string;
  channel: string;
  /** The clicked message. */
  messageTs: string;
  /** The thread the clicked message is a reply in, if it is one. */
  threadTs?: string;
  actionId: string;
  /** The button's value, as sent (what the verified event carries on). */
  value: string;
  button: V;
  /** The clicked message's blocks as Slack sent them (to redraw it without its buttons). */
  blocks?: Record<string, unknown>[];
}

/** Blocks are passed through, not interpreted: only their count and kind are checked. */
const blocks = z.array(z.looseObject({ type: z.string().max(50) })).max(50);

const blockActions = z.looseObject({
  type: z.literal("block_actions", { error: "must be block_actions (a button click)" }),
  user: z.looseObject({ id: z.string().regex(USER_ID, "must be a Slack user id (U…, W…)") }),
  team: z.looseObject({ id: z.string().regex(TEAM_ID, "must be a Slack team id (T…, E…)") }),
  channel: z.looseObject({ id: z.string().regex(CHANNEL_ID, "must be a Slack channel id (C…, G…, D…)") }),
  message: z.looseObject({
    ts: z.string().regex(MESSAGE_TS, "must be a message ts (seconds.micros)"),
    thread_ts: z.string().regex(MESSAGE_TS, "must be a message ts (seconds.micros)").optional(),
    blocks: blocks.optional(),
  }),
  actions: z
    .array(
      z.looseObject({
        action_id: z.string().min(1).max(255),
        value: z.string({ error: "must be the button's value" }).min(1).max(2000),
      }),
    )
    .min(1, "must name the clicked button"),
  // response_url is not used: every answer goes through the Web API with the bot token.
});

/** A zod refusal under `payload.`, naming the first field. */
function payloadRefusal(error: z.ZodError): InvalidEventError {
  const issues = error.issues.map((issue) => formatIssue({ ...issue, path: ["payload", ...issue.path] }));
  const [first] = error.issues;
  return new InvalidEventError(
    `not a button click: ${issues.join("; ")}`,
    issues,
    ["payload", ...(first?.path ?? []).map(String)].join("."),
  );
}

/**
 * The verified body → the click. `parseValue` reads the button's value (the release thread's
 * format) or says undefined; a value it does not read is refused as `payload.actions.0.value`.
 */
export function parseSlackClick<V>(body: Buffer, parseValue: (text: string) => V | undefined): SlackClick<V> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new InvalidEventError("body is not UTF-8 text", [], "body");
  }
  const form = new URLSearchParams(text);
  const fields = form.getAll("payload");
  if (fields.length !== 1)
    throw new InvalidEventError(
      fields.length === 0
        ? "body has no payload field: not a Slack interaction"
        : "body has more than one payload field",
      [],
      "payload",
    );
  let json: unknown;
  try {
    json = JSON.parse(fields[0] ?? "");
  } catch (error) {
    throw new InvalidEventError(`payload is not JSON: ${(error as Error).message}`, [], "payload");
  }
  const parsed = blockActions.safeParse(json);
  if (!parsed.success) throw payloadRefusal(parsed.error);
  const { user, team, channel, message, actions } = parsed.data;
  const [action] = actions as [(typeof actions)[number]];
  const button = parseValue(action.value);
  if (button === undefined)
    throw new InvalidEventError(
      "payload.actions.0.value: is not a release thread's button value",
      [],
      "payload.actions.0.value",
    );
  return {
    user: user.id,
    team: team.id,
    channel: channel.id,
    messageTs: message.ts,
    ...(message.thread_ts !== undefined && message.thread_ts !== message.ts
      ? { threadTs: message.thread_ts }
      : {}),
    actionId: action.action_id,
    value: action.value,
    button,
    ...(message.blocks !== undefined ? { blocks: message.blocks } : {}),
  };
}

/** `slack:<user id>`: who decided, in the ledger, the change-cause and the notifications. */
export function slackIdentity(user: string): string {
  if (!USER_ID.test(user)) throw new Error(`not a Slack user id: ${user.slice(0, 30)}`);
  return `slack:${user}`;
}

/** The event onSlackAction sends itself (see the header, 2.): the click, verified and allowed. */
export interface VerifiedSlackClick {
  mark: typeof VERIFIED_MARK;
  /** The Function URL request it was verified in. */
  requestId: string;
  accountId: string;
  /** When it was verified (ISO 8601). */
  verifiedAt: string;
  click: Omit<SlackClick<unknown>, "button">;
}

const verifiedClick = z.strictObject({
  mark: z.literal(VERIFIED_MARK),
  requestId: z.string().min(1).max(200),
  accountId: z.string().regex(/^\d{12}$/),
  verifiedAt: z.iso.datetime(),
  click: z.strictObject({
    user: z.string().regex(USER_ID),
    team: z.string().regex(TEAM_ID),
    channel: z.string().regex(CHANNEL_ID),
    messageTs: z.string().regex(MESSAGE_TS),
    threadTs: z.string().regex(MESSAGE_TS).optional(),
    actionId: z.string().min(1).max(255),
    value: z.string().min(1).max(2000),
    blocks: blocks.optional(),
  }),
});

/** Whether `event` claims to be the verified click (its mark), however well-formed. */
export function isMarkedEvent(event: unknown): boolean {
  return typeof event === "object" && event !== null && (event as { mark?: unknown }).mark === VERIFIED_MARK;
}

/**
 * The verified click the function sent itself → the click. Anything but exactly that shape (an
 * unknown field included) is refused, naming the field; the button's value is read again.
 */
export function parseVerifiedClick<V>(
  event: unknown,
  parseValue: (text: string) => V | undefined,
): { verified: VerifiedSlackClick; click: SlackClick<V> } {
  const parsed = verifiedClick.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(formatIssue);
    throw new InvalidEventError(
      `not a verified Slack click: ${issues.join("; ")}`,
      issues,
      parsed.error.issues[0]?.path.map(String).join("."),
    );
  }
  const verified = parsed.data as VerifiedSlackClick;
  const button = parseValue(verified.click.value);
  if (button === undefined)
    throw new InvalidEventError("click.value: is not a release thread's button value", [], "click.value");
  return { verified, click: { ...verified.click, button } };
}

/** The click as the verified event carries it. */
export function verifiedEvent(
  request: Pick<SlackRequest, "requestId" | "accountId">,
  click: SlackClick<unknown>,
  verifiedAt: Date,
): VerifiedSlackClick {
  const { button: _button, ...rest } = click;
  return {
    mark: VERIFIED_MARK,
    requestId: request.requestId,
    accountId: request.accountId,
    verifiedAt: verifiedAt.toISOString(),
    click: rest,
  };
}

/** What a button names (the release thread's value, extension/notification/slackThread/buttons.ts). */
export interface ButtonDecision {
  a: "approve" | "reject" | "rollback";
  /** `<cluster>/<namespace>/<name>` */
  t: string;
  /** The digest the decision is about. */
  d: string;
}

/** What a button decides: one Deployment's approval, rejection or rollback. */
export type SlackDecision = Exclude<DecisionRequest, { kind: "unquarantine" }>;

/** Why a Slack rollback was made, in the change-cause and the notifications. */
export const SLACK_ROLLBACK_REASON = "Roll back clicked in Slack";

/**
 * A button and who clicked it → the decision, the same as `npm run approve`'s or `npm run
 * rollback`'s: an approval or a rejection names the digest (it applies only while that digest is
 * the pending one); a rollback does not quarantine (as the CLI without --quarantine). A target
 * that names no Deployment is refused as `payload.actions.0.value`.
 */
export function slackDecision(button: ButtonDecision, user: string): SlackDecision {
  const target = parseTarget(button.t);
  if ("problem" in target)
    throw new InvalidEventError(
      `payload.actions.0.value: the target ${target.problem}`,
      [],
      "payload.actions.0.value",
    );
  const by = slackIdentity(user);
  switch (button.a) {
    case "approve":
    case "reject":
      return { kind: button.a, target, digest: button.d, by };
    case "rollback":
      return {
        kind: "rollback",
        target,
        by,
        reason: SLACK_ROLLBACK_REASON,
        quarantine: false,
        digest: button.d,
      };
  }
}
