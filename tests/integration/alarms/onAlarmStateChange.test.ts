// onAlarmStateChange against the real harness: the composite alarm of a Deployment going to
// ALARM inside the bake window of its last release rolls the real Deployment back (through the
// rollout executor), quarantines the digest and notifies with the alarm's reason; the same event
// outside the window only notifies; ALARM → OK reports AlarmToOkSeconds. Delivery is late and out
// of order, so the handler re-reads the alarm (DescribeAlarms, answered by the composite-alarm
// FAKE in front of moto) before it acts: an ALARM raised before the release started is stale, an
// ALARM that is already over only notifies, an OK older than the alarm's current ALARM records
// nothing. Every time is explicit (taken from the ledger the real rollout wrote), never waited for.
import { handleAlarmStateChange } from "../../../functions/handlers/onAlarmStateChange/handler.js";
import type { AlarmStateChangeRoot } from "../../../functions/handlers/onAlarmStateChange/wiring.js";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import type { MetricsRecorder } from "../../../functions/types/metricsRecorder.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  createDeployment,
  deleteTestNamespaces,
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
  // The namespace goes too: a harness kept between runs would fill its fake nodes with them.
  await deleteTestNamespaces();
  await rollout?.close();
  await functions?.close();
});

/** A long bake window, so no test depends on how fast the machine runs it. */
const LONG_BAKE = { [Annotation.bakeSeconds]: "3600" };

/** A Deployment on 1.0.0 that the real onImagePush has just released 1.1.0 to (now baking). */
async function released(name: string, annotations: Record<string, string> = LONG_BAKE) {
  const repositoryName = uniqueName(name);
  const running = await pushImage(repositoryName, "1.0.0");
  await createDeployment(namespace, name, { image: running.pinned, annotations });
  await afterNextPushSecond();
  const pushed = await pushImage(repositoryName, "1.1.0");
  const result = await rollout.onImagePush(pushEvent(pushed));
  expect(result.deployments).toContainEqual(expect.objectContaining({ name, outcome: "succeeded" }));
  const record = readLedger((await readDeployment(namespace, name)).metadata?.annotations ?? {}).rollout;
  expect(record?.phase).toBe("baking");
  if (!record?.completedAt) throw new Error("the release recorded no completion");
  return {
    running,
    pushed,
    startedAt: new Date(record.startedAt),
    completedAt: new Date(record.completedAt),
  };
}

const healthAlarm = (name: string) => `coworking-${functions.cluster}/${namespace}/${name}/health`;
const slackText = () => JSON.stringify(functions.slack.received.map((m) => m.payload));
const lastSlack = () => JSON.stringify(functions.slack.received.at(-1)?.payload);
const seconds = (date: Date, delta: number) => new Date(date.getTime() + delta * 1000);

/** The alarm root with its metrics recorded, to see what the handler measured. */
function measured(root: AlarmStateChangeRoot) {
  const added: { name: string; value: number; dimensions?: Record<string, string> }[] = [];
  const metrics: MetricsRecorder = {
    add: (name, unit, value, dimensions) => {
      added.push({ name, value, ...(dimensions ? { dimensions } : {}) });
      root.metrics.add(name, unit, value, dimensions);
    },
    flush: () => root.metrics.flush(),
  };
  return { root: { ...root, metrics }, added };
}

/** Still running the release, nothing quarantined: the alarm wrote nothing. */
async function untouched(name: string, pushed: PushedImage) {
  const after = await readDeployment(namespace, name);
  expect(imageOf(after)).toBe(pushed.pinned);
  expect(readLedger(after.metadata?.annotations ?? {}).quarantined).toEqual([]);
  expect(after.metadata?.annotations?.[Annotation.quarantined]).toBeUndefined();
}

it("rolls the Deployment back on ALARM inside the bake window, quarantining the digest", async () => {
  const { running, pushed, completedAt } = await released("inside");
  const reason = "Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold (90.0)";
  await functions.alarmState(healthAlarm("inside"), "ALARM", completedAt);

  const result = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("inside"), "ALARM", "OK", reason, completedAt),
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
  const { pushed, completedAt } = await released("outside", { [Annotation.bakeSeconds]: "0" });
  await functions.alarmState(healthAlarm("outside"), "ALARM", completedAt);
  const before = functions.slack.received.length;

  const result = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("outside"), "ALARM", "OK", "memory over limit", completedAt),
    functions.alarm,
  );

  expect(result).toMatchObject({ outcome: "handled", action: "notified", event: "alarm.fired", failed: [] });
  await untouched("outside", pushed);
  expect(functions.slack.received.length).toBe(before + 1);
  expect(lastSlack()).toContain("outside the 0s bake window");
});

