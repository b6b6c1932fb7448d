// Which gate, if any, stands between a planned rollout and the cluster, decided purely from the
// Deployment's gate settings, the pending record already on its ledger, and the facts the caller
// gathered (the clock, the image's scan). The order is fixed:
//
// 1. scan (`max-severity`): a finding at or above the threshold BLOCKS (the digest is quarantined
//    for the stage); a scan that is not there yet HOLDS, until `scan-timeout` (default 30m) after
//    the hold began, when it blocks; a scan that failed, or a repository that is not scanned,
//    blocks at once and says how to fix it;
// 2. approvals (`approvals: "N"`): fewer than N distinct approvers HOLD, until `approval-timeout`
//    (default 24h), when the release EXPIRES: rejected, notified, never rolled out on this
//    Deployment;
// 3. change freeze (`freeze`): a window covering now HOLDS until it ends, unless
//    `freeze-override: approval` and the approvals are in (an approval releases it early).
//
// A blocked release is never held again; a newer push replaces a held one (`supersedes`). The
// since/deadline clocks start when the release is first held, and survive re-planning.
import { formatDuration } from "../../shared/duration.js";
import type { FreezeWindow } from "./freeze.js";
import { freezeAt } from "./freeze.js";
import type { Finding, MaxSeverity, SeverityCounts } from "./scan.js";
import { scanVerdict } from "./scan.js";

export const DEFAULT_SCAN_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;
/** How many approvers a Deployment may ask for: a typo like "20" should not hold forever. */
export const MAX_APPROVALS = 10;

export type GateName = "scan" | "approval" | "freeze";

export interface GateSettings {
  maxSeverity?: MaxSeverity;
  scanTimeoutMs: number;
  /** Distinct approvers needed; 0 = no approval gate. */
  approvals: number;
  approvalTimeoutMs: number;
  freeze?: FreezeWindow[];
  /** `freeze-override: approval`: the approvals, once in, release a rollout held by a freeze. */
  freezeOverride: boolean;
}

/** One approver: an IAM principal ARN (endpoint, CLI) or `slack:<user id>`. */
export interface Approval {
  by: string;
  at: string;
}

/** A held release of one Deployment: the candidate, which gate holds it, and since when. */
export interface PendingRecord {
  repository: string;
  tag: string;
  digest: string;
  pushedAt: string;
  trigger: "push" | "reconcile" | "drift";
  /** When it was first held. */
  since: string;
  /** The gate holding it now. */
  gate: GateName;
  /** freeze: when no window covers it any more. */
  until?: string;
  /** scan: when a missing scan blocks it. */
  scanDeadline?: string;
  /** approvals: when it expires. */
  approvalDeadline?: string;
  approvals: Approval[];
  /** The digest of the held release this one replaced. */
  supersedes?: string;
  /** The pipeline execution and commit that built it, when known: DORA counts it at release. */
  release?: PendingRelease;
}

/** The release facts a held record keeps (the ledger's ReleaseRef). */
export interface PendingRelease {
  pipeline: string;
  executionId: string;
  commit: string;
  commitSummary?: string;
  commitCreatedAt?: string;
  executionUrl?: string;
}

/** The image's scan as far as it is known; undefined: no result yet (nothing recorded, no scan). */
export interface ScanFact {
  status: "complete" | "in_progress" | "failed" | "unsupported";
  counts: SeverityCounts;
  /** Findings of unreported severity (an Inspector event's TOTAL minus what it itemises). */
  unclassified?: number;
  topFindings: Finding[];
  /** What the registry said, e.g. COMPLETE, SCAN_NOT_FOUND, UNSUPPORTED_IMAGE. */
  registryStatus: string;
  description?: string;
}

export interface GateFacts {
  now: Date;
  scan?: ScanFact;
}

export interface GateCandidate {
  repository: string;
  tag: string;
  digest: string;
  pushedAt: Date;
  trigger: PendingRecord["trigger"];
  release?: PendingRelease;
}

export type BlockCause =
  | "scan"
  | "scan-timeout"
  | "scan-failed"
  | "scan-unsupported"
  | "expired"
  | "rejected";

export type GateVerdict =
  /** Every gate is open: roll out; `approvals` go into the rollout record and the change-cause. */
  | { verdict: "go"; approvals: Approval[]; heldSince?: string; heldAt?: GateName }
  | { verdict: "hold"; pending: PendingRecord }
  | { verdict: "block"; cause: BlockCause; reason: string; pending: PendingRecord; scan?: ScanFact };

export function hasGates(settings: GateSettings): boolean {
  return settings.maxSeverity !== undefined || settings.approvals > 0 || settings.freeze !== undefined;
}

