// onPipelineEvent: CodePipeline execution, stage and action state changes → one notification and
// the pipeline metrics per execution outcome, however often and in whatever order they arrive.
import { defineHandler, type HandlerResult, ignore } from "../../lambda/handler.js";
import { type PipelineReport, planPipelineOutcome, triage } from "../../pipeline/plan.js";
import { type CodePipelineChange, parseCodePipelineEvent } from "../../trigger/codePipelineEvent.js";
import type { NotifyOutcome } from "../../types/notification.js";
import { composePipelineEvent, type PipelineEventDependencies, SERVICE_NAME } from "./wiring.js";

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

    // plan: from the event alone, then from the execution as CodePipeline sees it now; last, claim
    // the outcome once, so that any other delivery of it is a duplicate, ignored
    async plan(change: CodePipelineChange, deps: PipelineEventDependencies) {
      const triaged = triage(change, deps.options);
      if (triaged.kind === "ignore") return ignore(triaged.reason);
      const [execution, actions] = await Promise.all([
        deps.executions.get(change.pipeline, change.executionId),
        deps.executions.actions(change.pipeline, change.executionId),
      ]);
      const plan = planPipelineOutcome(triaged.change, execution, actions);
      if (plan.kind === "ignore") return ignore(plan.reason);
      if (!(await deps.claims.claim(plan.claimKey))) {
        return ignore(`duplicate delivery: ${plan.claimKey} was already reported`);
      }
      return plan;
    },

    // act: count, then tell. The metrics are flushed here, not only by the skeleton's finally:
    // they are the outcome this function reports once, so a failed flush must fail the invocation,
    // and gives the claim back first so that EventBridge's retry reports the outcome in full.
    async act(plan: PipelineReport, deps: PipelineEventDependencies) {
      try {
        for (const datum of plan.metrics)
          deps.metrics.add(datum.name, datum.unit, datum.value, datum.dimensions);
        await deps.metrics.flush();
      } catch (error) {
        await deps.claims.release(plan.claimKey);
        throw error;
      }
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
        key: plan.claimKey,
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
