// The rollout's notifications, built from the ledger record: what changed, why, how it ended,
// how long it took, and on rollback why. Pure; the Notifier renders them per sink. Each one that
// is a step of a release also names the release (`release`: its key, the image, the pipeline
// execution and commit that built it), so a sink can keep one thread per release.

import { formatDuration } from "../shared/duration.js";
import {
  type DeploymentRef,
  type Fact,
  type Link,
  type Notification,
  type ReleaseContext,
  type ReleasePhase,
  type ReleaseStage,
  SLACK_CHANNEL_PATTERN,
} from "../types/notification.js";
import type { PendingRecord, PendingRelease } from "./gates/evaluate.js";
import { parseEcrRepositoryUri, parseImageReference, shortDigest } from "./imageReference.js";
import type { AnnotationRefusal, ReleaseRef, RolloutPhase, RolloutRecord } from "./ledger.js";
import { type Blocked, deploymentRef, type Held, type Unquarantined } from "./outcome.js";

export interface RolloutEnding {
  deployment: DeploymentRef;
  record: RolloutRecord;
  from: string;
  to: string;
  /** Absent when the message is built again from the ledger and the duration is not known. */
  durationMs?: number;
  /** The release's cost delta (cost/releaseDelta.ts), when the replaced requests are known. */
  cost?: string;
  /** The Deployment's chat channel (`rollout.coworking.dev/slack-channel`), when the caller read it. */
  channel?: string;
}

// ---- the release a notification is a step of -----------------------------------------------

/** The Deployment annotation that sends its release threads to another Slack channel. */
export const SLACK_CHANNEL_ANNOTATION = "rollout.coworking.dev/slack-channel";

/**
 * The channel a Deployment's annotations ask for: a channel id (C0123ABCD) or `#name`, exactly.
 * Anything else is a problem to report, never a guess; absent: the sink's default channel.
 */