/** The held record this release continues (same digest), or a new one that supersedes `previous`. */
function basis(previous: PendingRecord | undefined, candidate: GateCandidate, now: Date) {
  const same = previous?.digest === candidate.digest ? previous : undefined;
  return {
    repository: candidate.repository,
    tag: candidate.tag,
    digest: candidate.digest,
    pushedAt: candidate.pushedAt.toISOString(),
    trigger: same?.trigger ?? candidate.trigger,
    since: same?.since ?? now.toISOString(),
    approvals: same?.approvals ?? [],
    ...((candidate.release ?? same?.release) ? { release: candidate.release ?? same?.release } : {}),
    ...(same?.supersedes ? { supersedes: same.supersedes } : {}),
    ...(previous && !same ? { supersedes: previous.digest } : {}),
    ...(same?.scanDeadline ? { scanDeadline: same.scanDeadline } : {}),
    ...(same?.approvalDeadline ? { approvalDeadline: same.approvalDeadline } : {}),
  };
}

const after = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function scanBlock(
  fact: ScanFact,
  settings: GateSettings,
): { cause: BlockCause; reason: string } | undefined {
  if (fact.status === "failed") {
    return {
      cause: "scan-failed",
      reason: `the image's scan failed (${fact.registryStatus}${fact.description ? `: ${fact.description}` : ""}); push it again or start a scan (aws ecr start-image-scan)`,
    };
  }
  if (fact.status === "unsupported") {
    return {
      cause: "scan-unsupported",
      reason: `no scan of this image will come (${fact.registryStatus}): turn on scan on push for the repository (aws ecr put-image-scanning-configuration --image-scanning-configuration scanOnPush=true) or enhanced scanning (Amazon Inspector), then push again`,
    };
  }
  if (fact.status !== "complete" || settings.maxSeverity === undefined) return undefined;
  const verdict = scanVerdict(settings.maxSeverity, fact.counts, fact.unclassified ?? 0);
  return verdict.pass ? undefined : { cause: "scan", reason: verdict.reason };
}

/**
 * The gates' verdict for `candidate` on a Deployment with `settings`, whose ledger holds
 * `previous` (any digest). Pure: `facts.now` is the clock, `facts.scan` the image's scan if known.
 */
export function evaluateGates(
  settings: GateSettings,
  previous: PendingRecord | undefined,
  candidate: GateCandidate,
  facts: GateFacts,
): GateVerdict {
  const { now } = facts;
  const base = basis(previous, candidate, now);

  if (settings.maxSeverity !== undefined) {
    const scanDeadline = base.scanDeadline ?? after(base.since, settings.scanTimeoutMs);
    const fact = facts.scan;
    const blocked = fact ? scanBlock(fact, settings) : undefined;
    if (blocked) {
      return {
        verdict: "block",
        ...blocked,
        pending: { ...base, gate: "scan", scanDeadline },
        ...(fact ? { scan: fact } : {}),
      };
    }
    if (fact?.status !== "complete") {
      const pending: PendingRecord = { ...base, gate: "scan", scanDeadline };
      if (now.getTime() >= Date.parse(scanDeadline)) {
        return {
          verdict: "block",
          cause: "scan-timeout",
          reason: `no scan result within ${formatDuration(settings.scanTimeoutMs)} of the hold (scan-timeout): the rollout is blocked; check the repository's scanning, then push again`,
          pending,
        };
      }
      return { verdict: "hold", pending };
    }
  }

  const approved = base.approvals.length >= settings.approvals;
  if (settings.approvals > 0 && !approved) {
    const approvalDeadline = base.approvalDeadline ?? after(base.since, settings.approvalTimeoutMs);
    const pending: PendingRecord = { ...base, gate: "approval", approvalDeadline };
    if (now.getTime() >= Date.parse(approvalDeadline)) {
      return {
        verdict: "block",
        cause: "expired",
        reason: `${base.approvals.length} of ${settings.approvals} approvals by ${approvalDeadline} (approval-timeout): expired, not rolled out`,
        pending,
      };
    }
    return { verdict: "hold", pending };
  }

  if (settings.freeze !== undefined && !(settings.freezeOverride && settings.approvals > 0 && approved)) {
    const freeze = freezeAt(settings.freeze, now);
    if (freeze.frozen) {
      return { verdict: "hold", pending: { ...base, gate: "freeze", until: freeze.until.toISOString() } };
    }
  }

  const wasHeld = previous?.digest === candidate.digest;
  return {
    verdict: "go",
    approvals: base.approvals,
    ...(wasHeld && previous ? { heldSince: base.since, heldAt: previous.gate } : {}),
  };
}

/** `pending` with one more approver; the same identity twice counts once. */
export function withApproval(pending: PendingRecord, approval: Approval): PendingRecord {
  if (pending.approvals.some((existing) => existing.by === approval.by)) return pending;
  return { ...pending, approvals: [...pending.approvals, approval] };
}

/** JSON with every object's keys sorted: the same record reads the same, whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether two records say the same (so re-planning an unchanged hold writes nothing). */
export function samePending(a: PendingRecord | undefined, b: PendingRecord): boolean {
  return a !== undefined && canonical(a) === canonical(b);
}
