// Slack interactivity requests as Slack sends them to onSlackAction's function URL: a
// block_actions payload in an application/x-www-form-urlencoded body, signed the way Slack
// documents it (https://api.slack.com/authentication/verifying-requests-from-slack), written out
// here on its own rather than with the function's signer, so the two are checked against each
// other: v0= + hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body).
import { createHmac } from "node:crypto";

/** A signing secret in Slack's format (32 hex digits); the tests' own. */
export const SIGNING_SECRET = "8f742231b10e8888abcd99aaabbb85a5";

/** Slack's signature of `body` at `timestamp`. */
export function slackSign(secret: string, timestamp: string, body: string | Buffer): string {
  const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`, "utf8"), Buffer.from(body)]);
  return `v0=${createHmac("sha256", secret).update(base).digest("hex")}`;
}

export interface ClickOptions {
  user?: string;
  team?: string;
  channel?: string;
  messageTs?: string;
  threadTs?: string;
  actionId?: string;
  /** The button's value (the release thread's JSON). */
  value: string;
  blocks?: unknown[];
}

/** A block_actions payload for one button click, with the fields Slack sends around the ones read. */
export function blockActions(options: ClickOptions): Record<string, unknown> {
  const {
    user = "U0APPROVER",
    team = "T0TEAM0001",
    channel = "C0DEPLOYS01",
    messageTs = "1767225600.000100",
    actionId = "approve-0",
  } = options;
  return {
    type: "block_actions",
    user: { id: user, username: "alice", name: "alice", team_id: team },
    api_app_id: "A0APP00001",
    token: "verification-token-unused",
    container: { type: "message", message_ts: messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    team: { id: team, domain: "coworking" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: "deploys" },
    message: {
      type: "message",
      user: "U0FAKEBOT1",
      ts: messageTs,
      ...(options.threadTs !== undefined && { thread_ts: options.threadTs }),
      text: "held for approval",
      blocks: options.blocks ?? [
        { type: "section", text: { type: "mrkdwn", text: "held for approval" } },
        {
          type: "actions",
          elements: [
            {
              type: "button",
              action_id: actionId,
              value: options.value,
              text: { type: "plain_text", text: "Approve" },
            },
          ],
        },
      ],
    },
    state: { values: {} },
    response_url: "https://hooks.slack.com/actions/T0TEAM0001/1/abc",
    actions: [
      {
        action_id: actionId,
        block_id: "b1",
        text: { type: "plain_text", text: "Approve", emoji: true },
        value: options.value,
        type: "button",
        action_ts: "1767225601.000200",
      },
    ],
  };
}

/** The form body Slack posts: one `payload` field holding the JSON. */
export function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface RequestOptions {
  secret?: string;
  /** Epoch seconds; now by default. */
  timestamp?: number | string;
  /** Replaces the computed signature (a forgery). */
  signature?: string;
  base64?: boolean;
  method?: string;
  requestId?: string;
  /** Leaves the header out. */
  withoutSignature?: boolean;
}

/** A Function URL event (payload format 2.0, auth NONE) carrying `body`, signed like Slack. */
export function slackUrlEvent(body: string, options: RequestOptions = {}): Record<string, unknown> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = options.signature ?? slackSign(options.secret ?? SIGNING_SECRET, timestamp, body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      host: "abcdefg.lambda-url.us-east-1.on.aws",
      "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
      "x-slack-request-timestamp": timestamp,
      ...(options.withoutSignature ? {} : { "x-slack-signature": signature }),
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdefg",
      domainName: "abcdefg.lambda-url.us-east-1.on.aws",
      domainPrefix: "abcdefg",
      http: {
        method: options.method ?? "POST",
        path: "/",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.10",
        userAgent: "Slackbot 1.0",
      },
      requestId: options.requestId ?? `req-${Math.random().toString(16).slice(2)}`,
      routeKey: "$default",
      stage: "$default",
      time: "01/Jan/2026:00:00:00 +0000",
      timeEpoch: 0,
    },
    body: options.base64 ? Buffer.from(body, "utf8").toString("base64") : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A signed click: the block_actions payload for `value`, in a Function URL event. */
export function signedClick(click: ClickOptions, options: RequestOptions = {}): Record<string, unknown> {
  return slackUrlEvent(formBody(blockActions(click)), options);
}
