// onAlarmStateChange: a coworking- alarm changed state. Before deciding, the alarm is re-read
// (AlarmStates: DescribeAlarms), because the event may be late or out of order. ALARM inside the
// bake window of the Deployment's last release, still in ALARM and raised after that release
// started, rolls it back (through the rollout executor, reported by the rollout report stage like
// any rollback); an ALARM raised before the release started is stale and only notifies; anything
// else notifies; ALARM → OK records AlarmToOkSeconds unless the alarm is in ALARM again. A
// Deployment whose annotations cannot be honoured is refused, reported by the same report stage.

import type { Context } from "aws-lambda";
import type { AlarmTarget } from "../../alarms/names.js";
import {
  type AlarmDecision,
  alarmTarget,
  needsCurrentState,
  planAlarmStateChange,
} from "../../alarms/stateChange.js";
import { defineHandler, type HandlerResult, ignore } from "../../lambda/handler.js";
import { deploymentKey } from "../../rollout/model.js";
import type { Landed, Refused, RolledBack, Skipped } from "../../rollout/outcome.js";
import type { DeploymentApi } from "../../rollout/ports/deploymentApi.js";
import type { DeploymentReport } from "../../rollout/report.js";
import { type AlarmStateChange, parseAlarmStateChange } from "../../trigger/cloudWatchAlarmEvent.js";
import { Metric } from "../../types/metricNames.js";
import { managesNamespace } from "../../types/namespaceScope.js";
import type { Notification } from "../../types/notification.js";
import { rolloutClock } from "../rolloutWiring.js";
import { type AlarmStateChangeRoot, composeAlarmStateChange } from "./wiring.js";

/** What the alarm led to: a rollback (its result line), a notification, or a restore. */
export type AlarmActionDetail =
  | { action: "rollback"; report: DeploymentReport }
  | { action: "refused"; report: DeploymentReport }
  | { action: "notified"; event: string; reason: string; delivered: string[]; failed: string[] }
  /** An ALARM raised before the release started: both times, and where the alarm's time was read. */
  | {
      action: "stale";
      event: string;
      alarmAt: string;
      basis: "event" | "current state";
      release: string;
      releaseStartedAt: string;
      delivered: string[];
      failed: string[];
    }
  | { action: "restored"; seconds: number };

export type AlarmStateChangeResult = HandlerResult<AlarmActionDetail>;

interface AlarmEvent {
  change: AlarmStateChange;
  target: AlarmTarget;
}

type AlarmPlan = AlarmEvent & { api: DeploymentApi; decision: Exclude<AlarmDecision, { action: "ignore" }> };

/** What acting did: only a rollback writes; notifying and counting are the report's. */
type AlarmActed = AlarmEvent &
  (
    | { action: "rollback"; rollback: RolledBack | Skipped | Refused }
    | { action: "refused"; refused: Refused }
    | { action: "notify"; reason: string; notification: Notification }
    | Extract<AlarmDecision, { action: "stale" }>
    | { action: "restored"; seconds: number; notification: Notification }
  );

/** 404: the Deployment is gone, which the plan handles; anything else is a real failure. */
function isNotFound(error: unknown): boolean {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  return code === 404 || cause?.code === 404;
}

