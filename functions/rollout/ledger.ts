// "The cluster is the ledger": everything the rollout must remember between invocations lives
// in annotations on the Deployment itself. This file is the only place that knows their names
// and encodings, and the only reader of them:
// - operator settings, `rollout.coworking.dev/<setting>`: parsed strictly; a bad value is an
//   AnnotationError naming the annotation, never a silent fallback to a default;
// - the product's ledger, `status.rollout.coworking.dev/<key>`: JSON values carrying the
//   ledger version (`"v": 1`), read through zod schemas. Unreadable state is an AnnotationError
//   too, never "absent", so nothing writes over it automatically;
// - the ledger as releases before the versioned one wrote it (`rollout.coworking.dev/<key>`,
//   unversioned) is still read; every ledger write writes the whole ledger under the new keys
//   and removes the old ones (`ledgerAnnotations`).

import * as z from "zod";
import type { PodRequests } from "../cost/releaseDelta.js";
import { DURATION_SYNTAX, DurationSyntaxError, formatDuration, parseDuration } from "../shared/duration.js";
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  DEFAULT_SCAN_TIMEOUT_MS,
  type GateSettings,
  MAX_APPROVALS,
  type PendingRecord,
} from "./gates/evaluate.js";
import { FreezeSyntaxError, type FreezeWindow, parseFreeze } from "./gates/freeze.js";
import { parseMaxSeverity } from "./gates/scan.js";
import { InvalidPolicyError, type Policy, parsePolicy } from "./policy.js";

export const ENABLED_LABEL = "rollout.coworking.dev/enabled";
export const ENABLED_SELECTOR = `${ENABLED_LABEL}=true`;

/** Operator settings live under this prefix; the product's ledger under `status.` + it. */
export const SETTINGS_PREFIX = "rollout.coworking.dev/";
export const LEDGER_PREFIX = "status.rollout.coworking.dev/";

export const Annotation = {
  // set by the operator (the opt-in contract)
  policy: "rollout.coworking.dev/policy",
  containers: "rollout.coworking.dev/containers",
  autoRollback: "rollout.coworking.dev/auto-rollback",
  bakeSeconds: "rollout.coworking.dev/bake-seconds",
  drift: "rollout.coworking.dev/drift",
  paused: "rollout.coworking.dev/paused",
  mode: "rollout.coworking.dev/mode",
  freeze: "rollout.coworking.dev/freeze",
  freezeOverride: "rollout.coworking.dev/freeze-override",
  maxSeverity: "rollout.coworking.dev/max-severity",
  scanTimeout: "rollout.coworking.dev/scan-timeout",
  approvals: "rollout.coworking.dev/approvals",
  approvalTimeout: "rollout.coworking.dev/approval-timeout",
  // owned by the product: the ledger
  pushedAt: "status.rollout.coworking.dev/pushed-at",
  lastKnownGood: "status.rollout.coworking.dev/last-known-good",
  quarantined: "status.rollout.coworking.dev/quarantined",
  rollout: "status.rollout.coworking.dev/rollout",
  pending: "status.rollout.coworking.dev/pending",
  changeCause: "kubernetes.io/change-cause",
} as const;

/** Where the unversioned ledger was kept: read while present, removed by the next ledger write. */
export const LegacyAnnotation = {
  pushedAt: "rollout.coworking.dev/pushed-at",
  lastKnownGood: "rollout.coworking.dev/last-known-good",
  quarantined: "rollout.coworking.dev/quarantined",
  rollout: "rollout.coworking.dev/rollout",
} as const;

/** The `v` of every ledger value this release writes; any other version is unreadable here. */
export const LEDGER_VERSION = 1;

export type { PendingRecord } from "./gates/evaluate.js";

const DEFAULT_BAKE_SECONDS = 300;
/** One day: a longer window would let an alarm roll back a release that has long proven itself. */
export const MAX_BAKE_SECONDS = 86_400;
/** Bounded so the annotation cannot grow without limit; the oldest quarantined digests drop off. */
export const QUARANTINE_LIMIT = 20;
/** The longest a gate may wait (scan-timeout, approval-timeout): a week. */
export const MAX_GATE_TIMEOUT_MS = 7 * 86_400_000;
/** How much of a bad value a message quotes. */
const QUOTED_VALUE_LIMIT = 200;

