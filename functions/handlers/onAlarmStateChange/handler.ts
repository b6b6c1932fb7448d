// onAlarmStateChange: a coworking- alarm changed state. ALARM inside the bake window of the
// Deployment's last release rolls it back (through the rollout executor); outside, it notifies;
// ALARM → OK records TimeToRestore.
import type { Context } from "aws-lambda";
import { alarmTarget, planAlarmStateChange } from "../../alarms/stateChange.js";
import { Metric } from "../../types/metricNames.js";
import { invocationClock } from "../../rollout/clock.js";
import type { DeploymentReport } from "../../rollout/executor.js";
import { deploymentKey } from "../../rollout/model.js";
import { InvalidEventError } from "../../types/errors.js";
import { parseAlarmStateChange } from "../../trigger/cloudWatchAlarmEvent.js";
import { type AlarmStateChangeRoot, composeAlarmStateChange } from "./wiring.js";

export type AlarmStateChangeResult =
  | { outcome: "rejected" | "ignored"; reason: string }
  | { outcome: "notified"; event: string; delivered: string[]; failed: string[] }
  | { outcome: "rollback"; report: DeploymentReport }
  | { outcome: "restored"; seconds: number };

let root: AlarmStateChangeRoot | undefined;

export async function handler(event: unknown, context?: Context): Promise<AlarmStateChangeResult> {
  root ??= composeAlarmStateChange();
  return handleAlarmStateChange(event, root, context);
}

/** 404: the Deployment is gone, which the plan handles; anything else is a real failure. */
function isNotFound(error: unknown): boolean {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  return code === 404 || cause?.code === 404;
}

export async function handleAlarmStateChange(
  event: unknown,
  root: AlarmStateChangeRoot,
  context?: Context,
): Promise<AlarmStateChangeResult> {
  const { logger, metrics } = root;
  const ignored = (reason: string): AlarmStateChangeResult => {
    logger.info("ignored alarm event", { reason });
    return { outcome: "ignored", reason };
  };
  try {
    // parse
    const change = parseAlarmStateChange(event);
    if (change.kind === "ignored") return ignored(change.reason);
    const target = alarmTarget(change);
    if ("ignore" in target) return ignored(target.ignore);
    if (!root.config.rollout.namespaces.includes(target.namespace)) {
      return ignored(`namespace ${target.namespace} is not one this function manages`);
    }
    const api = (await root.deploymentApis()).find((candidate) => candidate.cluster === target.cluster);
    if (!api) return ignored(`cluster ${target.cluster} is not configured`);
    const deployment = await api.get(target.namespace, target.deployment).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });

    // plan
    const decision = planAlarmStateChange(change, target, deployment, new Date());

    // act + report
    switch (decision.action) {
      case "ignore":
        return ignored(decision.reason);
      case "rollback": {
        const clock = invocationClock(
          Date.now(),
          root.config.rollout.waitSeconds,
          context?.getRemainingTimeInMillis(),
        );
        const report = await root.executor.rollBack(
          api,
          target.namespace,
          target.deployment,
          decision.reason,
          clock,
        );
        logger.info("alarm handled", {
          alarm: change.alarmName,
          action: report.action,
          reason: report.reason,
        });
        return { outcome: "rollback", report };
      }
      case "notify": {
        const delivery = await root.notifier.notify(decision.notification);
        logger.info("alarm notified", { alarm: change.alarmName, ...delivery });
        return { outcome: "notified", event: decision.notification.event, ...delivery };
      }
      case "restored": {
        const key = deploymentKey({
          cluster: target.cluster,
          namespace: target.namespace,
          name: target.deployment,
        });
        metrics.add(Metric.TimeToRestore, "Seconds", decision.seconds, { Deployment: key });
        await root.notifier.notify(decision.notification);
        logger.info("alarm resolved", { alarm: change.alarmName, seconds: decision.seconds });
        return { outcome: "restored", seconds: decision.seconds };
      }
    }
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    logger.warn("rejected event", { reason: error.message, issues: error.issues });
    metrics.add(Metric.RejectedEvents, "Count", 1, { Function: "onAlarmStateChange" });
    return { outcome: "rejected", reason: error.message };
  } finally {
    await metrics.flush();
  }
}