const onAlarmStateChange = defineHandler(
  {
    name: "onAlarmStateChange",

    // parse: the composite alarm of a Deployment in a namespace this function manages
    parse(event: unknown, root: AlarmStateChangeRoot) {
      const change = parseAlarmStateChange(event);
      if (change.kind === "ignored") return ignore(change.reason, change.eventId);
      const target = alarmTarget(change);
      if ("ignore" in target) return ignore(target.ignore, change.eventId);
      if (!managesNamespace(root.config.rollout.namespaces, target.namespace)) {
        return ignore(`namespace ${target.namespace} is not one this function manages`, change.eventId);
      }
      return { change, target };
    },
    eventId: ({ change }: AlarmEvent) => change.eventId,

    // plan: from the Deployment's ledger and the alarm's state, both as they are now
    async plan({ change, target }: AlarmEvent, root: AlarmStateChangeRoot) {
      const api = (await root.deploymentApis()).find((candidate) => candidate.cluster === target.cluster);
      if (!api) return ignore(`cluster ${target.cluster} is not configured`);
      const deployment = await api.get(target.namespace, target.deployment).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      const current = needsCurrentState(change)
        ? await root.alarmStates.current(change.alarmName)
        : undefined;
      const decision = planAlarmStateChange(change, target, deployment, current, new Date());
      if (decision.action === "ignore") return ignore(decision.reason);
      return { change, target, api, decision };
    },

    // act: only a rollback writes
    async act({ change, target, api, decision }: AlarmPlan, root: AlarmStateChangeRoot, invocation) {
      if (decision.action === "refuse") {
        const refused: Refused = {
          cluster: target.cluster,
          namespace: target.namespace,
          name: target.deployment,
          kind: "refused",
          step: "rollback",
          reason: decision.reason,
          refusal: decision.refusal,
        };
        return { action: "refused", change, target, refused } satisfies AlarmActed;
      }
      if (decision.action !== "rollback") return { ...decision, change, target } satisfies AlarmActed;
      const landed: Landed = {};
      try {
        const clock = rolloutClock(root, invocation);
        const rollback = await root.executor.rollBack(
          api,
          target.namespace,
          target.deployment,
          decision.reason,
          clock,
          landed,
        );
        return { action: "rollback", change, target, rollback } satisfies AlarmActed;
      } catch (error) {
        // A rollback written before its watch failed still counts, as it did when it landed.
        root.reporter.reportLanded(
          { cluster: target.cluster, namespace: target.namespace, name: target.deployment },
          landed,
        );
        throw error;
      }
    },

    // report: a rollback like any rollout's, else the notification (and AlarmToOkSeconds)
    async report(acted: AlarmActed, root: AlarmStateChangeRoot): Promise<AlarmActionDetail> {
      const alarm = acted.change.alarmName;
      switch (acted.action) {
        case "rollback": {
          const report = await root.reporter.reportOne(acted.rollback);
          root.logger.info("alarm handled", { alarm, action: report.action, reason: report.reason });
          return { action: "rollback", report };
        }
        case "refused": {
          const report = await root.reporter.reportOne(acted.refused);
          root.logger.info("alarm handled", { alarm, action: report.action, reason: report.reason });
          return { action: "refused", report };
        }
        case "notify": {
          const delivery = await root.notifier.notify(acted.notification);
          root.logger.info("alarm notified", { alarm, reason: acted.reason, ...delivery });
          return { action: "notified", event: acted.notification.event, reason: acted.reason, ...delivery };
        }
        case "stale": {
          const delivery = await root.notifier.notify(acted.notification);
          const times = {
            alarmAt: acted.alarmAt.toISOString(),
            basis: acted.basis,
            release: acted.release,
            releaseStartedAt: acted.releaseStartedAt.toISOString(),
          };
          root.logger.info("alarm stale", { alarm, ...times, ...delivery });
          return { action: "stale", event: acted.notification.event, ...times, ...delivery };
        }
        case "restored": {
          const { target, seconds } = acted;
          const key = deploymentKey({
            cluster: target.cluster,
            namespace: target.namespace,
            name: target.deployment,
          });
          // Not DORA's TimeToRestore (the rollout report's rollback → healthy): any ALARM → OK.
          root.metrics.add(Metric.AlarmToOkSeconds, "Seconds", seconds, { Deployment: key });
          await root.notifier.notify(acted.notification);
          root.logger.info("alarm resolved", { alarm, seconds });
          return { action: "restored", seconds };
        }
      }
    },
  },
  () => composeAlarmStateChange(),
);

export const handler = onAlarmStateChange.handler;

export function handleAlarmStateChange(
  event: unknown,
  root: AlarmStateChangeRoot,
  context?: Context,
): Promise<AlarmStateChangeResult> {
  return onAlarmStateChange.handle(root, event, context);
}
