// The notifications of a pipeline execution, in the shared notification model: every sink
// renders them with the same renderer it uses for rollouts.

import { formatDuration } from "../shared/duration.js";
import type { PipelineExecutionChange } from "../trigger/codePipelineEvent.js";
import type { Fact, Link, Notification, Severity } from "../types/notification.js";
import { commitLine, commitSource, executionConsoleUrl } from "./links.js";
import type { ActionRun, ExecutionSnapshot } from "./ports/pipelineExecutions.js";

export interface PipelineStory {
  change: PipelineExecutionChange;
  execution: ExecutionSnapshot;
  durationMs: number | undefined;
  failure: ActionRun | undefined;
}

const WORDING: Record<string, { verb: string; severity: Severity }> = {
  STARTED: { verb: "started", severity: "info" },
  SUCCEEDED: { verb: "succeeded", severity: "success" },
  FAILED: { verb: "failed", severity: "critical" },
  STOPPED: { verb: "was stopped", severity: "warning" },
  CANCELED: { verb: "was canceled", severity: "info" },
};

export function pipelineNotification({
  change,
  execution,
  durationMs,
  failure,
}: PipelineStory): Notification {
  const { verb, severity } = WORDING[change.state] ?? { verb: change.state.toLowerCase(), severity: "info" };
  const source = commitSource(execution.sources);
  const commit = source ? commitLine(source) : undefined;
  const duration = durationMs === undefined ? undefined : formatDuration(durationMs);

  const where =
    change.state === "FAILED"
      ? ` in ${failure ? `${failure.stage}/${failure.action}` : "an unknown stage"}`
      : "";
  const took = change.state === "SUCCEEDED" && duration ? ` in ${duration}` : "";
  const title = `Pipeline ${change.pipeline} ${verb}${where}${took}${commit ? `: ${commit}` : ""}`;

  const facts: Fact[] = [
    { label: "Pipeline", value: change.pipeline },
    { label: "Execution", value: change.executionId },
  ];
  if (commit) facts.push({ label: "Commit", value: commit });
  const trigger = execution.triggerType ?? change.triggerType;
  if (trigger) facts.push({ label: "Trigger", value: trigger });
  if (change.state === "FAILED") {
    facts.push({ label: "Failed stage", value: failure?.stage ?? "unknown" });
    facts.push({ label: "Failed action", value: failure?.action ?? "unknown" });
    if (failure?.errorCode) facts.push({ label: "Error", value: failure.errorCode });
  }
  if (change.attempt > 1) facts.push({ label: "Attempt", value: String(change.attempt) });
  if (duration && change.state !== "STARTED") facts.push({ label: "Duration", value: duration });

  const links: Link[] = [
    { label: "Execution", url: executionConsoleUrl(change.region, change.pipeline, change.executionId) },
  ];
  if (failure?.externalUrl) links.push({ label: `${failure.action} logs`, url: failure.externalUrl });
  if (source?.url) links.push({ label: "Commit", url: source.url });

  const detail = explanation(change, execution, failure);
  return {
    event: `pipeline.${change.state.toLowerCase()}`,
    severity,
    title,
    facts,
    links,
    ...(detail && { detail }),
  };
}

/** Why it ended this way: the failed action's own error first, then the execution's summary. */
function explanation(
  change: PipelineExecutionChange,
  execution: ExecutionSnapshot,
  failure: ActionRun | undefined,
): string | undefined {
  if (change.state === "FAILED") {
    return failure?.errorMessage ?? failure?.summary ?? execution.statusSummary;
  }
  if (change.state === "STOPPED" || change.state === "CANCELED") return execution.statusSummary;
  return undefined;
}
