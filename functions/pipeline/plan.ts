// Pure planning for CodePipeline events: which event tells which story, and whether it is
// still true. Delivery is at least once and in any order, so a decision never rests on the
// event alone:
//   1. triage: only pipeline-level events speak. Stage and action events describe parts of
//      an outcome the pipeline-level event reports whole, so they never notify or count.
//   2. verify: the event's state must be the execution's current status (GetPipelineExecution).
//      A late STARTED after FAILED, or a FAILED after a RESUMED retry, is stale and says nothing.
//   3. once: the outcome key (pipeline, execution, state, attempt) is what the handler reports
//      once (its idempotency key), so another delivery of the same outcome finds it taken and
//      sends nothing.

import type {
  CodePipelineChange,
  PipelineExecutionChange,
  PipelineState,
} from "../trigger/codePipelineEvent.js";
import { Metric } from "../types/metricNames.js";
import type { Notification } from "../types/notification.js";
import type { MetricDatum } from "./metricDatum.js";
import { pipelineNotification } from "./notification.js";
import type { ActionRun, ExecutionSnapshot, ExecutionStatus } from "./ports/pipelineExecutions.js";

export interface PipelinePlanOptions {
  /** NOTIFY_PIPELINE_STARTED: a message per started execution is noise for most teams. */
  notifyStarted: boolean;
}

export type Ignore = { kind: "ignore"; reason: string };
export type Triage = Ignore | { kind: "inspect"; change: PipelineExecutionChange };

export interface PipelineReport {
  kind: "report";
  /** One per outcome: `<pipeline>/<execution>/<state>/<attempt>`; reported once per key. */
  outcomeKey: string;
  notification?: Notification;
  metrics: MetricDatum[];
}

/** The event states that describe each API status. */
const STATES_OF_STATUS: Record<ExecutionStatus, readonly PipelineState[]> = {
  InProgress: ["STARTED", "RESUMED"],
  Succeeded: ["SUCCEEDED"],
  Failed: ["FAILED"],
  Stopped: ["STOPPED"],
  Stopping: ["STOPPING"],
  Superseded: ["SUPERSEDED"],
  Cancelled: ["CANCELED"],
};

/** Decides from the event alone whether it can tell a story at all. */
export function triage(change: CodePipelineChange, options: PipelinePlanOptions): Triage {
  const ignore = (reason: string): Ignore => ({ kind: "ignore", reason });
  if (change.kind !== "pipeline") {
    return ignore(`${change.kind} ${change.state} events are reported once, by the pipeline-level outcome`);
  }
  switch (change.state) {
    case "STARTED":
      return options.notifyStarted ? { kind: "inspect", change } : ignore("started notifications are off");
    case "STOPPING":
    case "RESUMED":
      return ignore(`${change.state} is a transition, not an outcome`);
    case "SUPERSEDED":
      // A newer execution took over at a stage boundary; that execution reports the outcome.
      return ignore("superseded by a newer execution, which reports the outcome");
    default:
      return { kind: "inspect", change };
  }
}

/** Decides what to report for a pipeline-level event, given the execution as it is now. */
export function planPipelineOutcome(
  change: PipelineExecutionChange,
  execution: ExecutionSnapshot | undefined,
  actions: readonly ActionRun[],
): Ignore | PipelineReport {
  if (execution === undefined) {
    return { kind: "ignore", reason: `CodePipeline does not know execution ${change.executionId}` };
  }
  if (!STATES_OF_STATUS[execution.status].includes(change.state)) {
    return {
      kind: "ignore",
      reason: `stale ${change.state} event: the execution is now ${execution.status}`,
    };
  }
  const durationMs = executionDurationMs(change, actions);
  const failure = failedAction(actions);
  const metrics: MetricDatum[] = [];
  const pipeline = { Pipeline: change.pipeline };
  if (change.state === "SUCCEEDED" && durationMs !== undefined) {
    metrics.push({
      name: Metric.PipelineDuration,
      unit: "Seconds",
      value: durationMs / 1000,
      dimensions: pipeline,
    });
  }
  if (change.state === "FAILED") {
    const stage = failure?.stage ?? "unknown";
    metrics.push({
      name: Metric.PipelineFailures,
      unit: "Count",
      value: 1,
      dimensions: { ...pipeline, Stage: stage },
    });
  }
  return {
    kind: "report",
    outcomeKey: [change.pipeline, change.executionId, change.state, change.attempt].join("/"),
    notification: pipelineNotification({ change, execution, durationMs, failure, actions }),
    metrics,
  };
}

/**
 * From the first action's start to the last action's last update: the execution's own record,
 * identical for every delivery of the event. Falls back to the event's start-time.
 */
export function executionDurationMs(
  change: PipelineExecutionChange,
  actions: readonly ActionRun[],
): number | undefined {
  const starts = actions.flatMap((action) => (action.startTime ? [action.startTime.getTime()] : []));
  const ends = actions.flatMap((action) => (action.lastUpdateTime ? [action.lastUpdateTime.getTime()] : []));
  if (starts.length > 0 && ends.length > 0) return Math.max(...ends) - Math.min(...starts);
  if (change.startTime) return change.eventTime.getTime() - change.startTime.getTime();
  return undefined;
}

/** The action whose failure ended the execution: the most recently updated failed one. */
export function failedAction(actions: readonly ActionRun[]): ActionRun | undefined {
  return actions
    .filter((action) => action.status === "Failed")
    .sort((a, b) => (b.lastUpdateTime?.getTime() ?? 0) - (a.lastUpdateTime?.getTime() ?? 0))[0];
}
