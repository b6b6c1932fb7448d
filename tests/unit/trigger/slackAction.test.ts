// Slack's interactivity request as onSlackAction reads it: the signature checked against requests
// signed the way Slack documents it (and Slack's own published example), the 5-minute window, the
// envelope, then the block_actions payload refused field by field, and the verified click the
// function sends itself, accepted only in exactly its shape.
import {
  buttonValue,
  parseButtonValue,
} from "../../../functions/extension/notification/slackThread/buttons.js";
import {
  isFunctionUrlEvent,
  isMarkedEvent,
  MAX_REQUEST_AGE_SECONDS,
  parseSlackClick,
  parseSlackRequest,
  parseVerifiedClick,
  SIGNATURE_FIELD,
  SLACK_METHOD_FIELD,
  SLACK_ROLLBACK_REASON,
  slackDecision,
  slackSignature,
  TIMESTAMP_FIELD,
  VERIFIED_MARK,
  verifiedEvent,
  verifySlackSignature,
} from "../../../functions/trigger/slackAction.js";
import { InvalidEventError } from "../../../functions/types/errors.js";
import {
  blockActions,
  formBody,
  SIGNING_SECRET,
  signedClick,
  slackSign,
  slackUrlEvent,
} from "../../support/slackRequests.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const TARGET = "coworking-prod/coworking/analytics";
const VALUE = buttonValue("approve", TARGET, DIGEST, "exec-1") as string;
const NOW_MS = Date.parse("2026-11-23T10:00:00Z");
const NOW = Math.floor(NOW_MS / 1000);

function refusal(work: () => unknown): InvalidEventError {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error("expected an InvalidEventError");
}

describe("the signature (Slack's v0 HMAC-SHA256)", () => {
  it("matches Slack's published example", () => {
    // The walk-through of https://api.slack.com/authentication/verifying-requests-from-slack.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const request = {
      timestamp: "1531420618",
      signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
      body: Buffer.from(body),
    };
    expect(slackSignature("8f742231b10e8888abcd99yyyzzz85a5", request.timestamp, request.body)).toBe(
      request.signature,
    );
    expect(verifySlackSignature(request, "8f742231b10e8888abcd99yyyzzz85a5", 1531420618_000)).toEqual({
      ok: true,
    });
  });

  const signed = (body: string, timestamp = String(NOW)) => ({
    timestamp,
    signature: slackSign(SIGNING_SECRET, timestamp, body),
    body: Buffer.from(body),
  });

  it("accepts a request signed with the secret, within the window either side of now", () => {
    expect(verifySlackSignature(signed("payload=%7B%7D"), SIGNING_SECRET, NOW_MS)).toEqual({ ok: true });
    const edge = String(NOW - MAX_REQUEST_AGE_SECONDS);
    expect(verifySlackSignature(signed("a=1", edge), SIGNING_SECRET, NOW_MS)).toEqual({ ok: true });
    const ahead = String(NOW + MAX_REQUEST_AGE_SECONDS);
    expect(verifySlackSignature(signed("a=1", ahead), SIGNING_SECRET, NOW_MS)).toEqual({ ok: true });
  });

  it("refuses a forgery: another secret, a changed body, a changed timestamp", () => {
    const good = signed("payload=%7B%7D");
    const forged = { ...good, signature: slackSign("0".repeat(32), good.timestamp, "payload=%7B%7D") };
    expect(verifySlackSignature(forged, SIGNING_SECRET, NOW_MS)).toMatchObject({
      ok: false,
      field: SIGNATURE_FIELD,
    });
    expect(
      verifySlackSignature({ ...good, body: Buffer.from("payload=%7B%22x%22%7D") }, SIGNING_SECRET, NOW_MS),
    ).toMatchObject({ ok: false, field: SIGNATURE_FIELD });
    expect(
      verifySlackSignature({ ...good, timestamp: String(NOW - 1) }, SIGNING_SECRET, NOW_MS),
    ).toMatchObject({ ok: false, field: SIGNATURE_FIELD });
  });

  it("refuses a stale timestamp (more than 5 minutes either way) even when correctly signed", () => {
    for (const timestamp of [NOW - MAX_REQUEST_AGE_SECONDS - 1, NOW + MAX_REQUEST_AGE_SECONDS + 1]) {
      expect(verifySlackSignature(signed("a=1", String(timestamp)), SIGNING_SECRET, NOW_MS)).toMatchObject({
        ok: false,
        field: TIMESTAMP_FIELD,
        why: expect.stringContaining("more than 300 s"),
      });
    }
    expect(verifySlackSignature(signed("a=1", "12:00"), SIGNING_SECRET, NOW_MS)).toMatchObject({
      ok: false,
      field: TIMESTAMP_FIELD,
    });
  });

  it("refuses a signature of the wrong length (or version) without comparing it", () => {
    const good = signed("a=1");
    for (const signature of [
      good.signature.slice(0, -2),
      `${good.signature}00`,
      "",
      good.signature.replace("v0=", "v1="),
    ])
      expect(verifySlackSignature({ ...good, signature }, SIGNING_SECRET, NOW_MS)).toMatchObject({
        ok: false,
        field: SIGNATURE_FIELD,
      });
  });
});

