import { alarmTarget, planAlarmStateChange } from "../../../functions/alarms/stateChange.js";
import { Annotation, encodeRollout, type RolloutRecord } from "../../../functions/rollout/ledger.js";
import type { AlarmStateChange } from "../../../functions/trigger/cloudWatchAlarmEvent.js";
import { deployment, digest } from "../rollout/deployments.js";

const target = { cluster: "prod", namespace: "coworking", deployment: "api" };
const completedAt = "2026-11-02T10:00:00.000Z";
const baking: RolloutRecord = {
  phase: "baking",
  repository: "api",
  tag: "1.1.0",
  digest: digest("b"),
  pushedAt: "2026-11-02T09:58:00.000Z",
  startedAt: "2026-11-02T09:58:30.000Z",
  completedAt,
  from: { api: "old" },
  to: { api: "new" },
  trigger: "push",
};

function event(
  value: "ALARM" | "OK",
  previous: "ALARM" | "OK" | "INSUFFICIENT_DATA",
  at = "2026-11-02T10:02:00Z",
) {
  return {
    kind: "state-change",
    eventId: "e1",
    alarmName: "coworking-prod/coworking/api/health",
    state: { value, reason: "CPU over limit", timestamp: new Date(at) },
    previousState: { value: previous, reason: "", timestamp: new Date("2026-11-02T10:00:30Z") },
  } satisfies AlarmStateChange;
}

const withRecord = (record: RolloutRecord, extra: Record<string, string> = {}) =>
  deployment({}, { [Annotation.rollout]: encodeRollout(record), ...extra });

describe("planAlarmStateChange", () => {
  it("rolls back on ALARM inside the bake window (default 300 s after completion)", () => {
    const decision = planAlarmStateChange(
      event("ALARM", "OK"),
      target,
      withRecord(baking),
      new Date("2026-11-02T10:04:59Z"),
    );
    expect(decision).toEqual({
      action: "rollback",
      target,
      reason:
        "alarm coworking-prod/coworking/api/health in ALARM during the bake window of 1.1.0: CPU over limit",
    });
  });

  it("only notifies outside the window, honouring bake-seconds", () => {
    const outside = planAlarmStateChange(
      event("ALARM", "OK"),
      target,
      withRecord(baking),
      new Date("2026-11-02T10:05:00Z"),
    );
    expect(outside).toMatchObject({
      action: "notify",
      notification: {
        event: "alarm.fired",
        title: "Alarm on coworking/api: no rollback: outside the 300s bake window of 1.1.0",
      },
    });
    const longer = withRecord(baking, { [Annotation.bakeSeconds]: "900" });
    expect(
      planAlarmStateChange(event("ALARM", "OK"), target, longer, new Date("2026-11-02T10:10:00Z")).action,
    ).toBe("rollback");
  });

  it("rolls back an alarm during a rollout that is still progressing", () => {
    const progressing = { ...baking, phase: "progressing" as const, completedAt: undefined };
    expect(
      planAlarmStateChange(event("ALARM", "OK"), target, withRecord(progressing), new Date()).action,
    ).toBe("rollback");
  });

  it("only notifies with auto-rollback off, without a release, or after a failed one", () => {
    const now = new Date("2026-11-02T10:01:00Z");
    const off = withRecord(baking, { [Annotation.autoRollback]: "false" });
    const reasons = [off, deployment(), withRecord({ ...baking, phase: "failed" })].map((d) => {
      const decision = planAlarmStateChange(event("ALARM", "OK"), target, d, now);
      return decision.action === "notify" ? decision.notification.facts[2]?.value : decision.action;
    });
    expect(reasons).toEqual([
      "no rollback: auto-rollback is off",
      "no rollback: no release of this product is baking",
      "no rollback: the last release already failed",
    ]);
  });

  it("reports TimeToRestore on ALARM → OK", () => {
    const decision = planAlarmStateChange(
      event("OK", "ALARM", "2026-11-02T10:03:00Z"),
      target,
      undefined,
      new Date(),
    );
    expect(decision).toMatchObject({
      action: "restored",
      seconds: 150,
      notification: { event: "alarm.resolved" },
    });
  });

  it("ignores other transitions and Deployments that are gone", () => {
    expect(planAlarmStateChange(event("OK", "INSUFFICIENT_DATA"), target, undefined, new Date()).action).toBe(
      "ignore",
    );
    expect(planAlarmStateChange(event("ALARM", "OK"), target, undefined, new Date())).toEqual({
      action: "ignore",
      reason: "Deployment coworking/api no longer exists",
    });
  });
});

describe("alarmTarget", () => {
  it("acts on the composite only", () => {
    expect(alarmTarget(event("ALARM", "OK"))).toEqual(target);
    expect(alarmTarget({ ...event("ALARM", "OK"), alarmName: "coworking-prod/coworking/api/cpu" })).toEqual({
      ignore: "metric alarm coworking-prod/coworking/api/cpu: its Deployment's composite alarm decides",
    });
    expect(alarmTarget({ ...event("ALARM", "OK"), alarmName: "coworking-dlq" })).toHaveProperty("ignore");
  });
});

describe("planAlarmStateChange: annotations it cannot honour", () => {
  it.each([
    [Annotation.autoRollback, "yes"],
    [Annotation.bakeSeconds, "1e300"],
    [Annotation.rollout, '{"images":"evil"}'],
  ])("refuses (no rollback decided for the operator) on %s=%p", (annotation, value) => {
    const state = withRecord(baking, { [annotation]: value });
    const decision = planAlarmStateChange(
      event("ALARM", "OK"),
      target,
      state,
      new Date("2026-11-02T10:01:00Z"),
    );
    expect(decision).toMatchObject({
      action: "refuse",
      target,
      reason: "alarm coworking-prod/coworking/api/health in ALARM; no automatic rollback",
      refusal: { annotation, value },
    });
  });
});
