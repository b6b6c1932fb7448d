// publishAlarms (daily, and after successful rollouts): every opted-in Deployment gets its
// CloudWatch alarms; alarms of Deployments gone or opted out are deleted. Any event is accepted
// (the daily schedule's EventBridge event, the SNS rollout.succeeded message, a direct invoke):
// its content carries no instruction, the cluster is the input. Idempotent.

import { ALARM_PREFIX } from "../../alarms/names.js";
import { type AlarmPlan, planAlarms } from "../../alarms/plan.js";
import { defineHandler, type HandlerResult } from "../../lambda/handler.js";
import type { FleetScan } from "../../rollout/fleet.js";
import { type Delivery, deliveryOf } from "../../trigger/envelopes.js";
import { listTargets } from "../../types/namespaceScope.js";
import { composePublishAlarms, type PublishAlarmsRoot } from "./wiring.js";

export interface PublishAlarmsReport {
  put: string[];
  deleted: string[];
  unchanged: number;
  skipped: { deployment: string; reason: string }[];
}

export type PublishAlarmsResult = HandlerResult<PublishAlarmsReport>;

interface AlarmsToPublish {
  plan: AlarmPlan;
  /** Kept for the failures to rethrow once the alarms of every readable namespace are published. */
  scan: FleetScan;
}

const publishAlarms = defineHandler(
  {
    name: "publishAlarms",

    // parse: only which envelope the event came in, for the result's eventId
    parse: (event: unknown): Delivery => deliveryOf(event),
    eventId: (delivery: Delivery) => (delivery.via === "direct" ? undefined : delivery.eventId),

    // plan: the opted-in Deployments as the clusters list them, and the alarms CloudWatch has;
    // only the namespaces that could be read are in scope for deletions
    async plan(_delivery: Delivery, root: PublishAlarmsRoot): Promise<AlarmsToPublish> {
      const [scan, existing, apis] = await Promise.all([
        root.fleet.scan(),
        root.alarms.list(ALARM_PREFIX),
        root.deploymentApis(),
      ]);
      const unreadable = new Set(scan.errors.map((e) => `${e.cluster}/${e.namespace}`));
      const listed = apis
        .flatMap((api) =>
          listTargets(root.config.rollout.namespaces).map((namespace) => ({
            cluster: api.cluster,
            namespace,
          })),
        )
        .filter((pair) => !unreadable.has(`${pair.cluster}/${pair.namespace}`));
      const plan = planAlarms(
        scan.members.map((m) => m.deployment),
        existing,
        listed,
        root.topicArn,
      );
      return { plan, scan };
    },

    // act: metric alarms before the composites that reference them; composites deleted first
    async act(toPublish: AlarmsToPublish, root: PublishAlarmsRoot): Promise<AlarmsToPublish> {
      for (const spec of toPublish.plan.put) await root.alarms.put(spec);
      await root.alarms.delete(toPublish.plan.delete);
      return toPublish;
    },

    // report; a namespace the function may not read is notified (the rollout report stage's
    // permission-denied message), and any other unreadable namespace then fails the invocation,
    // so that it is retried
    async report({ plan, scan }: AlarmsToPublish, root: PublishAlarmsRoot): Promise<PublishAlarmsReport> {
      const result: PublishAlarmsReport = {
        put: plan.put.map((spec) => spec.name),
        deleted: plan.delete,
        unchanged: plan.unchanged,
        skipped: plan.skipped,
      };
      for (const skip of plan.skipped) root.logger.warn("alarms left unchanged", skip);
      root.logger.info("alarms published", {
        ...result,
        put: result.put.length,
        deleted: result.deleted.length,
      });
      await root.reporter.report({ outcomes: scan.errors, failures: scan.failures });
      return result;
    },
  },
  () => composePublishAlarms(),
);

export const handler = publishAlarms.handler;

/** One run with the given root; the event only names the trigger (none: a direct run). */
export function handlePublishAlarms(root: PublishAlarmsRoot, event?: unknown): Promise<PublishAlarmsResult> {
  return publishAlarms.handle(root, event);
}
