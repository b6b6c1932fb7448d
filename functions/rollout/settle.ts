// Pure planning of what follows a release's ending: settling its outcome once its bake window is
// over, and the delivery of its terminal notification (which sinks took it, which still lack it).
//
// Outcome, once: a release counts for DORA (DeploymentFrequency, ChangeFailureRate,
// LeadTimeForChanges) when it is settled, and it is settled by exactly one ledger write: the
// failure record or the rollback (failed, at once), or, for a release that completed, the write
// that moves it from `baking` to `succeeded` after bake-seconds (the reconciler's, or a newer
// rollout's that replaces it). Only the invocation whose write landed reports it.
//
// Notifications, at least once: every ending write records which sinks have the release's
// terminal notification (none yet) and a lease until which the writing invocation is still
// reporting it; that invocation records the sinks that accepted it, and releases the lease, once
// it has tried. The reconciler re-sends what a sink still lacks when no lease is running. A sink
// can then receive a message twice only if the invocation ends after the sink accepted it and
// before the ledger recorded it.
import {
  isBakeOver,
  type Ledger,
  ledgerAnnotations,
  type RolloutRecord,
  type Settings,
  terminalEvent,
  tryReadLedger,
} from "./ledger.js";
import type { DeploymentPatch, DeploymentState } from "./model.js";

/** Which release a record is about: a newer rollout's record is another release. */
export interface ReleaseKey {
  digest: string;
  startedAt: string;
}

export function releaseKey(record: Pick<RolloutRecord, "digest" | "startedAt">): ReleaseKey {
  return { digest: record.digest, startedAt: record.startedAt };
}

function sameRelease(record: RolloutRecord | undefined, key: ReleaseKey): record is RolloutRecord {
  return record !== undefined && record.digest === key.digest && record.startedAt === key.startedAt;
}

/**
 * The settle write of a release still `baking` whose window is over: phase `succeeded`, and the
 * images it runs become the last known-good. Undefined when there is nothing to settle.
 */
export function planSettle(
  deployment: Pick<DeploymentState, "annotations" | "resourceVersion">,
  ledger: Ledger,
  settings: Pick<Settings, "bakeSeconds">,
  now: Date,
): { patch: DeploymentPatch; record: RolloutRecord } | undefined {
  const record = ledger.rollout;
  if (record?.phase !== "baking" || !isBakeOver(record, settings.bakeSeconds, now)) return undefined;
  const settled: RolloutRecord = { ...record, phase: "succeeded", settledAt: now.toISOString() };
  return {
    record: settled,
    patch: {
      resourceVersion: deployment.resourceVersion,
      images: {},
      annotations: ledgerAnnotations(deployment.annotations, {
        ...ledger,
        rollout: settled,
        lastKnownGood: { images: { ...record.to, ...record.adopted?.images }, pushedAt: record.pushedAt },
      }),
    },
  };
}

/**
 * Whether a settled record's DORA figures are this release's to count: a record written before
 * delivery was tracked (no `notified`) was counted when it completed, by the release before.
 */
export function countsAtSettle(record: RolloutRecord): boolean {
  return record.notified !== undefined;
}

/** A terminal notification some configured sinks still lack. */
export interface PendingNotice {
  event: string;
  sinks: string[];
}

/**
 * What the reconciler re-sends for the record: its terminal notification, to the configured
 * sinks that have not taken it, unless a lease says its writer is still reporting it. Records
 * written before delivery was tracked count as delivered.
 */
export function pendingNotice(
  record: RolloutRecord | undefined,
  sinkNames: readonly string[],
  now: Date,
): PendingNotice | undefined {
  if (record?.notified === undefined) return undefined;
  const event = terminalEvent(record);
  if (event === undefined) return undefined;
  const { leaseUntil, sinks } = record.notified;
  if (leaseUntil !== undefined && Date.parse(leaseUntil) > now.getTime()) return undefined;
  const delivered = new Set(sinks[event] ?? []);
  const missing = sinkNames.filter((sink) => !delivered.has(sink));
  return missing.length > 0 ? { event, sinks: missing } : undefined;
}

/**
 * Records that `sinks` took `event` for the release, and releases the lease (also when no sink
 * took it: the reconciler may then re-send at once). Undefined when nothing changes or the record
 * is now another release's.
 */
export function planNotified(
  deployment: Pick<DeploymentState, "annotations" | "resourceVersion">,
  release: ReleaseKey,
  event: string,
  sinks: readonly string[],
): DeploymentPatch | undefined {
  const read = tryReadLedger(deployment.annotations);
  if (!read.ok) return undefined;
  const record = read.ledger.rollout;
  if (!sameRelease(record, release) || record.notified === undefined) return undefined;
  const known = record.notified.sinks[event] ?? [];
  const merged = [...known, ...sinks.filter((sink) => !known.includes(sink))];
  if (merged.length === known.length && record.notified.leaseUntil === undefined) return undefined;
  const notified = { sinks: { ...record.notified.sinks, [event]: merged } };
  return {
    resourceVersion: deployment.resourceVersion,
    images: {},
    annotations: ledgerAnnotations(deployment.annotations, {
      ...read.ledger,
      rollout: { ...record, notified },
    }),
  };
}
