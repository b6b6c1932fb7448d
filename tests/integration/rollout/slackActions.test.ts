// Slack's buttons on the harness: a push held for approval (the real onImagePush, the real release
// thread posted to the FAKE Slack Web API, with the buttons the repo's builder makes), then a click
// on that very message, signed as Slack signs it, through the real onSlackAction in local mode (the
// decision runs in-process, on the real apiserver; request claims in a state table on moto).
// A signed approver's click rolls the release out, named slack:<user id>; a forged, a replayed or
// an unlisted user's click changes nothing; a double click rolls out once; Reject blocks; Roll back
// after a rollout restores the known-good image, and an older release's Roll back does nothing.
import { buttonValue } from "../../../functions/extension/notification/slackThread/buttons.js";
import {
  handleSlackAction,
  httpResponse,
  type SlackActionResult,
} from "../../../functions/handlers/onSlackAction/handler.js";
import {
  composeOnSlackAction,
  type OnSlackActionRoot,
} from "../../../functions/handlers/onSlackAction/wiring.js";
import { localContext } from "../../../functions/local/lambdaContext.js";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import {
  type FakeSlackMessage,
  type SlackWebApiFake,
  startSlackWebApiFake,
} from "../../fakes/slackWebApi.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { SIGNING_SECRET, signedClick } from "../../support/slackRequests.js";
import {
  createDeployment,
  deleteTestNamespaces,
  holdForApproval,
  imageOf,
  type LocalFunctions,
  localFunctions,
  type PushedImage,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
  writtenState,
} from "./support.js";

/** The harness kubeconfig's cluster: what a target names in local mode. */
const CLUSTER = "harness";
const APPROVER = "U0APPROVER";
const SECOND_APPROVER = "U0APPROVR2";
const GROUP = "S0RELEASES";
const GROUPIE = "U0GROUPIE1";
const STRANGER = "U0STRANGER";

let slack: SlackWebApiFake;
let functions: LocalFunctions;
let namespace: string;
let root: OnSlackActionRoot;

beforeAll(async () => {
  slack = await startSlackWebApiFake();
  slack.addUserGroup(GROUP, [GROUPIE]);
  namespace = await testNamespace("slack");
  const threads = { SLACK_BOT_TOKEN: slack.token, SLACK_CHANNEL: "#deploys", SLACK_API_URL: slack.url };
  functions = await localFunctions([namespace], threads);
  // onSlackAction as `npm run invoke` composes it: the same cluster, table and Slack as the push.
  root = composeOnSlackAction({
    ...functions.env,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APPROVERS: `${APPROVER},${SECOND_APPROVER},${GROUP}`,
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
    AWS_LAMBDA_FUNCTION_NAME: undefined,
  });
});
afterAll(async () => {
  await deleteTestNamespaces();
  await functions?.close();
  await slack?.close();
});

async function click(event: Record<string, unknown>): Promise<{ status: number; result: SlackActionResult }> {
  const result = await handleSlackAction(root, event, localContext("onSlackAction", 60));
  return { status: httpResponse(result).statusCode, result };
}

/** The message in the FAKE that carries `action`'s button for `target`, and that button's value. */
function buttonMessage(
  action: string,
  target: string,
  digest: string,
): { message: FakeSlackMessage; value: string } {
  for (const message of slack.messages) {
    for (const block of message.blocks) {
      for (const element of block.elements ?? []) {
        if (!element.action_id?.startsWith(`${action}-`) || element.value === undefined) continue;
        const value = JSON.parse(element.value) as { t: string; d: string };
        if (value.t === target && value.d === digest) return { message, value: element.value };
      }
    }
  }
  throw new Error(`no ${action} button for ${target} ${digest} in Slack:\n${slack.print()}`);
}

/** A signed click on `message`'s button `value`, as Slack posts it to the function URL. */
function clickOn(
  message: FakeSlackMessage,
  value: string,
  user: string,
  options: { secret?: string; timestamp?: number } = {},
) {
  return signedClick(
    {
      user,
      channel: message.channel,
      messageTs: message.ts,
      ...(message.threadTs !== undefined && { threadTs: message.threadTs }),
      actionId: JSON.parse(value).a === "rollback" ? "rollback-0" : `${JSON.parse(value).a}-0`,
      value,
      blocks: message.blocks,
    },
    options,
  );
}

