// reconcile (on a schedule): finishes rollouts earlier invocations handed over, and rolls out
// pushes whose events never arrived. Any scheduled event is accepted: its content carries no
// instruction. A failure to reach a cluster or ECR fails the invocation loudly.
import type { Context } from "aws-lambda";
import { invocationClock } from "../../rollout/clock.js";
import type { InvocationResult } from "../../rollout/invocationResult.js";
import { reconcileEverywhere } from "../../rollout/reconcile.js";
import { composeReconcile, type ReconcileRoot } from "./wiring.js";

let root: ReconcileRoot | undefined;

export async function handler(_event: unknown, context?: Context): Promise<InvocationResult> {
  root ??= composeReconcile();
  return handleReconcile(root, context);
}

export async function handleReconcile(root: ReconcileRoot, context?: Context): Promise<InvocationResult> {
  const clock = invocationClock(
    Date.now(),
    root.config.rollout.waitSeconds,
    context?.getRemainingTimeInMillis(),
  );
  try {
    // plan + act: both happen per Deployment inside the reconciler (pure plans, guarded writes)
    const deployments = await reconcileEverywhere(root, clock);
    // report
    const result: InvocationResult = { status: "handled", deployments };
    root.logger.info("reconcile done", {
      changed: deployments.filter((report) => report.action !== "skipped").length,
      deployments: deployments.length,
    });
    return result;
  } finally {
    // Metrics never fail a reconcile: a lost data point is logged, the run stands.
    await root.metrics
      .flush()
      .catch((error: unknown) => root.logger.error("metrics flush failed", { error }));
  }
}
