// onPipelineEvent: CodePipeline execution, stage and action state changes → one notification and
// the pipeline metrics per execution outcome, however often and in whatever order they arrive.
import { Metric } from "../../types/metricNames.js";
import { planPipelineOutcome, triage } from "../../pipeline/plan.js";
import { InvalidEventError } from "../../types/errors.js";
import { parseCodePipelineEvent } from "../../trigger/codePipelineEvent.js";
import { composePipelineEvent, type PipelineEventDependencies } from "./wiring.js";

export type PipelineEventResult =
  | { outcome: "rejected" | "ignored"; reason: string }
  | { outcome: "reported"; event?: string; metrics: number; delivered: string[]; failed: string[] };

let dependencies: PipelineEventDependencies | undefined;

export async function handler(event: unknown): Promise<PipelineEventResult> {
  dependencies ??= composePipelineEvent();
  return handlePipelineEvent(event, dependencies);
}

export async function handlePipelineEvent(
  event: unknown,
  deps: PipelineEventDependencies,
): Promise<PipelineEventResult> {
  const { logger, metrics } = deps;
  try {
    // parse
    const change = parseCodePipelineEvent(event, deps.pipelines);
    if (change.kind === "ignored") return ignored(deps, change.reason, change.eventId);

    // plan: from the event alone, then from the execution as CodePipeline sees it now
    const triaged = triage(change, deps.options);
    if (triaged.kind === "ignore") return ignored(deps, triaged.reason, change.eventId);
    const [execution, actions] = await Promise.all([
      deps.executions.get(change.pipeline, change.executionId),
      deps.executions.actions(change.pipeline, change.executionId),
    ]);
    const plan = planPipelineOutcome(triaged.change, execution, actions);
    if (plan.kind === "ignore") return ignored(deps, plan.reason, change.eventId);

    // act: claim the outcome once, then count and tell
    if (!(await deps.claims.claim(plan.claimKey))) {
      return ignored(deps, `duplicate delivery: ${plan.claimKey} was already reported`, change.eventId);
    }
    try {
      for (const datum of plan.metrics) metrics.add(datum.name, datum.unit, datum.value, datum.dimensions);
      await metrics.flush();
    } catch (error) {
      // Give the claim back so that EventBridge's retry reports the outcome in full.
      await deps.claims.release(plan.claimKey);
      throw error;
    }
    const delivery = plan.notification
      ? await deps.notifier.notify(plan.notification)
      : { delivered: [], failed: [] };
    // The notifier counts a sink that failed (NotificationFailures); the outcome itself is
    // already reported, so failing to record that count must not bring a redelivery.
    await metrics
      .flush()
      .catch((error: unknown) => logger.warn("notification metrics not recorded", { error }));

    // report
    logger.info("pipeline outcome reported", {
      key: plan.claimKey,
      event: plan.notification?.event,
      ...delivery,
    });
    return {
      outcome: "reported",
      ...(plan.notification && { event: plan.notification.event }),
      metrics: plan.metrics.length,
      ...delivery,
    };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    logger.warn("rejected event", { reason: error.message, issues: error.issues });
    metrics.add(Metric.RejectedEvents, "Count", 1);
    await metrics.flush();
    return { outcome: "rejected", reason: error.message };
  }
}

function ignored(deps: PipelineEventDependencies, reason: string, eventId: string): PipelineEventResult {
  deps.logger.info("ignored event", { eventId, reason });
  return { outcome: "ignored", reason };
}