export interface Settings {
  policy: Policy;
  /** Only these containers are updated; undefined = every container of the pushed repository. */
  containers?: string[];
  autoRollback: boolean;
  bakeSeconds: number;
  /** What the reconciler does when the running image is not the one the ledger pinned. */
  drift: DriftSetting;
  /** `paused: "true"`: no automatic rollout, rollback or drift restore; manual commands still work. */
  paused: boolean;
  /** `mode: dry-run`: plan and report what would happen, gates included, and write nothing. */
  dryRun: boolean;
  /** The release gates (gates/evaluate.ts): scan, approvals, change freeze. */
  gates: GateSettings;
}

/** `adopt`: the running image becomes the known-good one; `restore`: the pinned one is rolled back out. */
export type DriftSetting = "adopt" | "restore";

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
 * `baking` for bake-seconds, while an alarm can still roll it back) or fails. The release's
 * outcome is settled once: `succeeded` when the bake window is over, `failed` (auto-rollback off)
 * or `rolled_back` at once.
 */
export type RolloutPhase = "progressing" | "baking" | "succeeded" | "failed" | "rolled_back";

/** Which terminal notifications reached which sinks, for the release this record is about. */
export interface NoticeState {
  /** event (e.g. rollout.succeeded) → the sinks that accepted it */
  sinks: Record<string, string[]>;
  /**
   * ISO 8601: until then the invocation that wrote the ending is still reporting it, and no one
   * else re-sends; cleared by that invocation once it has tried.
   */
  leaseUntil?: string;
}

/** How the release was rolled back (the record stays, so the message can be built again). */
export interface RollbackRecord {
  reason: string;
  /** Who rolled it back, for an operator's rollback (an IAM principal ARN or slack:<user id>). */
  by?: string;
  /** container name → the known-good image it went back to */
  to: Record<string, string>;
  /** Set when the stage-wide quarantine could not be written. */
  quarantineError?: string;
}

/** A running image the operator changed, adopted as this Deployment's pinned image. */
export interface AdoptedImages {
  images: Record<string, string>;
  at: string;
  /** The field manager that changed it, e.g. `kubectl-set (Update)`. */
  by?: string;
}

export interface RolloutRecord {
  phase: RolloutPhase;
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
  trigger: "push" | "reconcile" | "drift";
  eventId?: string;
  eventTime?: string;
  release?: ReleaseRef;
  /** When a failure or a rollback was written. */
  endedAt?: string;
  /** Why it failed (auto-rollback off). */
  failure?: string;
  /** When the outcome was settled (succeeded, failed, rolled_back): its DORA figures count then, once. */
  settledAt?: string;
  rollback?: RollbackRecord;
  /**
   * Absent in records written before delivery was tracked: their notifications count as sent.
   * Every ending this release writes sets it.
   */
  notified?: NoticeState;
  adopted?: AdoptedImages;
  /** The identities that approved this release (approval gate). */
  approvedBy?: string[];
  /** When a gate first held this release: lead time is reported with and without the wait. */
  heldSince?: string;
  /** The gate that held it last, before it rolled out. */
  heldAt?: "scan" | "approval" | "freeze";
}

export interface Ledger {
  pushedAt?: Date;
  lastKnownGood?: KnownGood;
  /** Digests that failed on this Deployment, oldest first. */
  quarantined: string[];
  rollout?: RolloutRecord;
  pending?: PendingRecord;
}

/** An annotation the product refuses to act on: which one, its value, and what is wrong with it. */
export interface AnnotationRefusal {
  annotation: string;
  /** The value as found (at most 200 characters of it). */
  value: string;
  /** `setting`: an operator setting that is invalid; `ledger`: the product's own state, unreadable. */
  source: "setting" | "ledger";
  problem: string;
}

/** Thrown by the readers here; planners turn it into a refusal (no write, reported). */
export class AnnotationError extends Error {
  constructor(readonly refusal: AnnotationRefusal) {
    super(describeRefusal(refusal));
    this.name = "AnnotationError";
  }
}

/** `<annotation> "<value>": <problem>`, how results, logs and notifications name a refusal. */
export function describeRefusal(refusal: AnnotationRefusal): string {
  return `${refusal.annotation} ${JSON.stringify(refusal.value)}: ${refusal.problem}`;
}