describe("the Function URL request", () => {
  it("reads the headers and the body's bytes, base64 decoded when marked so", () => {
    const body = formBody(blockActions({ value: VALUE }));
    const plain = parseSlackRequest(slackUrlEvent(body, { timestamp: NOW, requestId: "req-1" }));
    expect(plain).toMatchObject({ requestId: "req-1", accountId: "123456789012", timestamp: String(NOW) });
    expect(plain.body.toString("utf8")).toBe(body);
    const base64 = parseSlackRequest(slackUrlEvent(body, { timestamp: NOW, base64: true }));
    expect(base64.body.equals(plain.body)).toBe(true);
    // What Slack signed is the decoded body: the signature holds over it.
    expect(verifySlackSignature(base64, SIGNING_SECRET, NOW_MS)).toEqual({ ok: true });
  });

  it("refuses a method other than POST, missing headers, a body falsely marked base64", () => {
    const body = formBody(blockActions({ value: VALUE }));
    expect(refusal(() => parseSlackRequest(slackUrlEvent(body, { method: "GET" }))).field).toBe(
      SLACK_METHOD_FIELD,
    );
    expect(refusal(() => parseSlackRequest(slackUrlEvent(body, { withoutSignature: true }))).field).toBe(
      SIGNATURE_FIELD,
    );
    const noTimestamp = slackUrlEvent(body) as { headers: Record<string, string> };
    delete noTimestamp.headers["x-slack-request-timestamp"];
    expect(refusal(() => parseSlackRequest(noTimestamp)).field).toBe(TIMESTAMP_FIELD);
    expect(
      refusal(() => parseSlackRequest({ ...slackUrlEvent(body), body: "not base64!", isBase64Encoded: true }))
        .field,
    ).toBe("body");
  });

  it("tells a Function URL event from the verified click and from anything else", () => {
    expect(isFunctionUrlEvent(signedClick({ value: VALUE }))).toBe(true);
    expect(isFunctionUrlEvent({ mark: VERIFIED_MARK })).toBe(false);
    expect(isMarkedEvent({ mark: VERIFIED_MARK })).toBe(true);
    expect(isMarkedEvent({ version: "0", "detail-type": "Scheduled Event" })).toBe(false);
  });
});

