// onSlackAction with the decision path and the reporter stubbed through the root, and Slack the
// FAKE Web API (tests/fakes/slackWebApi.ts) through the real client: what Slack gets back for a
// click that is Slack's and an approver's (handed to the asynchronous invocation), forged, stale,
// replayed, not a click, or an unlisted user's (told so, and nothing else); approvers through a
// user group, asked of Slack at most once a minute; then the asynchronous invocation: the decision
// made as slack:<user id>, and the clicked message redrawn, or answered in its thread.
import {
  buttonValue,
  parseButtonValue,
} from "../../../functions/extension/notification/slackThread/buttons.js";
import { WebChatApi } from "../../../functions/extension/notification/slackThread/slackApi.js";
import { MEMBERS_TTL_MS, SlackApprovers } from "../../../functions/handlers/onSlackAction/approvers.js";
import {
  handleSlackAction,
  httpResponse,
  type SlackActionResult,
} from "../../../functions/handlers/onSlackAction/handler.js";
import type { OnSlackActionRoot } from "../../../functions/handlers/onSlackAction/wiring.js";
import { localContext } from "../../../functions/local/lambdaContext.js";
import { MemorySlackNonces } from "../../../functions/provider/dynamodb/slackNonces.js";
import type { DecisionActs, DecisionRequest } from "../../../functions/rollout/decide.js";
import type { RolloutActs } from "../../../functions/rollout/outcome.js";
import type { DeploymentReport } from "../../../functions/rollout/report.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { InvocationDeadline } from "../../../functions/shared/retry.js";
import {
  parseVerifiedClick,
  SIGNATURE_FIELD,
  TIMESTAMP_FIELD,
  type VerifiedSlackClick,
} from "../../../functions/trigger/slackAction.js";
import type { MetricsRecorder } from "../../../functions/types/metricsRecorder.js";
import { type SlackWebApiFake, startSlackWebApiFake } from "../../fakes/slackWebApi.js";
import { SIGNING_SECRET, signedClick, slackSign } from "../../support/slackRequests.js";

const DIGEST = `sha256:${"cd".repeat(32)}`;
const TARGET = "coworking-prod/coworking/analytics";
const APPROVER = "U0APPROVER";
const GROUP = "S0RELEASES";
const GROUPIE = "U0GROUPIE1";
const STRANGER = "U0STRANGER";
const approve = buttonValue("approve", TARGET, DIGEST, "exec-1") as string;

const metrics: MetricsRecorder = { add: () => undefined, flush: async () => undefined };
const logger = createLogger("onSlackAction-test");
logger.setLogLevel("SILENT");

let slack: SlackWebApiFake;
beforeEach(async () => {
  slack = await startSlackWebApiFake();
  slack.addUserGroup(GROUP, [GROUPIE, "U0SOMEONE1"]);
});
afterEach(async () => slack.close());

interface Stubbed {
  root: OnSlackActionRoot;
  decisions: DecisionRequest[];
  handed: VerifiedSlackClick[];
}

const patched = (reason: string): DeploymentReport => ({
  cluster: "coworking-prod",
  namespace: "coworking",
  name: "analytics",
  action: "patched",
  reason,
  outcome: "succeeded",
});

function stubbed(
  options: { lines?: DeploymentReport[]; local?: boolean; secret?: string | null; now?: () => number } = {},
): Stubbed {
  const decisions: DecisionRequest[] = [];
  const handed: VerifiedSlackClick[] = [];
  const api = new WebChatApi(async () => slack.token, { apiUrl: slack.url, requestTimeoutMs: 2_000 });
  const root = {
    config: { rollout: { waitSeconds: undefined } },
    logger,
    metrics,
    deadline: new InvocationDeadline(),
    reporter: { report: async (_acts: RolloutActs) => options.lines ?? [] },
    deploymentApis: async () => [],
    decide: async (request: DecisionRequest): Promise<DecisionActs> => {
      decisions.push(request);
      return { outcomes: [], failures: [], targetFound: true };
    },
    signingSecret: async () => (options.secret === null ? undefined : (options.secret ?? SIGNING_SECRET)),
    nonces: new MemorySlackNonces(),
    approvers: new SlackApprovers({ users: [APPROVER], groups: [GROUP] }, api, options.now ?? Date.now),
    slack: api,
    ...(options.local ? {} : { invokeSelf: async (event: VerifiedSlackClick) => void handed.push(event) }),
    now: options.now ?? Date.now,
  } as unknown as OnSlackActionRoot;
  return { root, decisions, handed };
}