function refuse(
  annotation: string,
  value: string,
  source: AnnotationRefusal["source"],
  problem: string,
): never {
  const quoted = value.length > QUOTED_VALUE_LIMIT ? `${value.slice(0, QUOTED_VALUE_LIMIT)}…` : value;
  throw new AnnotationError({ annotation, value: quoted, source, problem });
}

// ---- operator settings ---------------------------------------------------------------------

/** A Kubernetes container name: an RFC 1123 label. */
const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Plain decimal digits: no sign, no exponent, no hex, no spaces. */
const DECIMAL = /^[0-9]{1,9}$/;

function readContainers(text: string): string[] {
  const names = text.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!CONTAINER_NAME.test(name)) {
      refuse(
        Annotation.containers,
        text,
        "setting",
        name === ""
          ? "must be a comma list of container names, with no empty entry"
          : `"${name.slice(0, 63)}" is not a container name (lower-case letters, digits and '-', at most 63)`,
      );
    }
  }
  return names;
}

function readBoolean(annotation: string, text: string | undefined): boolean {
  if (text !== undefined && text !== "true" && text !== "false") {
    refuse(annotation, text, "setting", 'must be "true" or "false"');
  }
  return text === "true";
}

function readMode(text: string | undefined): boolean {
  if (text !== undefined && text !== "live" && text !== "dry-run") {
    refuse(Annotation.mode, text, "setting", 'must be "live" or "dry-run"');
  }
  return text === "dry-run";
}

function readFreeze(text: string): FreezeWindow[] {
  try {
    return parseFreeze(text);
  } catch (error) {
    if (!(error instanceof FreezeSyntaxError)) throw error;
    return refuse(Annotation.freeze, text, "setting", error.message);
  }
}

function readDurationSetting(
  annotation: string,
  text: string | undefined,
  fallback: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error;
    return refuse(annotation, text, "setting", `must be ${DURATION_SYNTAX}: ${error.problem}`);
  }
  if (ms > max) refuse(annotation, text, "setting", `must be at most ${formatDuration(max)}`);
  return ms;
}

/** The gate settings; each absent annotation is its gate switched off (or its default timeout). */
function readGates(annotations: Record<string, string>): GateSettings {
  const maxSeverityText = annotations[Annotation.maxSeverity];
  const severity = parseMaxSeverity(maxSeverityText);
  if (!severity.valid) refuse(Annotation.maxSeverity, maxSeverityText ?? "", "setting", severity.problem);
  const approvalsText = annotations[Annotation.approvals];
  const approvals =
    approvalsText === undefined ? 0 : DECIMAL.test(approvalsText) ? Number(approvalsText) : Number.NaN;
  if (!Number.isSafeInteger(approvals) || approvals < 0 || approvals > MAX_APPROVALS) {
    refuse(
      Annotation.approvals,
      approvalsText ?? "",
      "setting",
      `must be a whole number of distinct approvers from 0 to ${MAX_APPROVALS}, in plain decimal digits`,
    );
  }
  const override = annotations[Annotation.freezeOverride];
  if (override !== undefined && override !== "approval" && override !== "none") {
    refuse(Annotation.freezeOverride, override, "setting", 'must be "approval" or "none"');
  }
  const freezeText = annotations[Annotation.freeze];
  const freeze = freezeText === undefined ? undefined : readFreeze(freezeText);
  return {
    ...(severity.valid && severity.maxSeverity ? { maxSeverity: severity.maxSeverity } : {}),
    scanTimeoutMs: readDurationSetting(
      Annotation.scanTimeout,
      annotations[Annotation.scanTimeout],
      DEFAULT_SCAN_TIMEOUT_MS,
      MAX_GATE_TIMEOUT_MS,
    ),
    approvals,
    approvalTimeoutMs: readDurationSetting(
      Annotation.approvalTimeout,
      annotations[Annotation.approvalTimeout],
      DEFAULT_APPROVAL_TIMEOUT_MS,
      MAX_GATE_TIMEOUT_MS,
    ),
    ...(freeze ? { freeze } : {}),
    freezeOverride: override === "approval",
  };
}

function readBakeSeconds(text: string): number {
  const seconds = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds > MAX_BAKE_SECONDS) {
    refuse(
      Annotation.bakeSeconds,
      text,
      "setting",
      `must be a whole number of seconds from 0 to ${MAX_BAKE_SECONDS}, in plain decimal digits`,
    );
  }
  return seconds;
}