export function readSlackChannel(
  annotations: Readonly<Record<string, string>>,
): { channel?: string } | { problem: string } {
  const value = annotations[SLACK_CHANNEL_ANNOTATION];
  if (value === undefined || value.trim() === "") return {};
  if (SLACK_CHANNEL_PATTERN.test(value)) return { channel: value };
  return {
    problem: `${SLACK_CHANNEL_ANNOTATION} must be a Slack channel id (C0123ABCD) or #channel-name (lower-case letters, digits, - and _, at most 80)`,
  };
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<name>` → `<name>`; another registry: after its host. */
function repositoryNameOf(repository: string): string {
  return parseEcrRepositoryUri(repository)?.repositoryName ?? repository.slice(repository.indexOf("/") + 1);
}

/** The key of a release of `repository`'s `digest` that no pipeline execution is known for. */
export function imageReleaseKey(repository: string, digest: string): string {
  return `${repositoryNameOf(repository)}@${digest}`;
}

interface ReleaseStep {
  stage: ReleaseStage;
  phase: ReleasePhase;
  occurrence?: string;
  episode?: string;
  gate?: string;
  startedAt?: string;
  endedAt?: string;
  progress?: { ready: number; desired: number };
  replaces?: string;
}

/**
 * The release an image belongs to: keyed by the pipeline execution that built it when known (and
 * also known as `<repository name>@<digest>`), else by that image key alone.
 */
export function releaseContext(
  image: { repository: string; tag: string; digest: string; release?: ReleaseRef | PendingRelease },
  step: ReleaseStep,
): ReleaseContext {
  const imageKey = imageReleaseKey(image.repository, image.digest);
  const built = image.release;
  return {
    key: built?.executionId ?? imageKey,
    ...(built ? { aliases: [imageKey] } : {}),
    ...step,
    repository: image.repository,
    tag: image.tag,
    digest: image.digest,
    ...(built
      ? {
          pipeline: built.pipeline,
          executionId: built.executionId,
          commit: built.commit,
          ...(built.commitSummary ? { commitSummary: built.commitSummary } : {}),
          ...(built.executionUrl ? { executionUrl: built.executionUrl } : {}),
        }
      : {}),
  };
}

const plusMs = (iso: string, ms: number | undefined) =>
  ms === undefined || Number.isNaN(Date.parse(iso))
    ? undefined
    : new Date(Date.parse(iso) + ms).toISOString();

/** The release a rollout replaces: the digest its containers of the same repository ran before. */
function replacedRelease(record: RolloutRecord): string | undefined {
  for (const image of Object.values(record.from)) {
    const { repository, digest } = parseImageReference(image);
    if (repository === record.repository && digest !== undefined && digest !== record.digest) {
      return imageReleaseKey(repository, digest);
    }
  }
  return undefined;
}

/** Where a Deployment's release stands, by the phase of its ledger record. */
const RECORD_PHASE: Record<RolloutPhase, ReleasePhase> = {
  progressing: "rolling-out",
  baking: "rolled-out",
  succeeded: "rolled-out",
  failed: "failed",
  rolled_back: "rolled-back",
};

/**
 * The release a message about a Deployment's current release belongs to, such as an alarm that
 * fired on it: where the release stands is unchanged, and `episode` tells this message from the
 * next one of the same kind.
 */
export function currentRelease(record: RolloutRecord, episode: string): ReleaseContext {
  return releaseContext(record, {
    stage: "rollout",
    phase: RECORD_PHASE[record.phase],
    occurrence: record.startedAt,
    startedAt: record.startedAt,
    episode,
  });
}

/** The release of a rollout's ending: its start tells this rollout from another of the same digest. */
function endingRelease(
  ending: RolloutEnding,
  phase: ReleasePhase,
  endedAt: string | undefined,
): ReleaseContext {
  const { record } = ending;
  const replaces = phase === "rolled-out" ? replacedRelease(record) : undefined;
  return releaseContext(record, {
    stage: "rollout",
    phase,
    occurrence: record.startedAt,
    startedAt: record.startedAt,
    ...(endedAt ? { endedAt } : {}),
    ...(replaces ? { replaces } : {}),
  });
}

const channelOf = (ending: { channel?: string }) => (ending.channel ? { channel: ending.channel } : {});

function why(record: RolloutRecord): Fact[] {
  const trigger =
    record.trigger === "push"
      ? `ECR push of ${record.tag} at ${record.pushedAt}${record.eventId ? ` (event ${record.eventId})` : ""}`
      : record.trigger === "drift"
        ? `reconciler: the running image had drifted from the pinned ${record.tag}, restored`
        : `reconciler: newest matching image in ECR, pushed ${record.pushedAt}`;
  const facts: Fact[] = [{ label: "Why", value: trigger }];
  if (record.release) {
    facts.push({
      label: "Pipeline",
      value: `${record.release.pipeline} execution ${record.release.executionId}`,
    });
    const summary = record.release.commitSummary ? ` ${record.release.commitSummary}` : "";
    facts.push({ label: "Commit", value: `${record.release.commit.slice(0, 12)}${summary}` });
  }
  return facts;
}

function links(record: RolloutRecord): Link[] {
  return record.release?.executionUrl
    ? [{ label: "Pipeline execution", url: record.release.executionUrl }]
    : [];
}

function cost(ending: RolloutEnding): Fact[] {
  return ending.cost === undefined ? [] : [{ label: "Cost", value: ending.cost }];
}

function duration(ending: RolloutEnding): Fact[] {
  return ending.durationMs === undefined
    ? []
    : [{ label: "Duration", value: formatDuration(ending.durationMs) }];
}

function whatChanged(ending: RolloutEnding): Fact[] {
  return [
    { label: "Deployment", value: `${ending.deployment.namespace}/${ending.deployment.name}` },
    { label: "Cluster", value: ending.deployment.cluster },
    { label: "Change", value: `${ending.from} → ${ending.to}` },
    { label: "Digest", value: shortDigest(ending.record.digest) },
  ];
}

export function rolloutSucceeded(ending: RolloutEnding): Notification {
  return {
    event: "rollout.succeeded",
    severity: "success",
    title: `${ending.deployment.name} now runs ${ending.to} in ${ending.deployment.cluster}/${ending.deployment.namespace}`,
    deployment: ending.deployment,
    facts: [
      ...whatChanged(ending),
      ...why(ending.record),
      { label: "Outcome", value: "every replica updated and available" },
      ...duration(ending),
      ...cost(ending),
    ],
    links: links(ending.record),
    release: endingRelease(
      ending,
      "rolled-out",
      ending.record.completedAt ?? plusMs(ending.record.startedAt, ending.durationMs),
    ),
    ...channelOf(ending),
  };
}

export function rolloutFailed(ending: RolloutEnding, reason: string): Notification {
  return {
    event: "rollout.failed",
    severity: "critical",
    title: `${ending.deployment.name}: rollout of ${ending.to} failed; auto-rollback is off, it is left as is`,
    deployment: ending.deployment,
    facts: [
      ...whatChanged(ending),
      ...why(ending.record),
      { label: "Outcome", value: `failed: ${reason}` },
      ...duration(ending),
      ...cost(ending),
    ],
    detail: reason,
    links: links(ending.record),
    release: endingRelease(
      ending,
      "failed",
      ending.record.endedAt ?? plusMs(ending.record.startedAt, ending.durationMs),
    ),
    ...channelOf(ending),
  };
}

export interface RollbackEnding extends RolloutEnding {
  reason: string;
  /** false when the restored image was not healthy again before the invocation's time ran out. */
  restored: boolean;
  /** The stage-wide quarantine could not be written: the digest is quarantined on this Deployment only. */
  quarantineError?: string;
}

/** `from`/`to` are the rollback's: the failed image → the last known-good one. */
export function rolledBack(ending: RollbackEnding): Notification {
  return {
    event: "rollout.rolled_back",
    severity: "critical",
    title: `${ending.deployment.name} rolled back to ${ending.to} in ${ending.deployment.cluster}/${ending.deployment.namespace}: ${ending.reason}`,
    deployment: ending.deployment,
    facts: [
      ...whatChanged(ending),
      ...why(ending.record),
      { label: "Rolled back because", value: ending.reason },
      {
        label: "Quarantined",
        value:
          ending.quarantineError === undefined
            ? `${shortDigest(ending.record.digest)} (${ending.record.tag}) is never rolled out again automatically, to any cluster of this stage`
            : `${shortDigest(ending.record.digest)} (${ending.record.tag}) on this Deployment only: the stage's quarantine could not be written (${ending.quarantineError})`,
      },
      {
        label: "Outcome",
        value: ending.restored
          ? "last known-good image restored and healthy"
          : "rollback applied, not yet healthy",
      },
      ...duration(ending),
      ...cost(ending),
    ],
    detail: ending.reason,
    links: links(ending.record),
    release: endingRelease(ending, "rolled-back", ending.record.endedAt),
    ...channelOf(ending),
  };
}