/** The Slack replies of one event kind (the renderer's context line names it), e.g. rollout.succeeded. */
const posted = (event: string) =>
  slack.messages.filter((message) => JSON.stringify(message.blocks).includes(`\`${event}\``));

/** A Deployment asking for one approval, and a newer image pushed to it: held, its buttons in Slack. */
async function heldRelease(name: string) {
  const { running, pushed } = await holdForApproval(functions, namespace, name);
  const target = `${CLUSTER}/${namespace}/${name}`;
  const approve = buttonMessage("approve", target, pushed.digest);
  // The button's value is the repo's builder's, for this Deployment and digest.
  const { r } = JSON.parse(approve.value) as { r?: string };
  expect(approve.value).toBe(buttonValue("approve", target, pushed.digest, r));
  return { running, pushed, target, approve };
}

function pendingOf(deployment: Awaited<ReturnType<typeof readDeployment>>) {
  return readLedger(deployment.metadata?.annotations ?? {}).pending;
}

describe("Slack buttons through onSlackAction (local mode, real decision path)", () => {
  it("a signed approver's Approve rolls the held release out, named slack:<user id>; the message says who; a replay is refused", async () => {
    const { pushed, approve } = await heldRelease("approved");
    const event = clickOn(approve.message, approve.value, APPROVER);

    const { status, result } = await click(event);

    expect(status).toBe(200);
    expect(result).toMatchObject({
      outcome: "handled",
      answer: "handed-over",
      decided: {
        outcome: "handled",
        answer: "decided",
        decision: { action: "approve", by: `slack:${APPROVER}`, digest: pushed.digest },
        deployments: [expect.objectContaining({ name: "approved", action: "patched", outcome: "succeeded" })],
        slack: "updated",
      },
    });
    const rolledOut = await readDeployment(namespace, "approved");
    expect(imageOf(rolledOut)).toBe(pushed.pinned);
    expect(rolledOut.metadata?.annotations?.[Annotation.changeCause]).toContain(`slack:${APPROVER}`);
    expect(pendingOf(rolledOut)).toBeUndefined();
    // The clicked message: redrawn once, without its buttons, saying who approved.
    const redrawn = slack.messages.find((message) => message.ts === approve.message.ts);
    expect(redrawn?.blocks.some((block) => block.type === "actions")).toBe(false);
    expect(JSON.stringify(redrawn?.blocks)).toContain(`<@${APPROVER}> approved`);

    const before = await writtenState(namespace, "approved");
    const replay = await click(event);
    expect(replay.status).toBe(401);
    expect(await writtenState(namespace, "approved")).toEqual(before);
  });

  it("a forged click (another secret) is refused with 401 and changes nothing", async () => {
    const { approve } = await heldRelease("forged");
    const before = await writtenState(namespace, "forged");
    const calls = slack.calls.length;

    const { status } = await click(
      clickOn(approve.message, approve.value, APPROVER, { secret: "0".repeat(32) }),
    );

    expect(status).toBe(401);
    expect(await writtenState(namespace, "forged")).toEqual(before);
    expect(slack.calls.length).toBe(calls);
  });

  it("an unlisted user's click: 200, a message only they see, and the release stays held", async () => {
    const { running, approve } = await heldRelease("unlisted");
    const before = await writtenState(namespace, "unlisted");

    const { status, result } = await click(clickOn(approve.message, approve.value, STRANGER));

    expect(status).toBe(200);
    expect(result).toMatchObject({ answer: "refused", why: "not an approver" });
    expect(slack.ephemerals.at(-1)).toMatchObject({
      user: STRANGER,
      text: expect.stringContaining("approvers"),
    });
    const after = await readDeployment(namespace, "unlisted");
    expect(await writtenState(namespace, "unlisted")).toEqual(before);
    expect(imageOf(after)).toBe(running.pinned);
    expect(pendingOf(after)).toBeDefined();
  });

  it("a double click (two approvers at once) rolls out once and notifies once; the other click says nothing was done", async () => {
    const { pushed, approve } = await heldRelease("double");
    const succeeded = posted("rollout.succeeded").length;

    const [first, second] = await Promise.all([
      click(clickOn(approve.message, approve.value, APPROVER)),
      click(clickOn(approve.message, approve.value, SECOND_APPROVER)),
    ]);

    expect([first.status, second.status]).toEqual([200, 200]);
    const lines = [first, second].map(
      ({ result }) =>
        (result as { decided?: { deployments?: { action: string }[] } }).decided?.deployments?.[0]?.action,
    );
    expect(lines.sort()).toEqual(["patched", "skipped"]);
    expect(imageOf(await readDeployment(namespace, "double"))).toBe(pushed.pinned);
    expect(posted("rollout.succeeded").length).toBe(succeeded + 1);
    // The click that lost answers in the thread (the release was already running), leaving the
    // first's record on the message.
    const answers = () =>
      slack.messages.filter(
        (message) => message.threadTs !== undefined && message.text.includes("nothing was done"),
      );
    expect(answers()).toHaveLength(1);

    // A click on the same button later (a fresh request): nothing is pending any more, and it says so.
    const later = await click(clickOn(approve.message, approve.value, APPROVER));
    expect(later.status).toBe(200);
    expect(answers()).toHaveLength(2);
    expect(answers().at(-1)?.text).toContain("nothing is pending");
    expect(posted("rollout.succeeded").length).toBe(succeeded + 1);
  });

  it("a user group member's Reject blocks the held release: quarantined on the Deployment, its image left", async () => {
    const { running, pushed, target } = await heldRelease("rejected");
    const reject = buttonMessage("reject", target, pushed.digest);

    const { status, result } = await click(clickOn(reject.message, reject.value, GROUPIE));

    expect(status).toBe(200);
    expect(result).toMatchObject({
      decided: {
        decision: { action: "reject", by: `slack:${GROUPIE}` },
        deployments: [expect.objectContaining({ action: "blocked" })],
      },
    });
    const after = await readDeployment(namespace, "rejected");
    expect(imageOf(after)).toBe(running.pinned);
    expect(readLedger(after.metadata?.annotations ?? {}).quarantined).toContain(pushed.digest);
  });

  it("Roll back after a rollout restores the known-good image, named after the clicker; an older release's Roll back does nothing", async () => {
    const repositoryName = uniqueName("manual");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "manual", {
      image: running.pinned,
      annotations: { [Annotation.bakeSeconds]: "0" },
    });
    const target = `${CLUSTER}/${namespace}/manual`;
    const rollOut = async (tag: string): Promise<PushedImage> => {
      await afterNextPushSecond();
      const image = await pushImage(repositoryName, tag);
      await functions.onImagePush(pushEvent(image));
      expect(imageOf(await readDeployment(namespace, "manual"))).toBe(image.pinned);
      await functions.reconcile(); // the 0 s bake window is over: the release settles as succeeded
      return image;
    };
    const older = await rollOut("1.1.0");
    const olderButton = buttonMessage("rollback", target, older.digest);
    const newer = await rollOut("1.2.0");

    // The older release's button: that release is no longer the one running, so nothing is done.
    const stale = await click(clickOn(olderButton.message, olderButton.value, APPROVER));
    expect(stale.result).toMatchObject({
      decided: {
        deployments: [
          expect.objectContaining({
            action: "skipped",
            reason: expect.stringContaining("Roll back button is for"),
          }),
        ],
      },
    });
    expect(imageOf(await readDeployment(namespace, "manual"))).toBe(newer.pinned);

    const button = buttonMessage("rollback", target, newer.digest);
    const { status, result } = await click(clickOn(button.message, button.value, APPROVER));

    expect(status).toBe(200);
    expect(result).toMatchObject({
      decided: {
        decision: { action: "rollback", by: `slack:${APPROVER}` },
        deployments: [expect.objectContaining({ name: "manual", action: "rolled_back" })],
        slack: "updated",
      },
    });
    const after = await readDeployment(namespace, "manual");
    expect(imageOf(after)).toBe(older.pinned);
    expect(after.metadata?.annotations?.[Annotation.changeCause]).toBe(
      `manual rollback of 1.2.0 (${newer.digest.slice(7, 19)}) by slack:${APPROVER}: Roll back clicked in Slack`,
    );
  });
});