const status = (result: SlackActionResult) => httpResponse(result).statusCode;
const context = () => localContext("onSlackAction", 60);

describe("a click through the function URL", () => {
  it("an approver's signed click: 200 with an empty body, handed to the asynchronous invocation as the verified click", async () => {
    const { root, decisions, handed } = stubbed();

    const result = await handleSlackAction(root, signedClick({ value: approve, user: APPROVER }), context());

    expect(httpResponse(result)).toEqual({ statusCode: 200, headers: {}, body: "" });
    expect(result).toMatchObject({
      outcome: "handled",
      answer: "handed-over",
      user: APPROVER,
      action: "approve",
    });
    expect(decisions).toEqual([]); // not in the 3 seconds: the second invocation decides
    expect(handed).toHaveLength(1);
    const { click } = parseVerifiedClick(JSON.parse(JSON.stringify(handed[0])), parseButtonValue);
    expect(click).toMatchObject({
      user: APPROVER,
      channel: "C0DEPLOYS01",
      button: { a: "approve", d: DIGEST },
    });
    expect(slack.ephemerals).toEqual([]);
  });

  it("a base64 body (as Lambda may deliver it) verifies over the decoded bytes", async () => {
    const { root, handed } = stubbed();
    const result = await handleSlackAction(
      root,
      signedClick({ value: approve, user: APPROVER }, { base64: true }),
    );
    expect(status(result)).toBe(200);
    expect(handed).toHaveLength(1);
  });

  it("401: a forged signature, a stale timestamp, a missing signature, no signing secret configured; nothing happens", async () => {
    const { root, handed } = stubbed();
    const forged = signedClick({ value: approve, user: APPROVER }, { secret: "0".repeat(32) });
    const stale = signedClick(
      { value: approve, user: APPROVER },
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
    );
    const unsigned = signedClick({ value: approve, user: APPROVER }, { withoutSignature: true });
    const short = signedClick({ value: approve, user: APPROVER }, { signature: "v0=abc" });

    const answers = [];
    for (const event of [forged, stale, unsigned, short]) answers.push(await handleSlackAction(root, event));
    const unconfigured = await handleSlackAction(
      stubbed({ secret: null }).root,
      signedClick({ value: approve, user: APPROVER }),
    );

    expect([...answers, unconfigured].map(status)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.map((answer) => (answer as { field?: string }).field)).toEqual([
      SIGNATURE_FIELD,
      TIMESTAMP_FIELD,
      SIGNATURE_FIELD,
      SIGNATURE_FIELD,
    ]);
    expect(handed).toEqual([]);
    expect(slack.calls).toEqual([]);
  });

  it("401: the same signed request a second time (a replay inside the 5 minutes); the first is acted on once", async () => {
    const { root, handed } = stubbed();
    const click = signedClick({ value: approve, user: APPROVER });

    const first = await handleSlackAction(root, click);
    const replay = await handleSlackAction(root, structuredClone(click));

    expect([status(first), status(replay)]).toEqual([200, 401]);
    expect(replay).toMatchObject({ outcome: "rejected", reason: expect.stringContaining("replay") });
    expect(handed).toHaveLength(1);
  });

  it("an unlisted user: 200 to Slack, a message only they see, and no decision", async () => {
    const { root, decisions, handed } = stubbed({ local: true });

    const result = await handleSlackAction(root, signedClick({ value: approve, user: STRANGER }));

    expect(status(result)).toBe(200);
    expect(result).toMatchObject({ answer: "refused", why: "not an approver" });
    expect(slack.ephemerals).toEqual([
      {
        channel: "C0DEPLOYS01",
        user: STRANGER,
        text: expect.stringContaining("not one of this stage's Slack approvers"),
      },
    ]);
    expect(decisions).toEqual([]);
    expect(handed).toEqual([]);
    expect(slack.calls.map((call) => call.method)).toEqual(["usergroups.users.list", "chat.postEphemeral"]);
  });

  it("someone removed from an approvers' user group can no longer decide a minute later, though the function stays warm", async () => {
    let now = Date.now();
    const { root, handed } = stubbed({ now: () => now });

    const before = await handleSlackAction(
      root,
      signedClick({ value: approve, user: GROUPIE }, { timestamp: Math.floor(now / 1000) }),
    );
    slack.addUserGroup(GROUP, ["U0SOMEONE1"]);
    now += MEMBERS_TTL_MS - 1;
    const within = await handleSlackAction(
      root,
      signedClick(
        { value: approve, user: GROUPIE, messageTs: "1767225600.000400" },
        { timestamp: Math.floor(now / 1000) },
      ),
    );
    now += 1;
    const after = await handleSlackAction(
      root,
      signedClick(
        { value: approve, user: GROUPIE, messageTs: "1767225600.000500" },
        { timestamp: Math.floor(now / 1000) },
      ),
    );

    expect([before, within, after].map((result) => (result as { answer?: string }).answer)).toEqual([
      "handed-over",
      "handed-over",
      "refused",
    ]);
    expect(handed).toHaveLength(2);
    expect(slack.calls.filter((call) => call.method === "usergroups.users.list")).toHaveLength(2);
  });

  it("a member of an approvers' user group may decide; the group is asked of Slack once a minute at most", async () => {
    const { root, handed } = stubbed();

    const member = await handleSlackAction(root, signedClick({ value: approve, user: GROUPIE }));
    const again = await handleSlackAction(
      root,
      signedClick({ value: approve, user: GROUPIE, messageTs: "1767225600.000200" }),
    );
    const outsider = await handleSlackAction(root, signedClick({ value: approve, user: STRANGER }));

    expect([member, again, outsider].map((result) => (result as { answer?: string }).answer)).toEqual([
      "handed-over",
      "handed-over",
      "refused",
    ]);
    expect(handed).toHaveLength(2);
    expect(slack.calls.filter((call) => call.method === "usergroups.users.list")).toEqual([
      { method: "usergroups.users.list", args: expect.objectContaining({ usergroup: GROUP }) },
    ]);
  });

  it("a group Slack cannot list just now: told to click again, nothing done, and asked again next time", async () => {
    const { root, handed } = stubbed();
    slack.failNext("usergroups.users.list", "internal_error");

    const failed = await handleSlackAction(root, signedClick({ value: approve, user: GROUPIE }));
    const retried = await handleSlackAction(
      root,
      signedClick({ value: approve, user: GROUPIE, messageTs: "1767225600.000300" }),
    );

    expect(failed).toMatchObject({ answer: "refused", why: "approvers unknown" });
    expect(slack.ephemerals[0]?.text).toContain("could not be checked");
    expect(retried).toMatchObject({ answer: "handed-over" });
    expect(handed).toHaveLength(1);
  });

  it("400 for a signed body that is not a release button's click, naming the field; 405 for a GET", async () => {
    const { root, handed } = stubbed();
    const body = "payload=%7B%22type%22%3A%22block_actions%22%7D";
    const timestamp = String(Math.floor(Date.now() / 1000));
    const notAClick = signedClick({ value: approve });
    Object.assign(notAClick, { body });
    (notAClick.headers as Record<string, string>)["x-slack-request-timestamp"] = timestamp;
    (notAClick.headers as Record<string, string>)["x-slack-signature"] = slackSign(
      SIGNING_SECRET,
      timestamp,
      body,
    );
    const foreignValue = signedClick({ value: '{"v":1,"a":"deploy"}', user: APPROVER });

    const refused = await handleSlackAction(root, notAClick);
    const unknownButton = await handleSlackAction(root, foreignValue);
    const get = httpResponse(
      await handleSlackAction(root, signedClick({ value: approve }, { method: "GET" })),
    );

    expect(status(refused)).toBe(400);
    expect(refused).toMatchObject({ outcome: "rejected", field: "payload.user" });
    expect(unknownButton).toMatchObject({ outcome: "rejected", field: "payload.actions.0.value" });
    expect(get).toMatchObject({ statusCode: 405, headers: { allow: "POST" } });
    expect(handed).toEqual([]);
  });

  it("refuses an event that is neither a function URL request nor exactly the verified click", async () => {
    const { root, decisions } = stubbed();
    const plain = await handleSlackAction(root, {
      action: "approve",
      target: TARGET,
      by: "slack:U0APPROVER",
    });
    const unmarked = await handleSlackAction(root, {
      requestId: "x",
      click: { user: APPROVER, value: approve },
    });
    expect([plain.outcome, unmarked.outcome]).toEqual(["rejected", "rejected"]);
    expect(decisions).toEqual([]);
  });
});

