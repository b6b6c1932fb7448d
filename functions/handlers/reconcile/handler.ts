// reconcile (on a schedule): finishes rollouts earlier invocations handed over, and rolls out
// pushes whose events never arrived. Any scheduled event is accepted: its content carries no
// instruction. A failure to reach a cluster or ECR fails the invocation loudly, after the rest
// is reported; throttling does not (the reconciler defers that work to its next scheduled run).
import type { Context } from "aws-lambda";
import { defineHandler, type HandlerResult } from "../../lambda/handler.js";
import type { RolloutActs } from "../../rollout/outcome.js";
import { reconcileEverywhere } from "../../rollout/reconcile.js";
import type { RolloutDetail } from "../../rollout/report.js";
import { type Delivery, deliveryOf } from "../../trigger/envelopes.js";
import { rolloutClock } from "../rolloutWiring.js";
import { composeReconcile, type ReconcileRoot } from "./wiring.js";

export type ReconcileResult = HandlerResult<RolloutDetail>;

const reconcile = defineHandler(
  {
    name: "reconcile",

    // parse: a schedule carries no instruction; the clusters and ECR are the input
    parse: (event: unknown): Delivery => deliveryOf(event),
    eventId: (delivery: Delivery) => (delivery.via === "direct" ? undefined : delivery.eventId),

    // plan: each Deployment's plan is made inside the reconciler, from what it reads
    plan: (delivery: Delivery) => delivery,

    // act: finish what is in flight, catch up with missed pushes
    act: (_delivery: Delivery, root: ReconcileRoot, invocation) =>
      reconcileEverywhere(root, rolloutClock(root, invocation)),

    // report: metrics, notifications and a line per Deployment; then a failure, if any, is thrown
    async report(acts: RolloutActs, root: ReconcileRoot): Promise<RolloutDetail> {
      const deployments = await root.reporter.report(acts);
      root.logger.info("reconcile done", {
        changed: deployments.filter((report) => report.action !== "skipped").length,
        deployments: deployments.length,
      });
      return { deployments };
    },
  },
  () => composeReconcile(),
);

export const handler = reconcile.handler;

export function handleReconcile(
  root: ReconcileRoot,
  context?: Context,
  event: unknown = {},
): Promise<ReconcileResult> {
  return reconcile.handle(root, event, context);
}
