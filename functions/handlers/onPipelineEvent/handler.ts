// onPipelineEvent: CodePipeline execution, stage and action state changes → one notification and
// the pipeline metrics per execution outcome, however often and in whatever order they arrive.
import { defineHandler, type HandlerResult, type Invocation, ignore } from "../../lambda/handler.js";
import { type PipelineReport, planPipelineOutcome, triage } from "../../pipeline/plan.js";
import { type CodePipelineChange, parseCodePipelineEvent } from "../../trigger/codePipelineEvent.js";
import type { NotifyOutcome } from "../../types/notification.js";
import { composePipelineEvent, type PipelineEventDependencies, SERVICE_NAME } from "./wiring.js";

/** Kept back from the invocation's remaining time to store the result and flush. */
const REPORT_MARGIN_MS = 5_000;

export interface PipelineEventReport {
  event?: string;
  metrics: number;
  delivered: string[];
  failed: string[];
}

export type PipelineEventResult = HandlerResult<PipelineEventReport>;

const pipelineEvent = defineHandler(
  {
    name: SERVICE_NAME,

    // parse: a state change of a configured pipeline
    parse(event: unknown, deps: PipelineEventDependencies) {
      const change = parseCodePipelineEvent(event, deps.pipelines);
      return change.kind === "ignored" ? ignore(change.reason, change.eventId) : change;
    },
    eventId: (change: CodePipelineChange) => change.eventId,

    // plan: from the event alone, then from the execution as CodePipeline sees it now. Only what
    // passes both is an outcome to report; everything else is decided afresh on every delivery.
    async plan(change: CodePipelineChange, deps: PipelineEventDependencies) {
      const triaged = triage(change, deps.options);
      if (triaged.kind === "ignore") return ignore(triaged.reason);
      const [execution, actions] = await Promise.all([
        deps.executions.get(change.pipeline, change.executionId),
        deps.executions.actions(change.pipeline, change.executionId),
      ]);
      const plan = planPipelineOutcome(triaged.change, execution, actions);
      return plan.kind === "ignore" ? ignore(plan.reason) : plan;
    },

    // once per outcome: act and report run once per key (the skeleton's idempotency, the stage's
    // state table); a later delivery of the same outcome returns the stored result and sends
    // nothing, one arriving while it is reported is ignored
    idempotencyKey: (plan: PipelineReport) => plan.outcomeKey,

    // act: count, then tell. The metrics are flushed here, not only by the skeleton's finally:
    // they are the outcome this function reports once, so a failed flush must fail the invocation,
    // which releases the key, so that EventBridge's retry reports the outcome in full.
    async act(plan: PipelineReport, deps: PipelineEventDependencies, invocation: Invocation) {
      // A rate-limited sink waits at most until the invocation's end, minus a margin to report.
      deps.deadline.set(
        invocation.context ? Date.now() + invocation.remainingMs() - REPORT_MARGIN_MS : undefined,
      );
      for (const datum of plan.metrics)
        deps.metrics.add(datum.name, datum.unit, datum.value, datum.dimensions);
      await deps.metrics.flush();
      // The notifier counts a sink that failed (NotificationFailures); the skeleton flushes that
      // count, and a failure to record it brings no redelivery: the outcome is already reported.
      const delivery: NotifyOutcome = plan.notification
        ? await deps.notifier.notify(plan.notification)
        : { delivered: [], failed: [] };
      return { plan, delivery };
    },

    // report
    report(
      { plan, delivery }: { plan: PipelineReport; delivery: NotifyOutcome },
      deps: PipelineEventDependencies,
    ): PipelineEventReport {
      deps.logger.info("pipeline outcome reported", {
        key: plan.outcomeKey,
        event: plan.notification?.event,
        ...delivery,
      });
      return {
        ...(plan.notification && { event: plan.notification.event }),
        metrics: plan.metrics.length,
        ...delivery,
      };
    },
  },
  () => composePipelineEvent(),
);

export const handler = pipelineEvent.handler;

export function handlePipelineEvent(
  event: unknown,
  deps: PipelineEventDependencies,
): Promise<PipelineEventResult> {
  return pipelineEvent.handle(deps, event);
}
