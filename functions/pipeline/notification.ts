// The notifications of a pipeline execution, in the shared notification model: every sink
// renders them with the same renderer it uses for rollouts. Each is a step of the release the
// execution builds (`release`, keyed by the execution id), so a sink can thread them with the
// rollout of the image it pushes.

import { formatDuration } from "../shared/duration.js";
import type { PipelineExecutionChange } from "../trigger/codePipelineEvent.js";
import type {
  Fact,
  Link,
  Notification,
  ReleaseContext,
  ReleasePhase,
  Severity,
} from "../types/notification.js";
import { commitLine, commitMessage, commitSource, commitUrl, executionConsoleUrl } from "./links.js";
import type { ActionRun, ExecutionSnapshot } from "./ports/pipelineExecutions.js";

export interface PipelineStory {
  change: PipelineExecutionChange;
  execution: ExecutionSnapshot;
  durationMs: number | undefined;
  failure: ActionRun | undefined;
  /** Every action run of the execution, when the caller has them: the build's page is linked. */
  actions?: readonly ActionRun[];
}

const WORDING: Record<string, { verb: string; severity: Severity }> = {
  STARTED: { verb: "started", severity: "info" },
  SUCCEEDED: { verb: "succeeded", severity: "success" },
  FAILED: { verb: "failed", severity: "critical" },
  STOPPED: { verb: "was stopped", severity: "warning" },
  CANCELED: { verb: "was canceled", severity: "info" },
};

const PHASE: Record<string, ReleasePhase> = {
  STARTED: "building",
  SUCCEEDED: "built",
  FAILED: "build-failed",
  STOPPED: "build-stopped",
  CANCELED: "build-stopped",
};

/** The build's page: the failed action's, else the last CodeBuild run's. */
function buildUrl(
  failure: ActionRun | undefined,
  actions: readonly ActionRun[] | undefined,
): string | undefined {
  if (failure?.externalUrl) return failure.externalUrl;
  return actions
    ?.filter((action) => action.externalUrl?.includes("/codebuild/"))
    .sort((a, b) => (b.lastUpdateTime?.getTime() ?? 0) - (a.lastUpdateTime?.getTime() ?? 0))[0]?.externalUrl;
}

export function pipelineNotification({
  change,
  execution,
  durationMs,
  failure,
  actions,
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

  const executionUrl = executionConsoleUrl(change.region, change.pipeline, change.executionId);
  const links: Link[] = [{ label: "Execution", url: executionUrl }];
  if (failure?.externalUrl) links.push({ label: `${failure.action} logs`, url: failure.externalUrl });
  const sourceUrl = source ? commitUrl(source) : undefined;
  if (sourceUrl) links.push({ label: "Commit", url: sourceUrl });

  const detail = explanation(change, execution, failure);
  const started =
    change.startTime ??
    (durationMs !== undefined ? new Date(change.eventTime.getTime() - durationMs) : undefined);
  const logs = buildUrl(failure, actions);
  const summary = commitMessage(source?.summary);
  const release: ReleaseContext = {
    key: change.executionId,
    stage: "build",
    phase: PHASE[change.state] ?? "building",
    occurrence: String(change.attempt),
    pipeline: change.pipeline,
    executionId: change.executionId,
    executionUrl,
    ...(source && /^[0-9a-f]{40}$/.test(source.revisionId) ? { commit: source.revisionId } : {}),
    ...(summary ? { commitSummary: summary } : {}),
    ...(sourceUrl ? { commitUrl: sourceUrl } : {}),
    ...(logs ? { buildUrl: logs } : {}),
    ...(started && !Number.isNaN(started.getTime()) ? { startedAt: started.toISOString() } : {}),
    ...(change.state !== "STARTED" ? { endedAt: change.eventTime.toISOString() } : {}),
  };
  return {
    event: `pipeline.${change.state.toLowerCase()}`,
    severity,
    title,
    facts,
    links,
    ...(detail && { detail }),
    release,
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