describe("the verified click (the asynchronous invocation)", () => {
  /** A held reply with its buttons, posted to the FAKE as the thread sink would, and its click. */
  async function heldMessage(root: OnSlackActionRoot) {
    const api = root.slack as WebChatApi;
    const parent = await api.postMessage({ channel: "C0DEPLOYS01", text: "release", blocks: [] });
    const blocks = [
      { type: "section" as const, text: { type: "mrkdwn" as const, text: "held for approval (0 of 1)" } },
      {
        type: "actions" as const,
        elements: [
          {
            type: "button" as const,
            text: { type: "plain_text" as const, text: "Approve", emoji: true as const },
            action_id: "approve-0",
            value: approve,
          },
        ],
      },
    ];
    const reply = await api.postMessage({
      channel: "C0DEPLOYS01",
      text: "held",
      blocks,
      threadTs: parent.ts,
    });
    return { parent, reply, blocks };
  }

  async function verified(root: OnSlackActionRoot, handed: VerifiedSlackClick[], user = APPROVER) {
    const { parent, reply, blocks } = await heldMessage(root);
    const url = signedClick({ value: approve, user, messageTs: reply.ts, threadTs: parent.ts, blocks });
    expect(status(await handleSlackAction(root, url))).toBe(200);
    const event = handed.at(-1) as VerifiedSlackClick;
    return { event, reply, parent };
  }

  it("decides as slack:<user id> through the decision path, then redraws the clicked message without its buttons", async () => {
    const { root, decisions, handed } = stubbed({ lines: [patched("approved by slack:U0APPROVER")] });
    const { event, reply } = await verified(root, handed);

    const result = await handleSlackAction(root, event, context());

    expect(decisions).toEqual([
      {
        kind: "approve",
        target: { cluster: "coworking-prod", namespace: "coworking", name: "analytics" },
        digest: DIGEST,
        by: `slack:${APPROVER}`,
      },
    ]);
    expect(result).toMatchObject({
      outcome: "handled",
      answer: "decided",
      decision: { action: "approve", by: `slack:${APPROVER}`, target: TARGET, digest: DIGEST },
      slack: "updated",
    });
    const message = slack.messages.find((candidate) => candidate.ts === reply.ts);
    expect(message?.edits).toBe(1);
    expect(message?.blocks.map((block) => block.type)).toEqual(["section", "context"]);
    expect(JSON.stringify(message?.blocks)).toContain(`<@${APPROVER}> approved`);
  });

  it("a click that changed nothing (a second click: nothing pending) is answered in the thread; the message keeps its record", async () => {
    const nothing: DeploymentReport = {
      ...patched(""),
      action: "skipped",
      reason: "nothing is pending (already rolled out, rejected or replaced)",
    };
    delete nothing.outcome;
    const { root, handed } = stubbed({ lines: [nothing] });
    const { event, reply, parent } = await verified(root, handed);

    const result = await handleSlackAction(root, event, context());

    expect(result).toMatchObject({ answer: "decided", slack: "replied" });
    expect(slack.messages.find((candidate) => candidate.ts === reply.ts)?.edits).toBe(0);
    const answer = slack.messages.at(-1);
    expect(answer?.threadTs).toBe(parent.ts);
    expect(answer?.text).toContain("nothing is pending");
  });

  it("in local mode the click is decided in-process before the URL's answer, which carries the result", async () => {
    const { root, decisions, handed } = stubbed({ local: true, lines: [patched("approved")] });
    const { reply, parent, blocks } = await heldMessage(root);

    const result = await handleSlackAction(
      root,
      signedClick({ value: approve, user: APPROVER, messageTs: reply.ts, threadTs: parent.ts, blocks }),
      context(),
    );

    expect(handed).toEqual([]);
    expect(decisions).toHaveLength(1);
    expect(result).toMatchObject({
      answer: "handed-over",
      decided: { outcome: "handled", answer: "decided", slack: "updated" },
    });
    // What `npm run invoke` prints: the answer's body carries the decision (deployed, it is empty).
    expect(JSON.parse(httpResponse(result).body)).toMatchObject({ decided: { answer: "decided" } });
  });
});
