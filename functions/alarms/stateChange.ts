// onAlarmStateChange's plan: what a coworking- alarm changing state means for its Deployment.
// Only the composite ("health") alarm of a Deployment acts: its metric alarms feed it, and
// acting on each of them too would roll back or notify once per alarm.

import { type AnnotationRefusal, isBakeOver } from "../rollout/ledger.js";
import type { DeploymentState } from "../rollout/model.js";
import { readOptIn } from "../rollout/plan.js";
import type { AlarmStateChange } from "../trigger/cloudWatchAlarmEvent.js";
import type { Notification } from "../types/notification.js";
import { type AlarmTarget, COMPOSITE_CHECK, parseAlarmName } from "./names.js";

export type AlarmDecision =
  | { action: "ignore"; reason: string }
  /** Roll back through the rollout core (which quarantines the digest and notifies). */
  | { action: "rollback"; target: AlarmTarget; reason: string }
  | { action: "notify"; notification: Notification }
  /**
   * An annotation of the Deployment cannot be honoured: whether to roll back is not decided for
   * the operator. Reported by the rollout report stage (a notification and a metric naming it).
   */
  | { action: "refuse"; target: AlarmTarget; reason: string; refusal: AnnotationRefusal }
  /** ALARM → OK: how long the Deployment was unhealthy (TimeToRestore). */
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

function alarmNotification(
  target: AlarmTarget,
  event: AlarmStateChange,
  why: string,
  severity: Notification["severity"],
): Notification {
  return {
    event: "alarm.fired",
    severity,
    title: `Alarm on ${target.namespace}/${target.deployment}: ${why}`,
    deployment: { cluster: target.cluster, namespace: target.namespace, name: target.deployment },
    facts: [
      { label: "Alarm", value: event.alarmName },
      { label: "Since", value: event.state.timestamp.toISOString() },
      { label: "Action", value: why },
    ],
    detail: event.state.reason,
  };
}

export function planAlarmStateChange(
  event: AlarmStateChange,
  target: AlarmTarget,
  deployment: DeploymentState | undefined,
  now: Date,
): AlarmDecision {
  const from = event.previousState.value;
  const to = event.state.value;
  if (to === "OK" && from === "ALARM") {
    const seconds = Math.max(
      0,
      (event.state.timestamp.getTime() - event.previousState.timestamp.getTime()) / 1000,
    );
    return {
      action: "restored",
      target,
      seconds,
      notification: {
        event: "alarm.resolved",
        severity: "success",
        title: `${target.namespace}/${target.deployment} healthy again after ${Math.round(seconds)}s`,
        deployment: { cluster: target.cluster, namespace: target.namespace, name: target.deployment },
        facts: [
          { label: "Alarm", value: event.alarmName },
          { label: "Time to restore", value: `${Math.round(seconds)}s` },
        ],
      },
    };
  }
  if (to !== "ALARM") return { action: "ignore", reason: `${from} → ${to} needs no action` };
  if (!deployment)
    return {
      action: "ignore",
      reason: `Deployment ${target.namespace}/${target.deployment} no longer exists`,
    };
  const notifyOnly = (why: string): AlarmDecision => ({
    action: "notify",
    notification: alarmNotification(target, event, why, "warning"),
  });
  const optIn = readOptIn(deployment);
  if (!optIn.ok) {
    return {
      action: "refuse",
      target,
      reason: `alarm ${event.alarmName} in ALARM; no automatic rollback`,
      refusal: optIn.refusal,
    };
  }
  const { settings } = optIn;
  if (!settings.autoRollback) return notifyOnly("no rollback: auto-rollback is off");
  const record = optIn.ledger.rollout;
  if (!record) return notifyOnly("no rollback: no release of this product is baking");
  if (record.phase === "failed") return notifyOnly("no rollback: the last release already failed");
  if (isBakeOver(record, settings.bakeSeconds, now)) {
    return notifyOnly(`no rollback: outside the ${settings.bakeSeconds}s bake window of ${record.tag}`);
  }
  return {
    action: "rollback",
    target,
    reason: `alarm ${event.alarmName} in ALARM during the bake window of ${record.tag}: ${event.state.reason}`,
  };
}
