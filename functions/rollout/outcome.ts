// What acting on one Deployment did, as data. The executor and the fleet only act and return
// these; the report stage (report.ts) alone turns them into metrics, notifications, log lines
// and the invocation's per-Deployment result, the same way for a push, a reconcile run and an
// alarm's rollback.
//
// Duplicate deliveries and a reconciler following the same rollout mean several invocations can
// watch one rollout end. Whoever writes the ending to the ledger reports it: `writer` says
// whether this invocation's write landed, and only the writer's outcome produces metrics or a
// notification. The others return the same ending, silently.

import type { PodRequests } from "../cost/releaseDelta.js";
import type { DeploymentRef } from "../types/notification.js";
import type { DriftedContainer } from "./drift.js";
import type { BlockCause, GateName, ScanFact } from "./gates/evaluate.js";
import type { AnnotationRefusal, PendingRecord, RolloutRecord } from "./ledger.js";
import type { QuarantineEntry } from "./ports/quarantineStore.js";

/** What a release's cost delta is computed from: the requests it replaced against the template now. */
export interface CostInputs {
  replicas: number;
  /** Undefined when the ledger record predates recording them. */
  before: PodRequests | undefined;
  after: PodRequests;
}

/** This invocation's PATCH that started a rollout. */
export interface Patched {
  /** Invocation start → PATCH accepted. */
  eventToPatchMs: number;
  /** The resourceVersion the PATCH produced. */
  resourceVersion: string;
}

/** Nothing to do for this Deployment; `step` says what was not done (it decides the log line). */
export interface Skipped extends DeploymentRef {
  kind: "skipped";
  step: "rollout" | "rollback" | "finish" | "catch-up";
  reason: string;
  /** Left for the next run: this run's time was spent, or the server throttled it before any write. */
  deferred?: "time" | "throttled";
}

/**
 * Nothing was written because an annotation of the Deployment cannot be honoured: an invalid
 * operator setting or unreadable ledger state. Unlike a skip, it is reported (a notification and
 * a metric naming the annotation): nothing changes on that Deployment until someone fixes it.
 */
export interface Refused extends DeploymentRef {
  kind: "refused";
  step: "rollout" | "rollback" | "finish" | "catch-up";
  /** What was not done, e.g. "no rollout of api:1.1.0"; the refusal says why. */
  reason: string;
  refusal: AnnotationRefusal;
}

/** A rollback this invocation wrote: the failed image → the last known-good one, digest quarantined. */
export interface RolledBack extends DeploymentRef {
  kind: "rolled_back";
  /** Always true: a rollback that lost the race to another writer comes back Skipped. */
  writer: true;
  reason: string;
  /** The record of the rollout that was rolled back. */
  record: RolloutRecord;
  from: string;
  to: string;
  /** Rollback PATCH → restored (or the deadline). */
  durationMs: number;
  /** false when the restored image was not healthy again before the invocation's time ran out. */
  restored: boolean;
  cost: CostInputs;
  /**
   * Set when the stage-wide quarantine (the state table) could not be written: the rollback went
   * ahead anyway, the digest is then quarantined on this Deployment's ledger only.
   */
  quarantineError?: string;
}

/** How a watched rollout ended, as far as this invocation saw. */
export type RolloutEnding =
  /** The invocation's time ran out first: the record stays `progressing` for the reconciler. */
  | { state: "in_progress"; durationMs: number }
  /** Another rollout, or a rollback, replaced this one while it was watched: the other one reports. */
  | { state: "superseded"; durationMs: number }
  | {
      state: "succeeded";
      durationMs: number;
      writer: boolean;
      /** epoch ms the completion was written: lead time for changes is measured to here. */
      endedAt: number;
      cost: CostInputs;
    }
  /** Failed with auto-rollback off: the record is marked failed, the image left as is. */
  | { state: "failed"; durationMs: number; reason: string; writer: boolean; cost: CostInputs }
  /** Failed with auto-rollback on: `rollback` is this invocation's rollback, or why it did none. */
  | { state: "rolled_back"; durationMs: number; reason: string; rollback: RolledBack | Skipped | Refused }
  /**
   * Failed, or its ledger became unreadable while watched, and an annotation stops the product
   * from writing what follows: nothing written, the refusal reported.
   */
  | { state: "refused"; durationMs: number; reason: string; refusal: AnnotationRefusal };

