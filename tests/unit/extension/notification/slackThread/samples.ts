// Realistic notifications of one release, built by the real producers (the rollout's and the
// pipeline's builders), for the thread tests: a pipeline run, its rollouts, holds and blocks.
import { planAlarmStateChange } from "../../../../../functions/alarms/stateChange.js";
import { pipelineNotification } from "../../../../../functions/pipeline/notification.js";
import { Annotation, encodeRollout, type RolloutRecord } from "../../../../../functions/rollout/ledger.js";
import {
  rolledBack,
  rolloutBlocked,
  rolloutFailed,
  rolloutHeld,
  rolloutProgress,
  rolloutStarted,
  rolloutSucceeded,
} from "../../../../../functions/rollout/notifications.js";
import type { Blocked, Held } from "../../../../../functions/rollout/outcome.js";
import type { PipelineExecutionChange } from "../../../../../functions/trigger/codePipelineEvent.js";
import type { DeploymentRef, Notification } from "../../../../../functions/types/notification.js";
import { deployment } from "../../../rollout/deployments.js";

export const COMMIT = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
export const EXECUTION = "0f5a7c3e-2b1d-4e8f-9a6b-3c4d5e6f7a8b";
export const DIGEST = `sha256:${"4f2a91c0".repeat(8)}`;
export const REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/coworking/analytics";
export const IMAGE_KEY = `coworking/analytics@${DIGEST}`;
export const COMMIT_URL = `https://github.com/example/coworking/commit/${COMMIT}`;
export const BUILD_URL =
  "https://console.aws.amazon.com/codebuild/home?region=us-east-1#/builds/b:1/view/new";
export const analytics: DeploymentRef = { cluster: "prod", namespace: "coworking", name: "analytics" };

export const deployments = (count: number): DeploymentRef[] =>
  Array.from({ length: count }, (_, index) => ({
    cluster: index % 2 === 0 ? "prod-eu-west-1" : "prod-us-east-1",
    namespace: "coworking",
    name: `analytics-worker-${String(index + 1).padStart(2, "0")}`,
  }));

export function record(overrides: Partial<RolloutRecord> = {}, known = true): RolloutRecord {
  return {
    phase: "progressing",
    repository: REPOSITORY,
    tag: COMMIT,
    digest: DIGEST,
    pushedAt: "2026-11-23T10:05:40.000Z",
    startedAt: "2026-11-23T10:05:42.000Z",
    from: { api: `${REPOSITORY}:1.3.0@sha256:${"0".repeat(64)}` },
    to: { api: `${REPOSITORY}:${COMMIT}@${DIGEST}` },
    trigger: "push",
    ...(known && {
      release: {
        pipeline: "coworking-analytics",
        executionId: EXECUTION,
        commit: COMMIT,
        commitSummary: "Fix the daily usage query for empty days",
        executionUrl: `https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking-analytics/executions/${EXECUTION}/timeline?region=us-east-1`,
      },
    }),
    ...overrides,
  };
}

const change = (state: PipelineExecutionChange["state"], at: string, attempt = 1): PipelineExecutionChange =>
  ({
    kind: "pipeline",
    state,
    pipeline: "coworking-analytics",
    executionId: EXECUTION,
    attempt,
    region: "us-east-1",
    account: "123456789012",
    eventId: `event-${state}`,
    eventTime: new Date(at),
    startTime: new Date("2026-11-23T10:00:00Z"),
  }) as PipelineExecutionChange;

export function pipeline(
  state: "STARTED" | "SUCCEEDED" | "FAILED",
  options: { commitSummary?: string; attempt?: number } = {},
): Notification {
  const at = state === "STARTED" ? "2026-11-23T10:00:00Z" : "2026-11-23T10:07:25Z";
  return pipelineNotification({
    change: change(state, at, options.attempt),
    execution: {
      pipeline: "coworking-analytics",
      executionId: EXECUTION,
      status: state === "STARTED" ? "InProgress" : state === "SUCCEEDED" ? "Succeeded" : "Failed",
      sources: [
        {
          actionName: "Source",
          revisionId: COMMIT,
          summary: JSON.stringify({
            ProviderType: "GitHub",
            CommitMessage: options.commitSummary ?? "Fix the daily usage query for empty days",
          }),
          url: COMMIT_URL,
        },
      ],
      triggerType: "Webhook",
    },
    durationMs: state === "STARTED" ? undefined : 445_000,
    failure:
      state === "FAILED"
        ? {
            stage: "Build",
            action: "BuildImage",
            status: "Failed",
            errorCode: "JobFailed",
            errorMessage: "Error while executing command: docker build . Reason: exit status 1",
            externalUrl: BUILD_URL,
          }
        : undefined,
  });
}

const labels = { from: "analytics:1.3.0@000000000000", to: `analytics:${COMMIT}@4f2a91c04f2a` };