describe("the click (block_actions payload)", () => {
  const click = (payload: unknown) => parseSlackClick(Buffer.from(formBody(payload)), parseButtonValue);

  it("reads who clicked which button on which message", () => {
    const parsed = click(blockActions({ value: VALUE, threadTs: "1767225500.000100" }));
    expect(parsed).toMatchObject({
      user: "U0APPROVER",
      team: "T0TEAM0001",
      channel: "C0DEPLOYS01",
      messageTs: "1767225600.000100",
      threadTs: "1767225500.000100",
      actionId: "approve-0",
      value: VALUE,
      button: { v: 1, a: "approve", t: TARGET, d: DIGEST, r: "exec-1" },
    });
    expect(parsed.blocks).toHaveLength(2);
  });

  it.each([
    ["payload.type", (p: Record<string, unknown>) => ({ ...p, type: "view_submission" })],
    ["payload.user.id", (p: Record<string, unknown>) => ({ ...p, user: { id: "alice" } })],
    ["payload.team.id", (p: Record<string, unknown>) => ({ ...p, team: {} })],
    ["payload.channel.id", (p: Record<string, unknown>) => ({ ...p, channel: { id: "#deploys" } })],
    ["payload.message.ts", (p: Record<string, unknown>) => ({ ...p, message: { ts: "yesterday" } })],
    ["payload.actions", (p: Record<string, unknown>) => ({ ...p, actions: [] })],
    ["payload.actions.0.action_id", (p: Record<string, unknown>) => ({ ...p, actions: [{ value: VALUE }] })],
    [
      "payload.actions.0.value",
      (p: Record<string, unknown>) => ({ ...p, actions: [{ action_id: "approve-0" }] }),
    ],
    [
      "payload.actions.0.value",
      (p: Record<string, unknown>) => ({ ...p, actions: [{ action_id: "approve-0", value: '{"v":2}' }] }),
    ],
  ])("refuses a payload naming the field: %s", (field, change) => {
    const error = refusal(() => click(change(blockActions({ value: VALUE }))));
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it("refuses a body without exactly one JSON payload field", () => {
    expect(refusal(() => parseSlackClick(Buffer.from("a=1"), parseButtonValue)).field).toBe("payload");
    expect(refusal(() => parseSlackClick(Buffer.from("payload=%7Bnot"), parseButtonValue)).field).toBe(
      "payload",
    );
    expect(refusal(() => parseSlackClick(Buffer.from("payload=1&payload=2"), parseButtonValue)).field).toBe(
      "payload",
    );
    expect(refusal(() => parseSlackClick(Buffer.from([0xff, 0xfe]), parseButtonValue)).field).toBe("body");
  });
});

describe("the decision a button makes", () => {
  it("maps approve, reject and rollback to the decision path's requests, by slack:<user id>", () => {
    const target = { cluster: "coworking-prod", namespace: "coworking", name: "analytics" };
    expect(slackDecision({ a: "approve", t: TARGET, d: DIGEST }, "U0APPROVER")).toEqual({
      kind: "approve",
      target,
      digest: DIGEST,
      by: "slack:U0APPROVER",
    });
    expect(slackDecision({ a: "reject", t: TARGET, d: DIGEST }, "W0GRID0001")).toEqual({
      kind: "reject",
      target,
      digest: DIGEST,
      by: "slack:W0GRID0001",
    });
    expect(slackDecision({ a: "rollback", t: TARGET, d: DIGEST }, "U0APPROVER")).toEqual({
      kind: "rollback",
      target,
      by: "slack:U0APPROVER",
      reason: SLACK_ROLLBACK_REASON,
      quarantine: false,
      digest: DIGEST,
    });
  });

  it("refuses a target that cannot name a Deployment, as the value's field", () => {
    expect(
      refusal(() => slackDecision({ a: "approve", t: "Prod/NS/analytics", d: DIGEST }, "U0APPROVER")).field,
    ).toBe("payload.actions.0.value");
  });
});

describe("the verified click (the function's own asynchronous event)", () => {
  const parsed = parseSlackClick(Buffer.from(formBody(blockActions({ value: VALUE }))), parseButtonValue);
  const event = verifiedEvent({ requestId: "req-1", accountId: "123456789012" }, parsed, new Date(NOW_MS));

  it("round-trips: the click the URL path verified is the click the async path reads", () => {
    expect(event.mark).toBe(VERIFIED_MARK);
    const back = parseVerifiedClick(JSON.parse(JSON.stringify(event)), parseButtonValue);
    expect(back.click).toEqual(parsed);
    expect(back.verified.requestId).toBe("req-1");
  });

  it("is refused unless it is exactly that shape: no mark, another mark, an extra field, a bad user", () => {
    const { mark: _mark, ...unmarked } = event;
    expect(() => parseVerifiedClick(unmarked, parseButtonValue)).toThrow(InvalidEventError);
    expect(
      refusal(() => parseVerifiedClick({ ...event, mark: "something/else" }, parseButtonValue)).field,
    ).toBe("mark");
    expect(() => parseVerifiedClick({ ...event, by: "slack:U0OTHER" }, parseButtonValue)).toThrow(
      InvalidEventError,
    );
    expect(
      refusal(() =>
        parseVerifiedClick({ ...event, click: { ...event.click, user: "root" } }, parseButtonValue),
      ).field,
    ).toBe("click.user");
  });
});
