// onAlarmStateChange's plan, pure: explicit timestamps for the event, the release and the alarm's
// re-read state, so late and out-of-order deliveries are decided the same on any machine.
import type { AlarmStateReading } from "../../../functions/alarms/ports.js";
import {
  alarmTarget,
  needsCurrentState,
  planAlarmStateChange,
} from "../../../functions/alarms/stateChange.js";
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

/** The alarm as DescribeAlarms gives it now: by default still in ALARM since the event's time. */
function now(value: AlarmStateReading["value"] = "ALARM", at = "2026-11-02T10:02:00Z"): AlarmStateReading {
  const time = new Date(at);
  return {
    name: "coworking-prod/coworking/api/health",
    value,
    reason: "",
    updatedAt: time,
    transitionedAt: time,
  };
}
const stillAlarm = now();

describe("planAlarmStateChange", () => {
  it("rolls back on ALARM inside the bake window (default 300 s after completion)", () => {
    const decision = planAlarmStateChange(
      event("ALARM", "OK"),
      target,
      withRecord(baking),
      stillAlarm,
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
      stillAlarm,
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
      planAlarmStateChange(event("ALARM", "OK"), target, longer, stillAlarm, new Date("2026-11-02T10:10:00Z"))
        .action,
    ).toBe("rollback");
  });

  it("rolls back an alarm during a rollout that is still progressing", () => {
    const progressing = { ...baking, phase: "progressing" as const, completedAt: undefined };
    expect(
      planAlarmStateChange(event("ALARM", "OK"), target, withRecord(progressing), stillAlarm, new Date())
        .action,
    ).toBe("rollback");
  });

  it("files an alarm on the current release under that release (for its thread), and one from before it under none", () => {
    const after = planAlarmStateChange(
      event("ALARM", "OK"),
      target,
      withRecord(baking),
      stillAlarm,
      new Date("2026-11-02T10:05:00Z"),
    );
    expect(after.action === "notify" && after.notification.release).toEqual({
      key: `api@${digest("b")}`,
      stage: "rollout",
      phase: "rolled-out",
      occurrence: baking.startedAt,
      startedAt: baking.startedAt,
      episode: "alarm 2026-11-02T10:02:00.000Z",
      repository: "api",
      tag: "1.1.0",
      digest: digest("b"),
    });
    const before = planAlarmStateChange(
      event("ALARM", "OK", "2026-11-02T09:50:00Z"),
      target,
      withRecord(baking, { [Annotation.autoRollback]: "false" }),
      stillAlarm,
      new Date("2026-11-02T10:05:00Z"),
    );
    expect(before).toMatchObject({ action: "notify", notification: { event: "alarm.fired" } });
    expect(before.action === "notify" && before.notification.release).toBeUndefined();
    const none = planAlarmStateChange(event("ALARM", "OK"), target, deployment(), stillAlarm, new Date());
    expect(none.action === "notify" && none.notification.release).toBeUndefined();
  });

  it("only notifies with auto-rollback off, without a release, or after a failed one", () => {
    const at = new Date("2026-11-02T10:01:00Z");
    const off = withRecord(baking, { [Annotation.autoRollback]: "false" });
    const reasons = [off, deployment(), withRecord({ ...baking, phase: "failed" })].map((d) => {
      const decision = planAlarmStateChange(event("ALARM", "OK"), target, d, stillAlarm, at);
      return decision.action === "notify" ? decision.notification.facts[2]?.value : decision.action;
    });
    expect(reasons).toEqual([
      "no rollback: auto-rollback is off",
      "no rollback: no release of this product is baking",
      "no rollback: the last release already failed",
    ]);
  });

  it("reports the ALARM → OK time (AlarmToOkSeconds) when the alarm is OK now", () => {
    const decision = planAlarmStateChange(
      event("OK", "ALARM", "2026-11-02T10:03:00Z"),
      target,
      undefined,
      now("OK", "2026-11-02T10:03:00Z"),
      new Date(),
    );
    expect(decision).toMatchObject({
      action: "restored",
      seconds: 150,
      notification: { event: "alarm.resolved" },
    });
  });

  it("ignores other transitions and Deployments that are gone", () => {
    expect(
      planAlarmStateChange(event("OK", "INSUFFICIENT_DATA"), target, undefined, undefined, new Date()).action,
    ).toBe("ignore");
    expect(planAlarmStateChange(event("ALARM", "OK"), target, undefined, stillAlarm, new Date())).toEqual({
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
      stillAlarm,
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

describe("planAlarmStateChange: late and out-of-order deliveries", () => {
  // A release that started at 12:10 and completed at 12:12; the alarm fired at 12:00, before it.
  const release: RolloutRecord = {
    ...baking,
    tag: "1.2.0",
    startedAt: "2026-11-02T12:10:00.000Z",
    completedAt: "2026-11-02T12:12:00.000Z",
  };
  const inWindow = new Date("2026-11-02T12:13:00Z");
  const late = event("ALARM", "OK", "2026-11-02T12:00:00Z");

  it("never rolls back an ALARM raised before the release started: stale, with both times", () => {
    const decision = planAlarmStateChange(
      late,
      target,
      withRecord(release),
      now("ALARM", "2026-11-02T12:00:00Z"),
      inWindow,
    );
    expect(decision).toMatchObject({
      action: "stale",
      target,
      basis: "event",
      release: "1.2.0",
      alarmAt: new Date("2026-11-02T12:00:00Z"),
      releaseStartedAt: new Date("2026-11-02T12:10:00Z"),
      notification: { event: "alarm.stale", severity: "warning" },
    });
    if (decision.action !== "stale") throw new Error("not stale");
    expect(decision.notification.facts).toEqual(
      expect.arrayContaining([
        { label: "In ALARM since", value: "2026-11-02T12:00:00.000Z" },
        { label: "Release started", value: "2026-11-02T12:10:00.000Z" },
      ]),
    );
  });

  it("is stale whatever the phase of the release, progressing included", () => {
    const progressing = { ...release, phase: "progressing" as const, completedAt: undefined };
    const decision = planAlarmStateChange(late, target, withRecord(progressing), stillAlarm, inWindow);
    expect(decision.action).toBe("stale");
  });

  it("an ALARM raised at the release's start, or after it, still rolls back", () => {
    const atStart = event("ALARM", "OK", "2026-11-02T12:10:00Z");
    expect(
      planAlarmStateChange(
        atStart,
        target,
        withRecord(release),
        now("ALARM", "2026-11-02T12:10:00Z"),
        inWindow,
      ).action,
    ).toBe("rollback");
  });

  it("is stale when the re-read's StateUpdatedTimestamp is before the release started", () => {
    const decision = planAlarmStateChange(
      event("ALARM", "OK", "2026-11-02T12:11:00Z"),
      target,
      withRecord(release),
      now("ALARM", "2026-11-02T12:05:00Z"),
      inWindow,
    );
    expect(decision).toMatchObject({
      action: "stale",
      basis: "current state",
      alarmAt: new Date("2026-11-02T12:05:00Z"),
      releaseStartedAt: new Date("2026-11-02T12:10:00Z"),
    });
  });

  it("only notifies when the alarm, re-read, is no longer in ALARM", () => {
    for (const value of ["OK", "INSUFFICIENT_DATA"] as const) {
      const decision = planAlarmStateChange(
        event("ALARM", "OK", "2026-11-02T12:11:00Z"),
        target,
        withRecord(release),
        now(value, "2026-11-02T12:11:30Z"),
        inWindow,
      );
      expect(decision).toMatchObject({
        action: "notify",
        reason: `no rollback: the alarm is ${value} now (since 2026-11-02T12:11:30.000Z)`,
        notification: { event: "alarm.fired" },
      });
    }
  });

  it("only notifies when CloudWatch no longer has the alarm", () => {
    const decision = planAlarmStateChange(
      event("ALARM", "OK", "2026-11-02T12:11:00Z"),
      target,
      withRecord(release),
      undefined,
      inWindow,
    );
    expect(decision).toMatchObject({
      action: "notify",
      reason: "no rollback: CloudWatch no longer has alarm coworking-prod/coworking/api/health",
    });
  });

  it("rolls back when the re-read confirms the ALARM, raised during the release", () => {
    const decision = planAlarmStateChange(
      event("ALARM", "OK", "2026-11-02T12:11:00Z"),
      target,
      withRecord(release),
      now("ALARM", "2026-11-02T12:11:00Z"),
      inWindow,
    );
    expect(decision).toMatchObject({ action: "rollback", target });
  });

  describe("out of order: the alarm's current state decides", () => {
    // The alarm went ALARM at 12:11 and OK at 12:12; the two events are delivered the other way round.
    const alarmEvent = event("ALARM", "OK", "2026-11-02T12:11:00Z");
    const okEvent = {
      ...event("OK", "ALARM", "2026-11-02T12:12:00Z"),
      previousState: { value: "ALARM" as const, reason: "", timestamp: new Date("2026-11-02T12:11:00Z") },
    };

    it("OK first records the ALARM → OK time; the ALARM after it only notifies", () => {
      const okNow = now("OK", "2026-11-02T12:12:00Z");
      expect(planAlarmStateChange(okEvent, target, withRecord(release), okNow, inWindow)).toMatchObject({
        action: "restored",
        seconds: 60,
      });
      expect(planAlarmStateChange(alarmEvent, target, withRecord(release), okNow, inWindow)).toMatchObject({
        action: "notify",
        reason: "no rollback: the alarm is OK now (since 2026-11-02T12:12:00.000Z)",
      });
    });

    it("an OK delivered after a newer ALARM records no restore", () => {
      const alarmAgain = now("ALARM", "2026-11-02T12:12:30Z");
      expect(planAlarmStateChange(okEvent, target, withRecord(release), alarmAgain, inWindow)).toEqual({
        action: "ignore",
        reason:
          "alarm coworking-prod/coworking/api/health is in ALARM again since 2026-11-02T12:12:30.000Z: the OK of 2026-11-02T12:12:00.000Z is not recorded as a restore",
      });
    });
  });

  describe("missing timestamps are refused clearly, never read as 'recent'", () => {
    it("a re-read without StateUpdatedTimestamp: no rollback, saying which timestamp is missing", () => {
      const decision = planAlarmStateChange(
        event("ALARM", "OK", "2026-11-02T12:11:00Z"),
        target,
        withRecord(release),
        { name: "coworking-prod/coworking/api/health", value: "ALARM", reason: "" },
        inWindow,
      );
      expect(decision).toMatchObject({
        action: "notify",
        reason:
          "no rollback: DescribeAlarms gave no StateUpdatedTimestamp for coworking-prod/coworking/api/health, so whether its ALARM predates 1.2.0 cannot be told",
      });
    });

    it("an event whose state timestamp is not a time: no rollback", () => {
      const decision = planAlarmStateChange(
        event("ALARM", "OK", "not a time"),
        target,
        withRecord(release),
        stillAlarm,
        inWindow,
      );
      expect(decision).toMatchObject({
        action: "notify",
        reason:
          "no rollback: the event has no readable state timestamp, so whether the alarm predates 1.2.0 cannot be told",
      });
    });

    it("an ALARM → OK without a readable time records nothing", () => {
      const decision = planAlarmStateChange(
        event("OK", "ALARM", "not a time"),
        target,
        undefined,
        now("OK"),
        inWindow,
      );
      expect(decision).toEqual({
        action: "ignore",
        reason:
          "alarm coworking-prod/coworking/api/health ALARM → OK without both state timestamps: no AlarmToOkSeconds recorded",
      });
    });
  });
});

describe("needsCurrentState", () => {
  it("reads the alarm again for ALARM, and for OK after ALARM, only", () => {
    expect(needsCurrentState(event("ALARM", "OK"))).toBe(true);
    expect(needsCurrentState(event("OK", "ALARM"))).toBe(true);
    expect(needsCurrentState(event("OK", "INSUFFICIENT_DATA"))).toBe(false);
  });
});
