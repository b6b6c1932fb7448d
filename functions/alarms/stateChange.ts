// onAlarmStateChange's plan: what a coworking- alarm changing state means for its Deployment.
// Only the composite ("health") alarm of a Deployment acts: its metric alarms feed it, and
// acting on each of them too would roll back or notify once per alarm. Delivery is at least once,
// late and in any order, so the event is checked against the release it would roll back (an
// ALARM from before the release started is stale) and against the alarm's state re-read now.

import { type AnnotationRefusal, isBakeOver, type RolloutRecord } from "../rollout/ledger.js";
import type { DeploymentState } from "../rollout/model.js";
import { currentRelease } from "../rollout/notifications.js";
import { readOptIn } from "../rollout/plan.js";
import type { AlarmStateChange } from "../trigger/cloudWatchAlarmEvent.js";
import type { Notification, ReleaseContext } from "../types/notification.js";
import { type AlarmTarget, COMPOSITE_CHECK, parseAlarmName } from "./names.js";
import type { AlarmStateReading } from "./ports.js";

export type AlarmDecision =
  | { action: "ignore"; reason: string }
  /** Roll back through the rollout core (which quarantines the digest and notifies). */
  | { action: "rollback"; target: AlarmTarget; reason: string }
  /** No rollback; `reason` says why, the notification tells the operator. */
  | { action: "notify"; reason: string; notification: Notification }
  /**
   * The alarm went to ALARM before the Deployment's current release started (a late delivery, or
   * an alarm that was already firing): it is not about this release, so nothing is rolled back.
   */
  | {
      action: "stale";
      target: AlarmTarget;
      /** When the alarm went to ALARM: the event's state timestamp, or the re-read's StateUpdatedTimestamp. */
      alarmAt: Date;
      basis: "event" | "current state";
      release: string;
      releaseStartedAt: Date;
      notification: Notification;
    }
  /**
   * An annotation of the Deployment cannot be honoured: whether to roll back is not decided for
   * the operator. Reported by the rollout report stage (a notification and a metric naming it).
   */
  | { action: "refuse"; target: AlarmTarget; reason: string; refusal: AnnotationRefusal }
  /** ALARM → OK: how long the composite alarm was in ALARM (AlarmToOkSeconds). */
  | { action: "restored"; target: AlarmTarget; seconds: number; notification: Notification };

/** Which Deployment an alarm event is about, or why it is about none we act on. */
export function alarmTarget(event: AlarmStateChange): AlarmTarget | { ignore: string } {
  const parsed = parseAlarmName(event.alarmName);
  if (!parsed) return { ignore: `alarm ${event.alarmName} is not a per-Deployment alarm of this product` };
  if (parsed.check !== COMPOSITE_CHECK) {
    return { ignore: `metric alarm ${event.alarmName}: its Deployment's composite alarm decides` };
  }
  return { cluster: parsed.cluster, namespace: parsed.namespace, deployment: parsed.deployment };
}

const refOf = (target: AlarmTarget) => ({
  cluster: target.cluster,
  namespace: target.namespace,
  name: target.deployment,
});

/** A timestamp, or undefined when there is none or it is not a time. */
const validTime = (date: Date | undefined): Date | undefined =>
  date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined;

const iso = (date: Date | undefined) => validTime(date)?.toISOString() ?? "unknown";

/**
 * The release an alarm is about: the Deployment's current one, when the alarm fired at or after it
 * started (a release-thread sink then posts it in that release's thread). An alarm from before it,
 * or whose time cannot be read, belongs to no release.
 */
function alarmedRelease(
  event: AlarmStateChange,
  record: RolloutRecord | undefined,
): ReleaseContext | undefined {
  const raisedAt = validTime(event.state.timestamp);
  const startedAt = record ? validTime(new Date(record.startedAt)) : undefined;
  if (!record || !raisedAt || !startedAt || raisedAt < startedAt) return undefined;
  return currentRelease(record, `alarm ${raisedAt.toISOString()}`);
}

function alarmNotification(
  target: AlarmTarget,
  event: AlarmStateChange,
  why: string,
  severity: Notification["severity"],
  release?: ReleaseContext,
): Notification {
  return {
    event: "alarm.fired",
    severity,
    title: `Alarm on ${target.namespace}/${target.deployment}: ${why}`,
    deployment: refOf(target),
    ...(release ? { release } : {}),
    facts: [
      { label: "Alarm", value: event.alarmName },
      { label: "Since", value: iso(event.state.timestamp) },
      { label: "Action", value: why },
    ],
    detail: event.state.reason,
  };
}

/** Whether planning this event needs the alarm's current state (AlarmStates) read first. */
export function needsCurrentState(event: AlarmStateChange): boolean {
  const to = event.state.value;
  return to === "ALARM" || (to === "OK" && event.previousState.value === "ALARM");
}

function restored(
  event: AlarmStateChange,
  target: AlarmTarget,
  current: AlarmStateReading | undefined,
): AlarmDecision {
  if (current?.value === "ALARM") {
    // Delivered after a newer ALARM: the episode it would close is not over.
    const since = current.transitionedAt ?? current.updatedAt;
    return {
      action: "ignore",
      reason: `alarm ${event.alarmName} is in ALARM again${since ? ` since ${since.toISOString()}` : ""}: the OK of ${iso(event.state.timestamp)} is not recorded as a restore`,
    };
  }
  const since = validTime(event.previousState.timestamp);
  const until = validTime(event.state.timestamp);
  if (!since || !until) {
    return {
      action: "ignore",
      reason: `alarm ${event.alarmName} ALARM → OK without both state timestamps: no AlarmToOkSeconds recorded`,
    };
  }
  const seconds = Math.max(0, (until.getTime() - since.getTime()) / 1000);
  return {
    action: "restored",
    target,
    seconds,
    notification: {
      event: "alarm.resolved",
      severity: "success",
      title: `${target.namespace}/${target.deployment} healthy again after ${Math.round(seconds)}s`,
      deployment: refOf(target),
      facts: [
        { label: "Alarm", value: event.alarmName },
        { label: "ALARM → OK", value: `${Math.round(seconds)}s` },
      ],
    },
  };
}