/**
 * The operator's settings; an absent annotation takes its documented default, a present one must
 * be valid. Throws AnnotationError naming the first bad annotation (policy, containers,
 * auto-rollback, bake-seconds, drift, paused, mode, freeze, in that order).
 */
export function readSettings(annotations: Record<string, string>): Settings {
  const policyText = annotations[Annotation.policy];
  let policy: Policy;
  try {
    policy = parsePolicy(policyText);
  } catch (error) {
    if (!(error instanceof InvalidPolicyError)) throw error;
    return refuse(Annotation.policy, policyText ?? "", "setting", error.message);
  }
  const containersText = annotations[Annotation.containers];
  const containers = containersText === undefined ? undefined : readContainers(containersText);
  const autoRollback = annotations[Annotation.autoRollback];
  if (autoRollback !== undefined && autoRollback !== "true" && autoRollback !== "false") {
    refuse(Annotation.autoRollback, autoRollback, "setting", 'must be "true" or "false"');
  }
  const bakeText = annotations[Annotation.bakeSeconds];
  const bakeSeconds = bakeText === undefined ? DEFAULT_BAKE_SECONDS : readBakeSeconds(bakeText);
  const drift = annotations[Annotation.drift];
  if (drift !== undefined && drift !== "adopt" && drift !== "restore") {
    refuse(Annotation.drift, drift, "setting", 'must be "adopt" or "restore"');
  }
  const paused = readBoolean(Annotation.paused, annotations[Annotation.paused]);
  const dryRun = readMode(annotations[Annotation.mode]);
  const gates = readGates(annotations);
  return {
    policy,
    ...(containers ? { containers } : {}),
    autoRollback: autoRollback !== "false",
    bakeSeconds,
    drift: drift ?? "adopt",
    paused,
    dryRun,
    gates,
  };
}

// ---- the ledger: schemas -------------------------------------------------------------------

const instant = z.iso.datetime({ offset: true });
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>");
const images = z.record(z.string().min(1), z.string().min(1));

const knownGoodShape = z.object({ images, pushedAt: instant.optional() });

const releaseShape = z.object({
  pipeline: z.string(),
  executionId: z.string(),
  commit: z.string(),
  commitSummary: z.string().optional(),
  commitCreatedAt: z.string().optional(),
  executionUrl: z.string().optional(),
});

const rolloutShape = z.object({
  phase: z.enum(["progressing", "baking", "succeeded", "failed", "rolled_back"]),
  repository: z.string().min(1),
  tag: z.string().min(1),
  digest,
  pushedAt: instant,
  startedAt: instant,
  completedAt: instant.optional(),
  from: images,
  to: images,
  fromRequests: z.object({ cpuCores: z.number(), memoryGiB: z.number() }).optional(),
  generation: z.number().int().nonnegative().optional(),
  trigger: z.enum(["push", "reconcile", "drift"]),
  eventId: z.string().optional(),
  eventTime: z.string().optional(),
  release: releaseShape.optional(),
  endedAt: instant.optional(),
  failure: z.string().optional(),
  settledAt: instant.optional(),
  rollback: z
    .object({
      reason: z.string(),
      to: images,
      quarantineError: z.string().optional(),
      by: z.string().optional(),
    })
    .optional(),
  notified: z
    .object({
      sinks: z.record(z.string().min(1), z.array(z.string().min(1))),
      leaseUntil: instant.optional(),
    })
    .optional(),
  adopted: z.object({ images, at: instant, by: z.string().optional() }).optional(),
  approvedBy: z.array(z.string().min(1).max(512)).max(MAX_APPROVALS).optional(),
  heldSince: instant.optional(),
  heldAt: z.enum(["scan", "approval", "freeze"]).optional(),
});

const pendingShape = z.object({
  repository: z.string().min(1),
  tag: z.string().min(1),
  digest,
  pushedAt: instant,
  trigger: z.enum(["push", "reconcile", "drift"]),
  since: instant,
  gate: z.enum(["scan", "approval", "freeze"]),
  until: instant.optional(),
  scanDeadline: instant.optional(),
  approvalDeadline: instant.optional(),
  approvals: z.array(z.object({ by: z.string().min(1).max(512), at: instant })).max(MAX_APPROVALS),
  supersedes: digest.optional(),
  release: releaseShape.optional(),
});