export interface RolloutStart {
  deployment: DeploymentRef;
  record: RolloutRecord;
  from: string;
  to: string;
  /** Replicas updated and available so far, of how many. */
  progress?: { ready: number; desired: number };
  channel?: string;
}

/**
 * A rollout began: a step of its release that a thread shows as one reply, edited as the rollout
 * goes on (rolloutProgress) and closed by its ending.
 */
export function rolloutStarted(start: RolloutStart): Notification {
  const { deployment, record } = start;
  return {
    event: "rollout.started",
    severity: "info",
    threadOnly: true,
    title: `${deployment.name}: rolling out ${start.to} in ${deployment.cluster}/${deployment.namespace}`,
    deployment,
    facts: [
      { label: "Deployment", value: `${deployment.namespace}/${deployment.name}` },
      { label: "Cluster", value: deployment.cluster },
      { label: "Change", value: `${start.from} → ${start.to}` },
      { label: "Digest", value: shortDigest(record.digest) },
      ...why(record),
    ],
    links: links(record),
    release: releaseContext(record, {
      stage: "rollout",
      phase: "rolling-out",
      occurrence: record.startedAt,
      startedAt: record.startedAt,
      ...(start.progress ? { progress: start.progress } : {}),
    }),
    ...channelOf(start),
  };
}

/** How far a rollout got: the same reply as its start, edited (a sink without threads may skip it). */
export function rolloutProgress(
  start: RolloutStart & { progress: { ready: number; desired: number } },
): Notification {
  const started = rolloutStarted(start);
  return {
    ...started,
    event: "rollout.progress",
    title: `${start.deployment.name}: ${start.progress.ready}/${start.progress.desired} replicas of ${start.to} ready in ${start.deployment.cluster}/${start.deployment.namespace}`,
  };
}

const GATE_ANNOTATION = {
  scan: "rollout.coworking.dev/max-severity",
  approval: "rollout.coworking.dev/approvals",
  freeze: "rollout.coworking.dev/freeze",
} as const;