function staleDecision(
  event: AlarmStateChange,
  target: AlarmTarget,
  alarmAt: Date,
  basis: "event" | "current state",
  record: RolloutRecord,
  releaseStartedAt: Date,
): AlarmDecision {
  const why = `no rollback: the alarm went to ALARM at ${alarmAt.toISOString()}, before ${record.tag} started at ${releaseStartedAt.toISOString()}`;
  return {
    action: "stale",
    target,
    alarmAt,
    basis,
    release: record.tag,
    releaseStartedAt,
    notification: {
      event: "alarm.stale",
      severity: "warning",
      title: `Stale alarm on ${target.namespace}/${target.deployment}: ${why}`,
      deployment: refOf(target),
      facts: [
        { label: "Alarm", value: event.alarmName },
        { label: "In ALARM since", value: alarmAt.toISOString() },
        { label: "Release", value: record.tag },
        { label: "Release started", value: releaseStartedAt.toISOString() },
        { label: "Read from", value: basis === "event" ? "the event" : "DescribeAlarms (current state)" },
        { label: "Action", value: why },
      ],
      detail: event.state.reason,
    },
  };
}

/**
 * What an alarm state change means now. `current` is the alarm as CloudWatch has it at planning
 * time (read when `needsCurrentState`; undefined when CloudWatch no longer has it): events arrive
 * late and out of order, so an event alone never rolls anything back.
 *
 * ALARM rolls back only when all of these hold: the Deployment opted in with auto-rollback; the
 * alarm is still in ALARM; it went to ALARM at or after its last release started (by the event's
 * state timestamp and by the re-read's StateUpdatedTimestamp, both required); and that release is
 * progressing, or baking inside its bake window. An OK after ALARM records the ALARM → OK time,
 * unless the alarm is in ALARM again (the OK was delivered after a newer ALARM).
 */
export function planAlarmStateChange(
  event: AlarmStateChange,
  target: AlarmTarget,
  deployment: DeploymentState | undefined,
  current: AlarmStateReading | undefined,
  now: Date,
): AlarmDecision {
  const from = event.previousState.value;
  const to = event.state.value;
  if (to === "OK" && from === "ALARM") return restored(event, target, current);
  if (to !== "ALARM") return { action: "ignore", reason: `${from} → ${to} needs no action` };
  if (!deployment)
    return {
      action: "ignore",
      reason: `Deployment ${target.namespace}/${target.deployment} no longer exists`,
    };
  const optIn = readOptIn(deployment);
  if (!optIn.ok) {
    return {
      action: "refuse",
      target,
      reason: `alarm ${event.alarmName} in ALARM; no automatic rollback`,
      refusal: optIn.refusal,
    };
  }
  const release = alarmedRelease(event, optIn.ledger.rollout);
  const notifyOnly = (why: string): AlarmDecision => ({
    action: "notify",
    reason: why,
    notification: alarmNotification(target, event, why, "warning", release),
  });
  if (!current) return notifyOnly(`no rollback: CloudWatch no longer has alarm ${event.alarmName}`);
  if (current.value !== "ALARM") {
    const since = current.transitionedAt ?? current.updatedAt;
    return notifyOnly(
      `no rollback: the alarm is ${current.value} now${since ? ` (since ${since.toISOString()})` : ""}`,
    );
  }
  const { settings } = optIn;
  if (!settings.autoRollback) return notifyOnly("no rollback: auto-rollback is off");
  const record = optIn.ledger.rollout;
  if (!record) return notifyOnly("no rollback: no release of this product is baking");
  const startedAt = validTime(new Date(record.startedAt));
  if (!startedAt) {
    return notifyOnly(`no rollback: the release record of ${record.tag} has no readable start time`);
  }
  const raisedAt = validTime(event.state.timestamp);
  if (!raisedAt) {
    return notifyOnly(
      `no rollback: the event has no readable state timestamp, so whether the alarm predates ${record.tag} cannot be told`,
    );
  }
  if (raisedAt < startedAt) return staleDecision(event, target, raisedAt, "event", record, startedAt);
  if (record.phase === "failed") return notifyOnly("no rollback: the last release already failed");
  if (isBakeOver(record, settings.bakeSeconds, now)) {
    return notifyOnly(`no rollback: outside the ${settings.bakeSeconds}s bake window of ${record.tag}`);
  }
  if (!current.updatedAt) {
    return notifyOnly(
      `no rollback: DescribeAlarms gave no StateUpdatedTimestamp for ${event.alarmName}, so whether its ALARM predates ${record.tag} cannot be told`,
    );
  }
  if (current.updatedAt < startedAt) {
    return staleDecision(event, target, current.updatedAt, "current state", record, startedAt);
  }
  return {
    action: "rollback",
    target,
    reason: `alarm ${event.alarmName} in ALARM during the bake window of ${record.tag}: ${event.state.reason}`,
  };
}
