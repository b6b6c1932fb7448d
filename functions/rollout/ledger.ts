// "The cluster is the ledger": everything the rollout must remember between invocations lives
// in annotations on the Deployment itself, under rollout.coworking.dev/. This file is the only
// place that knows their names and encodings.
import type { PodRequests } from "../cost/releaseDelta.js";
import { InvalidPolicyError, type Policy, parsePolicy } from "./policy.js";

export const ENABLED_LABEL = "rollout.coworking.dev/enabled";
export const ENABLED_SELECTOR = `${ENABLED_LABEL}=true`;

export const Annotation = {
  // set by the operator (the opt-in contract)
  policy: "rollout.coworking.dev/policy",
  containers: "rollout.coworking.dev/containers",
  autoRollback: "rollout.coworking.dev/auto-rollback",
  bakeSeconds: "rollout.coworking.dev/bake-seconds",
  // owned by the product
  pushedAt: "rollout.coworking.dev/pushed-at",
  lastKnownGood: "rollout.coworking.dev/last-known-good",
  quarantined: "rollout.coworking.dev/quarantined",
  rollout: "rollout.coworking.dev/rollout",
  changeCause: "kubernetes.io/change-cause",
} as const;

const DEFAULT_BAKE_SECONDS = 300;
/** Bounded so the annotation cannot grow without limit; the oldest quarantined digests drop off. */
export const QUARANTINE_LIMIT = 20;

export interface Settings {
  policy: Policy;
  /** Only these containers are updated; undefined = every container of the pushed repository. */
  containers?: string[];
  autoRollback: boolean;
  bakeSeconds: number;
}

export interface KnownGood {
  /** container name → image */
  images: Record<string, string>;
  /** ECR imagePushedAt of that image, ISO 8601, when known. */
  pushedAt?: string;
}

export interface ReleaseRef {
  pipeline: string;
  executionId: string;
  commit: string;
  commitSummary?: string;
  commitCreatedAt?: string;
  executionUrl?: string;
}

/**
 * The rollout the product started last. `progressing` until the Deployment completes (then
 * `baking` for bake-seconds, while an alarm can still roll it back) or fails.
 */
export interface RolloutRecord {
  phase: "progressing" | "baking" | "failed";
  repository: string;
  tag: string;
  digest: string;
  pushedAt: string;
  startedAt: string;
  completedAt?: string;
  /** container name → image before / after */
  from: Record<string, string>;
  to: Record<string, string>;
  /** Requests per pod of the template being replaced, for the release's cost delta; absent in older records. */
  fromRequests?: PodRequests;
  /** The generation the patch produced: the rollout is done when observedGeneration reaches it. */
  generation?: number;
  trigger: "push" | "reconcile";
  eventId?: string;
  eventTime?: string;
  release?: ReleaseRef;
}

export interface Ledger {
  pushedAt?: Date;
  lastKnownGood?: KnownGood;
  quarantined: string[];
  rollout?: RolloutRecord;
}

/** Throws InvalidPolicyError (the Deployment is then skipped with that reason). */
export function readSettings(annotations: Record<string, string>): Settings {
  const containers = annotations[Annotation.containers]
    ?.split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const autoRollback = (annotations[Annotation.autoRollback] ?? "true").trim();
  if (autoRollback !== "true" && autoRollback !== "false") {
    throw new InvalidPolicyError(
      `${Annotation.autoRollback} must be "true" or "false", not "${autoRollback}"`,
    );
  }
  const bakeText = annotations[Annotation.bakeSeconds];
  const bakeSeconds = bakeText === undefined ? DEFAULT_BAKE_SECONDS : Number(bakeText);
  if (!Number.isInteger(bakeSeconds) || bakeSeconds < 0) {
    throw new InvalidPolicyError(
      `${Annotation.bakeSeconds} must be a whole number of seconds, not "${bakeText}"`,
    );
  }
  return {
    policy: parsePolicy(annotations[Annotation.policy]),
    ...(containers && containers.length > 0 ? { containers } : {}),
    autoRollback: autoRollback === "true",
    bakeSeconds,
  };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    // A hand-edited, unreadable ledger entry is treated as absent rather than blocking rollouts.
    return undefined;
  }
}

export function readLedger(annotations: Record<string, string>): Ledger {
  const pushedAtText = annotations[Annotation.pushedAt];
  const pushedAt = pushedAtText === undefined ? undefined : new Date(pushedAtText);
  const lastKnownGood = parseJson<KnownGood>(annotations[Annotation.lastKnownGood]);
  const rollout = parseJson<RolloutRecord>(annotations[Annotation.rollout]);
  return {
    ...(pushedAt && !Number.isNaN(pushedAt.getTime()) ? { pushedAt } : {}),
    ...(lastKnownGood?.images ? { lastKnownGood } : {}),
    quarantined: (annotations[Annotation.quarantined] ?? "")
      .split(",")
      .map((digest) => digest.trim())
      .filter((digest) => digest !== ""),
    ...(rollout?.digest ? { rollout } : {}),
  };
}

export function isBakeOver(record: RolloutRecord, bakeSeconds: number, now: Date): boolean {
  if (record.phase !== "baking" || record.completedAt === undefined) return false;
  return now.getTime() - new Date(record.completedAt).getTime() >= bakeSeconds * 1000;
}

export function encodeKnownGood(knownGood: KnownGood): string {
  return JSON.stringify(knownGood);
}

export function encodeRollout(record: RolloutRecord): string {
  return JSON.stringify(record);
}

export function encodeQuarantine(existing: string[], digest: string): string {
  const digests = [...existing.filter((known) => known !== digest), digest];
  return digests.slice(-QUARANTINE_LIMIT).join(",");
}