/** What a held release waits for, and when it rolls out or gives up. */
function pendingFacts(pending: PendingRecord): Fact[] {
  const facts: Fact[] = [{ label: "Gate", value: `${pending.gate} (${GATE_ANNOTATION[pending.gate]})` }];
  switch (pending.gate) {
    case "scan":
      facts.push({
        label: "Waiting for",
        value: `the image's scan; blocks at ${pending.scanDeadline} without one`,
      });
      break;
    case "approval":
      facts.push(
        {
          label: "Waiting for",
          value: `approval: ${pending.approvals.length} so far${pending.approvals.length > 0 ? ` (${pending.approvals.map((a) => a.by).join(", ")})` : ""}`,
        },
        { label: "Expires", value: `${pending.approvalDeadline}: rejected unless approved` },
        {
          label: "Decide",
          value: "npm run approve -- <cluster>/<namespace>/<name> [--reject] (docs/gates.md)",
        },
      );
      break;
    case "freeze":
      facts.push({
        label: "Rolls out",
        value: `at ${pending.until} (a change freeze), unless a newer push replaces it`,
      });
      break;
  }
  if (pending.supersedes) {
    facts.push({ label: "Supersedes", value: `the held release ${shortDigest(pending.supersedes)}` });
  }
  return facts;
}

/**
 * A release planned and not started: held by a gate (what it waits for, when it rolls out or
 * gives up, what it replaced), or what a dry-run Deployment would have done.
 */
export function rolloutHeld(outcome: Held): Notification {
  const deployment = deploymentRef(outcome);
  const where = `${deployment.name} in ${deployment.cluster}/${deployment.namespace}`;
  const dryRun = outcome.gate === "dry-run";
  const title = dryRun
    ? `${where}: ${outcome.reason}: ${outcome.from} → ${outcome.to}`
    : `${where}: ${outcome.to} ${outcome.reason}`;
  const facts: Fact[] = [
    { label: "Deployment", value: `${deployment.namespace}/${deployment.name}` },
    { label: "Cluster", value: deployment.cluster },
    { label: "Image", value: `${outcome.from} → ${outcome.to}` },
    ...(outcome.pending ? pendingFacts(outcome.pending) : []),
  ];
  if (dryRun)
    facts.push({ label: "Mode", value: "dry-run (rollout.coworking.dev/mode): nothing was written" });
  const pending = outcome.pending;
  return {
    event: dryRun ? "rollout.dry_run" : "rollout.held",
    severity: "info",
    title,
    deployment,
    facts,
    detail: title,
    // A dry run with no gate names no digest: it is no step of a release.
    ...(pending
      ? {
          release: releaseContext(pending, {
            stage: pending.gate === "scan" ? "scan" : "gate",
            phase: dryRun ? "dry-run" : "held",
            occurrence: pending.since,
            gate: pending.gate,
            startedAt: pending.since,
          }),
        }
      : {}),
  };
}

/** A digest released from quarantine by an operator, with why it had been quarantined. */
export function digestReleased(outcome: Unquarantined, why: string): Notification {
  const image = `${outcome.repositoryName}@${shortDigest(outcome.digest)}`;
  return {
    event: "rollout.unquarantined",
    severity: "info",
    title: `${image} released from quarantine by ${outcome.by}`,
    facts: [
      { label: "Image", value: `${outcome.repositoryName}@${outcome.digest}` },
      { label: "Released by", value: outcome.by },
      ...(outcome.reason ? [{ label: "Reason", value: outcome.reason }] : []),
      { label: "Why it was quarantined", value: why },
      {
        label: "Deployments",
        value:
          outcome.deployments.length > 0 ? outcome.deployments.join(", ") : "none held it on their ledger",
      },
      { label: "Next", value: "the next push or reconcile may roll it out again" },
    ],
    detail: why,
  };
}