it("never rolls back an ALARM raised before the release started, however late it arrives", async () => {
  // The alarm fired ten minutes before the release started and is still firing; its event is
  // delivered only now, inside the release's bake window.
  const { pushed, startedAt } = await released("late");
  const raisedAt = seconds(startedAt, -600);
  await functions.alarmState(healthAlarm("late"), "ALARM", raisedAt);
  const before = functions.slack.received.length;

  const result = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("late"), "ALARM", "OK", "restarts over limit", raisedAt),
    functions.alarm,
  );

  expect(result).toEqual({
    outcome: "handled",
    eventId: expect.any(String),
    action: "stale",
    event: "alarm.stale",
    alarmAt: raisedAt.toISOString(),
    basis: "event",
    release: "1.1.0",
    releaseStartedAt: startedAt.toISOString(),
    delivered: ["slack"],
    failed: [],
  });
  await untouched("late", pushed);
  expect(functions.slack.received.length).toBe(before + 1);
  expect(lastSlack()).toContain("alarm.stale");
  expect(lastSlack()).toContain(raisedAt.toISOString());
  expect(lastSlack()).toContain(startedAt.toISOString());
});

it("only notifies when the event says ALARM but the alarm, re-read, is OK now", async () => {
  const { pushed, completedAt } = await released("recovered");
  const okSince = seconds(completedAt, 30);
  await functions.alarmState(healthAlarm("recovered"), "ALARM", completedAt);
  await functions.alarmState(healthAlarm("recovered"), "OK", okSince);

  const result = await handleAlarmStateChange(
    alarmStateChange(healthAlarm("recovered"), "ALARM", "OK", "cpu over limit", completedAt),
    functions.alarm,
  );

  expect(result).toMatchObject({
    outcome: "handled",
    action: "notified",
    event: "alarm.fired",
    reason: `no rollback: the alarm is OK now (since ${okSince.toISOString()})`,
  });
  await untouched("recovered", pushed);
  expect(lastSlack()).toContain("the alarm is OK now");
});

it("ends out-of-order ALARM/OK deliveries in the state the alarm is really in", async () => {
  // What happened: ALARM at t1, OK at t2, ALARM again at t3, all during the release's bake window.
  const { running, pushed, completedAt } = await released("shuffled");
  const name = healthAlarm("shuffled");
  const [t1, t2, t3] = [completedAt, seconds(completedAt, 60), seconds(completedAt, 120)];
  const { root, added } = measured(functions.alarm);
  const ok = () => alarmStateChange(name, "OK", "ALARM", "back to normal", t2, t1);
  await functions.alarmState(name, "ALARM", t1);
  await functions.alarmState(name, "OK", t2);

  // The OK arrives before its ALARM: the ALARM → OK time is recorded...
  expect(await handleAlarmStateChange(ok(), root)).toMatchObject({ action: "restored", seconds: 60 });
  const restores = () => added.filter((metric) => metric.name !== "ColdStart");
  expect(restores()).toEqual([
    {
      name: "AlarmToOkSeconds",
      value: 60,
      dimensions: { Deployment: `${functions.cluster}/${namespace}/shuffled` },
    },
  ]);
  // ...and the late ALARM, over by now, only notifies.
  expect(await handleAlarmStateChange(alarmStateChange(name, "ALARM", "OK", "cpu", t1), root)).toMatchObject({
    action: "notified",
    reason: `no rollback: the alarm is OK now (since ${t2.toISOString()})`,
  });
  await untouched("shuffled", pushed);

  // The alarm fires again at t3; the OK of t2, delivered again after it, records no restore.
  await functions.alarmState(name, "ALARM", t3);
  expect(await handleAlarmStateChange(ok(), root)).toMatchObject({
    outcome: "ignored",
    reason: expect.stringContaining(`is in ALARM again since ${t3.toISOString()}`),
  });
  expect(restores()).toHaveLength(1);
  await untouched("shuffled", pushed);

  // The ALARM of t3 is the state the alarm is in: it rolls the release back.
  expect(
    await handleAlarmStateChange(alarmStateChange(name, "ALARM", "OK", "cpu again", t3), root),
  ).toMatchObject({ action: "rollback", report: { action: "rolled_back" } });
  const after = await readDeployment(namespace, "shuffled");
  expect(imageOf(after)).toBe(running.pinned);
  expect(readLedger(after.metadata?.annotations ?? {}).quarantined).toEqual([pushed.digest]);
});

it("reports the ALARM → OK time when the alarm returns to OK, and ignores metric alarms", async () => {
  const since = new Date("2026-11-02T10:00:00Z");
  const at = new Date("2026-11-02T10:04:30Z");
  await functions.alarmState(healthAlarm("inside"), "OK", at);
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
