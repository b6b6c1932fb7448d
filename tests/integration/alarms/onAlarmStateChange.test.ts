// onAlarmStateChange against the real harness: the composite alarm of a Deployment going to
// ALARM inside the bake window of its last release rolls the real Deployment back (through the
// rollout executor), quarantines the digest and notifies with the alarm's reason; the same event
// outside the window only notifies; ALARM → OK reports the time to restore.
import { handleAlarmStateChange } from "../../../functions/handlers/onAlarmStateChange/handler.js";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  createDeployment,
  imageOf,
  type LocalFunctions,
  localFunctions,
  type PushedImage,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
} from "../rollout/support.js";
import { type AlarmFunctions, alarmFunctions, alarmStateChange } from "./support.js";

let namespace: string;
let rollout: LocalFunctions;
let functions: AlarmFunctions;

beforeAll(async () => {
  namespace = await testNamespace("alarm-rollback");
  rollout = await localFunctions([namespace]);
  functions = await alarmFunctions([namespace]);
});
afterAll(async () => {
  await rollout?.close();
  await functions?.close();
});

/** A Deployment on 1.0.0 that the real onImagePush has just released 1.1.0 to (now baking). */
async function released(name: string, annotations: Record<string, string> = {}) {
  const repositoryName = uniqueName(name);
  const running = await pushImage(repositoryName, "1.0.0");
  await createDeployment(namespace, name, { image: running.pinned, annotations });
  await afterNextPushSecond();
  const pushed = await pushImage(repositoryName, "1.1.0");
  const result = await rollout.onImagePush(pushEvent(pushed));
  expect(result.deployments).toContainEqual(expect.objectContaining({ name, outcome: "succeeded" }));
  expect(readLedger((await readDeployment(namespace, name)).metadata?.annotations ?? {}).rollout?.phase).toBe(
    "baking",
  );
  return { running, pushed };
}

const healthAlarm = (name: string) => `coworking-${functions.cluster}/${namespace}/${name}/health`;
const slackText = () => JSON.stringify(functions.slack.received.map((m) => m.payload));

it("rolls the Deployment back on ALARM inside the bake window, quarantining the digest", async () => {
  const { running, pushed }: { running: PushedImage; pushed: PushedImage } = await released("inside");
  const reason = "Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold (90.0)";

  const result = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("inside"), "ALARM", "OK", reason),
    functions.alarm,
  );

  expect(result).toMatchObject({
    outcome: "handled",
    action: "rollback",
    report: { action: "rolled_back", outcome: "rolled_back" },
  });
  const after = await readDeployment(namespace, "inside");
  expect(imageOf(after)).toBe(running.pinned);
  const annotations = after.metadata?.annotations ?? {};
  expect(readLedger(annotations).quarantined).toEqual([pushed.digest]);
  expect(annotations[Annotation.changeCause]).toContain(reason);
  expect(slackText()).toContain("rollout.rolled_back");
  expect(slackText()).toContain(reason);
});

it("only notifies on the same ALARM outside the bake window", async () => {
  const { pushed } = await released("outside", { [Annotation.bakeSeconds]: "1" });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const before = functions.slack.received.length;

  const result = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("outside"), "ALARM", "OK", "memory over limit"),
    functions.alarm,
  );

  expect(result).toMatchObject({ outcome: "handled", action: "notified", event: "alarm.fired", failed: [] });
  const after = await readDeployment(namespace, "outside");
  expect(imageOf(after)).toBe(pushed.pinned);
  expect(after.metadata?.annotations?.[Annotation.quarantined]).toBeUndefined();
  expect(functions.slack.received.length).toBe(before + 1);
  expect(JSON.stringify(functions.slack.received.at(-1)?.payload)).toContain("outside the 1s bake window");
});

it("reports the time to restore when the alarm returns to OK, and ignores metric alarms", async () => {
  const since = new Date("2026-11-02T10:00:00Z");
  const at = new Date("2026-11-02T10:04:30Z");
  const restored = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("inside"), "OK", "ALARM", "back to normal", at, since),
    functions.alarm,
  );
  expect(restored).toEqual({
    outcome: "handled",
    eventId: expect.any(String),
    action: "restored",
    seconds: 270,
  });

  const child = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("inside").replace("/health", "/cpu"), "ALARM", "OK", "cpu"),
    functions.alarm,
  );
  expect(child).toMatchObject({ outcome: "ignored" });
  const rejected = await handleAlarmStateChange(
    { "detail-type": "CloudWatch Alarm State Change" },
    functions.alarm,
  );
  expect(rejected).toMatchObject({ outcome: "rejected" });
});
