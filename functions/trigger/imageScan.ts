// The two EventBridge events that say an image's vulnerability scan is done, parsed into one
// ScanResult:
// - "ECR Image Scan" (source aws.ecr): ECR basic scanning, as documented in "Amazon ECR events and
//   EventBridge", https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html
//   ("Event for a completed image scan (basic scanning)"). `detail.repository-name` is the bare
//   repository name; `finding-severity-counts` names only the severities that have findings.
// - "Inspector2 Scan" (source aws.inspector2): Amazon Inspector's initial scan of an image under
//   ECR enhanced scanning, as documented in
//   https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-events.html and
//   https://docs.aws.amazon.com/inspector/latest/user/eventbridge-integration.html#event-initial-scan.
//   `detail.repository-name` is the repository's ARN, `scan-status` is INITIAL_SCAN_COMPLETE, and
//   `finding-severity-counts` itemises only CRITICAL, HIGH and MEDIUM, plus a TOTAL: the rest
//   (LOW, INFORMATIONAL, UNTRIAGED) arrives as `unclassified` (rollout/gates/scan.ts decides what
//   that means). Inspector sends the same detail-type for EC2 instances, Lambda functions and
//   machine images: those are ignored, not rejected (the rule's pattern keeps them out anyway).
//
// Unknown fields are allowed; every field read is validated, and a malformed event is rejected
// naming the field (InvalidEventError, as every parser here). A severity key the parser does not
// know is never dropped: in a basic scan's counts it counts as UNDEFINED (unknown severity); in
// Inspector's it is part of TOTAL, so of `unclassified`.
import * as z from "zod";
import { type SeverityCounts, severityCounts } from "../rollout/gates/scan.js";
import { OCI_TAG } from "./ecrImageAction.js";
import { eventBridgeEnvelope, eventBridgeHeadOf, parseWith } from "./envelopes.js";

export const ECR_IMAGE_SCAN = "ECR Image Scan";
export const INSPECTOR_SCAN = "Inspector2 Scan";

/** The repositoryName pattern of the ECR API reference; 2 to 256 characters. */
export const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const repositoryName = z
  .string()
  .min(2, "must be an ECR repository name of 2 to 256 characters")
  .max(256, "must be an ECR repository name of 2 to 256 characters")
  .regex(ECR_REPOSITORY_NAME, "must be an ECR repository name: lowercase segments separated by / . _ -");

const repositoryArnPattern = /^arn:(aws[a-z-]*):ecr:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):repository\/(.+)$/;

/** An ECR repository ARN → the registry's region and account and the repository name. */
const repositoryArn = z
  .string()
  .max(400, "must be an ECR repository ARN")
  .transform((arn, context) => {
    const match = repositoryArnPattern.exec(arn);
    const [, , region, account, name] = match ?? [];
    if (!region || !account || !name || !repositoryName.safeParse(name).success) {
      context.addIssue({
        code: "custom",
        message: "must be an ECR repository ARN: arn:<partition>:ecr:<region>:<account>:repository/<name>",
      });
      return z.NEVER;
    }
    return { region, account, name };
  });

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>");

const imageTags = z.array(z.string().regex(OCI_TAG, "must be an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"));

const count = z.number().int("must be a whole number").nonnegative("must not be negative");

/** Absent severities have no findings; unknown keys must still be counts (they are not dropped). */
const basicCounts = z
  .object({
    CRITICAL: count.optional(),
    HIGH: count.optional(),
    MEDIUM: count.optional(),
    LOW: count.optional(),
    INFORMATIONAL: count.optional(),
    UNDEFINED: count.optional(),
  })
  .catchall(count);

const inspectorCounts = z
  .object({
    CRITICAL: count.optional(),
    HIGH: count.optional(),
    MEDIUM: count.optional(),
    LOW: count.optional(),
    INFORMATIONAL: count.optional(),
    UNTRIAGED: count.optional(),
    TOTAL: count.optional(),
  })
  .catchall(count)
  .superRefine((counts, context) => {
    const itemised = sum([
      counts.CRITICAL,
      counts.HIGH,
      counts.MEDIUM,
      counts.LOW,
      counts.INFORMATIONAL,
      counts.UNTRIAGED,
    ]);
    if (counts.TOTAL !== undefined && counts.TOTAL < itemised) {
      context.addIssue({
        code: "custom",
        path: ["TOTAL"],
        message: `must be at least the sum of the counts by severity (${itemised})`,
      });
    }
  });

const ecrImageScanSchema = eventBridgeEnvelope({
  "detail-type": z.literal(ECR_IMAGE_SCAN),
  source: z.literal("aws.ecr"),
  detail: z.looseObject({
    "scan-status": z.enum(["COMPLETE", "FAILED"]),
    "repository-name": repositoryName,
    "image-digest": digest,
    "image-tags": imageTags.optional(),
    // Absent when the scan found nothing (and on a failed scan).
    "finding-severity-counts": basicCounts.optional(),
  }),
});

const inspectorScanSchema = eventBridgeEnvelope({
  "detail-type": z.literal(INSPECTOR_SCAN),
  source: z.literal("aws.inspector2"),
  detail: z.looseObject({
    "scan-status": z.enum(["INITIAL_SCAN_COMPLETE"]),
    "repository-name": repositoryArn,
    "image-digest": digest,
    "image-tags": imageTags.optional(),
    "finding-severity-counts": inspectorCounts,
  }),
});