/** A gate refused the release: why, the scan's severity counts and top findings when it was the scan. */
export function rolloutBlocked(outcome: Blocked): Notification {
  const deployment = deploymentRef(outcome);
  const facts: Fact[] = [
    { label: "Deployment", value: `${deployment.namespace}/${deployment.name}` },
    { label: "Cluster", value: deployment.cluster },
    { label: "Image", value: `${outcome.to} (running ${outcome.from}, left as it is)` },
    { label: "Why", value: outcome.reason },
  ];
  const scan = outcome.scan;
  if (scan?.status === "complete") {
    const counts = Object.entries(scan.counts)
      .filter(([, count]) => count > 0)
      .map(([severity, count]) => `${count} ${severity}`);
    facts.push({ label: "Findings", value: counts.length > 0 ? counts.join(", ") : "none itemised" });
    for (const finding of scan.topFindings.slice(0, 5)) {
      facts.push({
        label: finding.severity,
        value: `${finding.id}${finding.package ? ` in ${finding.package}` : ""}${finding.link ? ` ${finding.link}` : ""}`,
      });
    }
  }
  facts.push({
    label: "Quarantined",
    value:
      outcome.cause === "scan"
        ? `for the whole stage${outcome.quarantineError ? ` (stage table not written: ${outcome.quarantineError}; this Deployment's ledger was)` : ""}; release it with npm run unquarantine`
        : "on this Deployment; a newer push rolls out as usual",
  });
  const title = `${deployment.name} in ${deployment.cluster}/${deployment.namespace}: ${outcome.to} blocked: ${outcome.reason}`;
  const findings = scan?.status === "complete" ? scan.topFindings : [];
  return {
    event: "rollout.blocked",
    severity: outcome.cause === "scan" ? "critical" : "warning",
    title,
    deployment,
    facts,
    detail: outcome.reason,
    release: releaseContext(outcome.pending, {
      stage: outcome.cause.startsWith("scan") ? "scan" : "gate",
      phase: "blocked",
      occurrence: outcome.pending.since,
      gate: outcome.pending.gate,
      startedAt: outcome.pending.since,
    }),
    ...(findings.length > 0
      ? {
          findings: findings.map((finding) => ({
            severity: finding.severity,
            id: finding.id,
            ...(finding.package ? { package: finding.package } : {}),
            ...(finding.link ? { link: finding.link } : {}),
          })),
        }
      : {}),
  };
}

/**
 * An annotation stops the product from writing to a Deployment. `what` is what was not done
 * (e.g. "no rollout of api:1.1.0").
 */
export function rolloutRefused(
  deployment: DeploymentRef,
  what: string,
  refusal: AnnotationRefusal,
): Notification {
  const ledger = refusal.source === "ledger";
  return {
    event: "rollout.refused",
    severity: ledger ? "critical" : "warning",
    title: `${deployment.name} in ${deployment.cluster}/${deployment.namespace}: ${what}: ${refusal.annotation} is ${ledger ? "unreadable" : "invalid"}`,
    deployment,
    facts: [
      { label: "Deployment", value: `${deployment.namespace}/${deployment.name}` },
      { label: "Cluster", value: deployment.cluster },
      { label: "Annotation", value: refusal.annotation },
      { label: "Value", value: JSON.stringify(refusal.value) },
      { label: "Problem", value: refusal.problem },
      {
        label: "Until it is fixed",
        value: "no rollout, rollback or ledger write touches this Deployment automatically",
      },
      {
        label: "Fix",
        value: ledger
          ? "repair or remove the ledger annotation by hand (docs/rollouts.md, the ledger is the Deployment)"
          : "correct the annotation (docs/rollouts.md, annotation reference)",
      },
    ],
    detail: `${what}: ${refusal.annotation}: ${refusal.problem}`,
  };
}

/** A running image is not the one the ledger pinned: who changed it, when, and what the loop did. */
export function rolloutDrifted(
  deployment: DeploymentRef,
  action: "adopt" | "restore" | "report",
  drifted: { container: string; pinned: string; running: string; changedBy: string }[],
  reason?: string,
): Notification {
  const done =
    action === "adopt"
      ? "adopted as the new known-good image"
      : action === "restore"
        ? "the pinned image is being rolled back out"
        : `left as is: ${reason ?? "not acted on"}`;
  const first = drifted[0];
  return {
    event: "rollout.drifted",
    severity: action === "report" ? "warning" : "info",
    title: `${deployment.name} in ${deployment.cluster}/${deployment.namespace} runs an image the delivery loop did not pin (${first ? `${first.container}, changed by ${first.changedBy}` : "unknown"}): ${done}`,
    deployment,
    facts: [
      { label: "Deployment", value: `${deployment.namespace}/${deployment.name}` },
      { label: "Cluster", value: deployment.cluster },
      ...drifted.flatMap((entry) => [
        { label: `Container ${entry.container}`, value: `pinned ${entry.pinned}, running ${entry.running}` },
        { label: "Changed by", value: entry.changedBy },
      ]),
      { label: "Outcome", value: done },
      {
        label: "Setting",
        value: "rollout.coworking.dev/drift: adopt (default) or restore (docs/rollouts.md, drift)",
      },
    ],
  };
}

export function permissionDenied(cluster: string, permission: string): Notification {
  return {
    event: "rollout.permission_denied",
    severity: "critical",
    title: `Rollouts blocked in cluster ${cluster}: ${permission}`,
    facts: [
      { label: "Cluster", value: cluster },
      { label: "Missing permission", value: permission },
      {
        label: "Fix",
        value: "apply the coworking-delivery-writer Role and RoleBinding (k8s/base/rbac) in that namespace",
      },
    ],
  };
}