/** A rollout followed to its end (or the deadline). */
export interface FollowedRollout extends DeploymentRef {
  kind: "rollout";
  /** Set when this invocation wrote the rollout's PATCH; absent when it finished an earlier one's. */
  patched?: Patched;
  /** The release the PATCH replaced while it was baking, settled as succeeded by that same write. */
  settled?: RolloutRecord;
  record: RolloutRecord;
  from: string;
  to: string;
  ending: RolloutEnding;
}

/** Writes of one piece of work that landed before it failed: they still count. */
export interface Landed {
  patched?: Patched;
  /** A release settled by the PATCH (the one it replaced while baking). */
  settled?: RolloutRecord;
  /** A rollback was written (its watch then failed). */
  rolledBack?: boolean;
}

/** The work on one Deployment (name "" for a namespace that could not be listed) threw. */
export interface WorkFailed extends DeploymentRef {
  kind: "error";
  reason: string;
  error: Error;
  /** The error's kind, as counted (WorkFailed, dimension Cause): PermissionDenied, NotFound, Transient, … */
  cause?: string;
  /** Whether the invocation fails for it (so EventBridge retries): only when a retry could help. */
  retryable?: boolean;
  /** A missing permission: notified, never retried (retrying cannot grant it). */
  permissionDenied?: { permission: string };
  landed?: Landed;
}

/**
 * This invocation settled a release whose bake window was over (`baking` → `succeeded`). `counts`
 * is false for a record written before releases were counted at settle (it counted at completion).
 */
export interface Settled extends DeploymentRef {
  kind: "settled";
  record: RolloutRecord;
  counts: boolean;
}

/** A release's terminal notification that some sinks still lack, to be sent to them again. */
export interface Notice extends DeploymentRef {
  kind: "notice";
  record: RolloutRecord;
  event: string;
  sinks: string[];
  /** For a rolled-back release: whether the known-good image runs healthy now. */
  restored: boolean;
  cost: CostInputs;
}

/**
 * A rollout planned but not started: a change freeze holds it (its pending record is on the
 * ledger; `recorded` when this invocation wrote it, so it is notified once), or the Deployment is
 * in dry-run mode (nothing written; `pending` is what a gate would have held).
 */
export interface Held extends DeploymentRef {
  kind: "held";
  gate: GateName | "dry-run";
  reason: string;
  from: string;
  to: string;
  pending?: PendingRecord;
  recorded: boolean;
  trigger: "push" | "reconcile" | "drift";
}

/**
 * A gate refused the release on this Deployment: a scan finding (the digest quarantined for the
 * stage too), a scan that failed, never came or cannot come, or approvals that expired. The digest
 * joined the Deployment's quarantine; the image is untouched.
 */
export interface Blocked extends DeploymentRef {
  kind: "blocked";
  cause: BlockCause;
  reason: string;
  from: string;
  to: string;
  pending: PendingRecord;
  scan?: ScanFact;
  /** The stage-wide quarantine could not be written (the Deployment's own ledger was). */
  quarantineError?: string;
}

/**
 * An operator released a digest from quarantine: the stage's entry (why it was there, if it was)
 * and the Deployments whose own ledger held it.
 */
export interface Unquarantined extends DeploymentRef {
  kind: "unquarantined";
  registryId: string;
  repositoryName: string;
  digest: string;
  by: string;
  reason?: string;
  entry?: QuarantineEntry;
  /** `<cluster>/<namespace>/<name>` of each Deployment whose ledger released it. */
  deployments: string[];
}

/** The running image differs from the ledger's. */
export interface Drifted extends DeploymentRef {
  kind: "drift";
  action: "adopt" | "restore" | "report";
  drifted: DriftedContainer[];
  /** Why nothing was done (action report). */
  reason?: string;
}

export type DeploymentOutcome =
  | Unquarantined
  | Held
  | Blocked
  | Skipped
  | Refused
  | RolledBack
  | FollowedRollout
  | WorkFailed
  | Settled
  | Notice
  | Drifted;

/** What an invocation's act step returns: every outcome, and the failures to rethrow once reported. */
export interface RolloutActs {
  outcomes: DeploymentOutcome[];
  /** Transient failures and unreachable clusters: the invocation fails after reporting the rest. */
  failures: Error[];
}

export function deploymentRef(deployment: DeploymentRef): DeploymentRef {
  return { cluster: deployment.cluster, namespace: deployment.namespace, name: deployment.name };
}