/** Enough of an Inspector2 Scan event to tell an ECR image's from an instance's or a function's. */
const inspectorHead = z.looseObject({
  source: z.literal("aws.inspector2"),
  detail: z.looseObject({}),
});

export interface ScanResult {
  kind: "scan";
  eventId: string;
  source: "ecr-basic" | "inspector";
  /** The registry's account: the envelope's for ECR, the repository ARN's for Inspector. */
  account: string;
  /** The registry's region, likewise. */
  region: string;
  repositoryName: string;
  digest: string;
  /** The image's tags when the scan ran (informational: the rollout goes by digest). */
  tags: string[];
  status: "complete" | "failed";
  /** Findings per severity, every severity present. */
  counts: SeverityCounts;
  /**
   * Findings counted in Inspector's TOTAL but not itemised by severity (LOW, INFORMATIONAL or
   * UNTRIAGED); always 0 for ECR basic scanning, whose counts itemise every severity.
   */
  unclassified: number;
  /** When EventBridge saw the scan end (the envelope's `time`). */
  at: Date;
}

export interface IgnoredScanEvent {
  kind: "ignored";
  eventId: string;
  reason: string;
}

export type ScanEvent = ScanResult | IgnoredScanEvent;

/**
 * An "ECR Image Scan" or "Inspector2 Scan" event → its ScanResult, or an IgnoredScanEvent for an
 * Inspector scan of something that is not an ECR image. Throws InvalidEventError for anything
 * else, naming the first field at fault.
 */
export function parseImageScan(event: unknown): ScanEvent {
  const { eventId, detailType } = eventBridgeHeadOf(event);
  if (detailType === INSPECTOR_SCAN) return parseInspectorScan(event, eventId);
  return parseEcrImageScan(event);
}

function parseEcrImageScan(event: unknown): ScanResult {
  const parsed = parseWith(ecrImageScanSchema, event, "not an ECR Image Scan event");
  const { detail } = parsed;
  const { CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED, ...unknown } =
    detail["finding-severity-counts"] ?? {};
  const unknownCount = sum(Object.values(unknown));
  return {
    kind: "scan",
    eventId: parsed.id,
    source: "ecr-basic",
    account: parsed.account,
    region: parsed.region,
    repositoryName: detail["repository-name"],
    digest: detail["image-digest"],
    tags: detail["image-tags"] ?? [],
    status: detail["scan-status"] === "COMPLETE" ? "complete" : "failed",
    counts: severityCounts({
      CRITICAL,
      HIGH,
      MEDIUM,
      LOW,
      INFORMATIONAL,
      UNDEFINED: (UNDEFINED ?? 0) + unknownCount,
    }),
    unclassified: 0,
    at: new Date(parsed.time),
  };
}

function parseInspectorScan(event: unknown, eventId: string): ScanEvent {
  const head = inspectorHead.safeParse(event);
  if (head.success && !("repository-name" in head.data.detail) && !("image-digest" in head.data.detail)) {
    return { kind: "ignored", eventId, reason: "Inspector2 Scan of a resource that is not an ECR image" };
  }
  const parsed = parseWith(inspectorScanSchema, event, "not an Inspector2 Scan event of an ECR image");
  const { detail } = parsed;
  const counts = detail["finding-severity-counts"];
  const itemised = severityCounts({
    CRITICAL: counts.CRITICAL,
    HIGH: counts.HIGH,
    MEDIUM: counts.MEDIUM,
    LOW: counts.LOW,
    INFORMATIONAL: counts.INFORMATIONAL,
    UNTRIAGED: counts.UNTRIAGED,
  });
  const itemisedTotal = sum(Object.values(itemised));
  const repository = detail["repository-name"];
  return {
    kind: "scan",
    eventId: parsed.id,
    source: "inspector",
    account: repository.account,
    region: repository.region,
    repositoryName: repository.name,
    digest: detail["image-digest"],
    tags: detail["image-tags"] ?? [],
    status: "complete",
    counts: itemised,
    unclassified: counts.TOTAL === undefined ? 0 : counts.TOTAL - itemisedTotal,
    at: new Date(parsed.time),
  };
}

function sum(values: readonly (number | undefined)[]): number {
  return values.reduce<number>((total, value) => total + (value ?? 0), 0);
}

// ---- the EventBridge rules ------------------------------------------------------------------

/**
 * The rule pattern for basic scanning: completed and failed scans of the given repositories (the
 * same list as the push rule's). EventBridge matches `repository-name` exactly.
 */
export function ecrImageScanEventPattern(repositories: readonly string[]) {
  return {
    source: ["aws.ecr"],
    "detail-type": [ECR_IMAGE_SCAN],
    detail: { "repository-name": [...repositories] },
  };
}

/**
 * The rule pattern for Inspector's initial scans of images in the given repositories. Inspector
 * sends the repository's ARN, so each name is matched as the ARN's suffix (`:repository/<name>`,
 * which no other repository's ARN ends with); EC2, Lambda and machine-image scans carry no
 * repository-name and never match.
 */
export function inspectorScanEventPattern(repositories: readonly string[]) {
  return {
    source: ["aws.inspector2"],
    "detail-type": [INSPECTOR_SCAN],
    detail: {
      "scan-status": ["INITIAL_SCAN_COMPLETE"],
      "repository-name": repositories.map((name) => ({ suffix: `:repository/${name}` })),
    },
  };
}