const versioned = <S extends z.ZodRawShape>(shape: S) => z.object({ v: z.literal(LEDGER_VERSION), ...shape });

/** Version 1, under `status.rollout.coworking.dev/…`. */
const current = {
  pushedAt: versioned({ pushedAt: instant }),
  lastKnownGood: versioned(knownGoodShape.shape),
  quarantined: versioned({ digests: z.array(digest).max(1000) }),
  rollout: versioned(rolloutShape.shape),
  pending: versioned(pendingShape.shape),
};

/** Unversioned, under `rollout.coworking.dev/…`: as the release before the versioned ledger wrote it. */
const legacy = {
  pushedAt: instant,
  lastKnownGood: knownGoodShape,
  quarantined: z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    )
    .pipe(z.array(digest)),
  rollout: rolloutShape,
};

type LegacyKey = keyof typeof LegacyAnnotation;
/** The pending record has no unversioned predecessor. */
type LedgerKey = LegacyKey | "pending";

function problemOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : ""}${issue.message}`)
    .join("; ");
}

function readVersioned<S extends z.ZodType>(
  key: LedgerKey,
  annotations: Record<string, string>,
  schema: S,
): z.output<S> | undefined {
  const annotation = Annotation[key];
  const text = annotations[annotation];
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse(annotation, text, "ledger", "is not JSON");
  }
  const version = (json as { v?: unknown } | null)?.v;
  if (typeof json === "object" && json !== null && version !== undefined && version !== LEDGER_VERSION) {
    refuse(
      annotation,
      text,
      "ledger",
      `ledger version ${JSON.stringify(version)} is not one this release reads (${LEDGER_VERSION})`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) refuse(annotation, text, "ledger", problemOf(parsed.error));
  return parsed.data;
}

function readLegacy<S extends z.ZodType>(
  key: LegacyKey,
  annotations: Record<string, string>,
  schema: S,
  json: boolean,
): z.output<S> | undefined {
  const annotation = LegacyAnnotation[key];
  const text = annotations[annotation];
  if (text === undefined) return undefined;
  let value: unknown = text;
  if (json) {
    try {
      value = JSON.parse(text);
    } catch {
      return refuse(annotation, text, "ledger", "is not JSON");
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) refuse(annotation, text, "ledger", problemOf(parsed.error));
  return parsed.data;
}

function withoutVersion<T extends { v: number }>(value: T | undefined): Omit<T, "v"> | undefined {
  if (value === undefined) return undefined;
  const { v: _version, ...rest } = value;
  return rest;
}

// ---- the ledger: reading -------------------------------------------------------------------

/**
 * The ledger, from the versioned keys, else from the unversioned ones an earlier release wrote.
 * Where both are present (a hand edit, or an older release still running during an upgrade),
 * the versioned record wins, except where the safe answer is the union: every quarantined digest
 * counts, and the never-downgrade floor is the later of the two. Throws AnnotationError for any
 * ledger annotation it cannot read: unreadable state is never taken for absent state.
 */
export function readLedger(annotations: Record<string, string>): Ledger {
  const pushedAtNew = readVersioned("pushedAt", annotations, current.pushedAt)?.pushedAt;
  const pushedAtOld = readLegacy("pushedAt", annotations, legacy.pushedAt, false);
  const lastKnownGood =
    withoutVersion(readVersioned("lastKnownGood", annotations, current.lastKnownGood)) ??
    readLegacy("lastKnownGood", annotations, legacy.lastKnownGood, true);
  const rollout =
    withoutVersion(readVersioned("rollout", annotations, current.rollout)) ??
    readLegacy("rollout", annotations, legacy.rollout, true);
  const pending = withoutVersion(readVersioned("pending", annotations, current.pending));
  const quarantinedOld = readLegacy("quarantined", annotations, legacy.quarantined, false) ?? [];
  const quarantinedNew = readVersioned("quarantined", annotations, current.quarantined)?.digests ?? [];
  const floors = [pushedAtNew, pushedAtOld].filter((at) => at !== undefined).map((at) => new Date(at));
  const pushedAt = floors.sort((a, b) => b.getTime() - a.getTime())[0];
  return {
    ...(pushedAt ? { pushedAt } : {}),
    ...(lastKnownGood ? { lastKnownGood: lastKnownGood as KnownGood } : {}),
    quarantined: [...new Set([...quarantinedOld, ...quarantinedNew])],
    ...(rollout ? { rollout: rollout as RolloutRecord } : {}),
    ...(pending ? { pending: pending as PendingRecord } : {}),
  };
}

export type LedgerRead = { ok: true; ledger: Ledger } | { ok: false; refusal: AnnotationRefusal };

/** readLedger without the throw, for readers that branch on it. */
export function tryReadLedger(annotations: Record<string, string>): LedgerRead {
  try {
    return { ok: true, ledger: readLedger(annotations) };
  } catch (error) {
    if (error instanceof AnnotationError) return { ok: false, refusal: error.refusal };
    throw error;
  }
}

/**
 * Whether a completed release is past its bake window: a settled success always is; a release
 * still `baking` is once bake-seconds have passed since completion.
 */
export function isBakeOver(record: RolloutRecord, bakeSeconds: number, now: Date): boolean {
  if (record.phase === "succeeded") return true;
  if (record.phase !== "baking" || record.completedAt === undefined) return false;
  return now.getTime() - new Date(record.completedAt).getTime() >= bakeSeconds * 1000;
}

/** The phases whose outcome is settled: nothing about the release changes any more. */
export function isSettled(record: RolloutRecord): boolean {
  return record.phase === "succeeded" || record.phase === "failed" || record.phase === "rolled_back";
}

/** The notification that says how the release ended, once it has; undefined while progressing. */
export function terminalEvent(record: RolloutRecord): string | undefined {
  switch (record.phase) {
    case "baking":
    case "succeeded":
      return "rollout.succeeded";
    case "failed":
      return "rollout.failed";
    case "rolled_back":
      return "rollout.rolled_back";
    default:
      return undefined;
  }
}

/**
 * The images the ledger says should run (container → image): the last rollout's `to` (with what
 * was adopted since) once it completed or was left failed, the last known-good after a rollback
 * or when the product never rolled out; undefined while a rollout is in progress.
 */
export function pinnedImages(ledger: Ledger): Record<string, string> | undefined {
  const record = ledger.rollout;
  if (record === undefined || record.phase === "rolled_back") {
    return ledger.lastKnownGood && { ...ledger.lastKnownGood.images };
  }
  if (record.phase === "progressing") return undefined;
  return { ...record.to, ...record.adopted?.images };
}

// ---- the ledger: writing -------------------------------------------------------------------

const encode = (value: object): string => JSON.stringify({ v: LEDGER_VERSION, ...value });

export function encodePushedAt(pushedAt: Date | string): string {
  return encode({ pushedAt: typeof pushedAt === "string" ? pushedAt : pushedAt.toISOString() });
}

export function encodeKnownGood(knownGood: KnownGood): string {
  return encode(knownGood);
}

export function encodeRollout(record: RolloutRecord): string {
  return encode(record);
}

export function encodePending(record: PendingRecord): string {
  return encode(record);
}

export function encodeQuarantine(digests: string[]): string {
  return encode({ digests });
}

/** `existing` plus `digest` (moved to the end), the oldest dropped beyond the limit. */
export function addQuarantined(existing: string[], digest: string): string[] {
  return [...existing.filter((known) => known !== digest), digest].slice(-QUARANTINE_LIMIT);
}

/**
 * The annotations of a ledger write: the whole ledger `next` under the versioned keys (null
 * removes an entry), and null for every unversioned key the Deployment still carries, so the
 * first write after an upgrade migrates it. Only product keys are ever named.
 */
export function ledgerAnnotations(
  annotations: Record<string, string>,
  next: Ledger,
): Record<string, string | null> {
  const written: Record<string, string | null> = {
    [Annotation.pushedAt]: next.pushedAt ? encodePushedAt(next.pushedAt) : null,
    [Annotation.lastKnownGood]: next.lastKnownGood ? encodeKnownGood(next.lastKnownGood) : null,
    [Annotation.quarantined]: next.quarantined.length > 0 ? encodeQuarantine(next.quarantined) : null,
    [Annotation.rollout]: next.rollout ? encodeRollout(next.rollout) : null,
    [Annotation.pending]: next.pending ? encodePending(next.pending) : null,
  };
  for (const old of Object.values(LegacyAnnotation)) {
    if (old in annotations) written[old] = null;
  }
  return written;
}