export const started = (deployment = analytics, known = true) =>
  rolloutStarted({ deployment, record: record({}, known), ...labels });
export const progress = (ready: number, deployment = analytics) =>
  rolloutProgress({ deployment, record: record(), ...labels, progress: { ready, desired: 2 } });
export const succeeded = (deployment = analytics, known = true) =>
  rolloutSucceeded({
    deployment,
    record: record({ completedAt: "2026-11-23T10:07:02.000Z" }, known),
    ...labels,
    durationMs: 80_000,
    cost: "+$3.10/month (requests +0.25 vCPU; estimate at list price t3a.medium, 2025-06-01)",
  });
export const failed = (deployment = analytics) =>
  rolloutFailed(
    { deployment, record: record({ endedAt: "2026-11-23T10:15:42.000Z" }), ...labels, durationMs: 600_000 },
    "ProgressDeadlineExceeded",
  );
export const rolled = (deployment = analytics) =>
  rolledBack({
    deployment,
    record: record({ endedAt: "2026-11-23T10:09:12.000Z" }),
    from: labels.to,
    to: labels.from,
    durationMs: 31_000,
    reason: "alarm coworking-prod/coworking/analytics/health in ALARM during the bake window of the release",
    restored: true,
  });

export function held(
  gate: "approval" | "scan" | "freeze" = "approval",
  deployment = analytics,
  known = true,
): Notification {
  const outcome: Held = {
    kind: "held",
    ...deployment,
    gate,
    reason: gate === "approval" ? "held for approval (0 of 1)" : `held by the ${gate} gate`,
    from: labels.from,
    to: labels.to,
    recorded: true,
    trigger: "push",
    pending: {
      repository: REPOSITORY,
      tag: COMMIT,
      digest: DIGEST,
      pushedAt: "2026-11-23T10:05:40.000Z",
      trigger: "push",
      since: "2026-11-23T10:05:41.000Z",
      gate,
      approvals: [],
      ...(gate === "approval" && { approvalDeadline: "2026-11-24T10:05:41.000Z" }),
      ...(gate === "scan" && { scanDeadline: "2026-11-23T10:35:41.000Z" }),
      ...(gate === "freeze" && { until: "2026-11-24T08:00:00.000Z" }),
      ...(known && { release: record().release }),
    },
  };
  return rolloutHeld(outcome);
}

export function blocked(findings = 3, deployment = analytics): Notification {
  const outcome: Blocked = {
    kind: "blocked",
    ...deployment,
    cause: "scan",
    reason: `scan: ${findings} findings at or above HIGH`,
    from: labels.from,
    to: labels.to,
    pending: {
      repository: REPOSITORY,
      tag: COMMIT,
      digest: DIGEST,
      pushedAt: "2026-11-23T10:05:40.000Z",
      trigger: "push",
      since: "2026-11-23T10:05:41.000Z",
      gate: "scan",
      approvals: [],
      release: record().release,
    },
    scan: {
      status: "complete",
      counts: { CRITICAL: 2, HIGH: findings - 2, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 } as never,
      registryStatus: "COMPLETE",
      topFindings: Array.from({ length: findings }, (_, index) => ({
        id: `CVE-2026-${String(10_000 + index)}`,
        package: `libexample-${index}-with-a-rather-long-package-name-1.2.${index}`,
        severity: index < 2 ? "CRITICAL" : "HIGH",
        link: `https://nvd.nist.gov/vuln/detail/CVE-2026-${String(10_000 + index)}`,
      })),
    },
  };
  return rolloutBlocked(outcome);
}

/**
 * The Deployment's health alarm firing at `at` on the release rolled out above, after its bake
 * window (auto-rollback off): onAlarmStateChange's planner only notifies.
 */
export function alarmFired(at: string): Notification {
  const alarmName = "coworking-prod/coworking/analytics/health";
  const rolledOut = record({ phase: "succeeded", completedAt: "2026-11-23T10:07:02.000Z" });
  const decision = planAlarmStateChange(
    {
      kind: "state-change",
      eventId: `alarm-${at}`,
      alarmName,
      state: { value: "ALARM", reason: "5xx above 1% for 3 minutes", timestamp: new Date(at) },
      previousState: { value: "OK", reason: "", timestamp: new Date("2026-11-23T10:00:00Z") },
    },
    { cluster: analytics.cluster, namespace: analytics.namespace, deployment: analytics.name },
    deployment(
      { name: analytics.name },
      { [Annotation.rollout]: encodeRollout(rolledOut), [Annotation.autoRollback]: "false" },
    ),
    { name: alarmName, value: "ALARM", reason: "", updatedAt: new Date(at), transitionedAt: new Date(at) },
    new Date(at),
  );
  if (decision.action !== "notify") throw new Error(`expected a notification, got ${decision.action}`);
  return decision.notification;
}
