// The EventBridge "ECR Image Action" event, exactly as AWS documents it
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html).
// Parsing turns it into a typed push, or an "ignored" verdict with the reason to log. Whether a
// tag is admissible (e.g. `latest` under the `all` policy) is a per-Deployment plan decision.
import * as z from "zod";
import { eventBridgeEnvelope, eventBridgeHeadOf, parseWith } from "./envelopes.js";

export const ECR_IMAGE_ACTION = "ECR Image Action";
/** Pull-through-cache syncs arrive under their own detail-type; they are never our own pushes. */
export const ECR_PULL_THROUGH_CACHE_ACTION = "ECR Pull Through Cache Action";

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>");

/** The OCI distribution spec's tag grammar; absent or "" is an untagged manifest. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const imageTag = z.string().refine((tag) => tag === "" || OCI_TAG.test(tag), {
  error: "must be an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}",
});

const ecrImageActionSchema = eventBridgeEnvelope({
  "detail-type": z.literal(ECR_IMAGE_ACTION),
  source: z.literal("aws.ecr"),
  detail: z.looseObject({
    result: z.enum(["SUCCESS", "FAILURE"]),
    "repository-name": z.string().min(2).max(256),
    "image-digest": digest,
    "action-type": z.string().min(1),
    "image-tag": imageTag.optional(),
  }),
});

export type EcrImageActionEvent = z.infer<typeof ecrImageActionSchema>;

export interface ImagePush {
  kind: "push";
  eventId: string;
  account: string;
  region: string;
  repositoryName: string;
  digest: string;
  tag: string;
  /** When EventBridge saw the push; ordering uses ECR imagePushedAt, never this. */
  eventTime: Date;
}

export interface IgnoredImageEvent {
  kind: "ignored";
  eventId: string;
  reason: string;
}

export type ImageEvent = ImagePush | IgnoredImageEvent;

// Detail fields that only pull-through-cache events carry.
const PULL_THROUGH_CACHE_FIELDS = [
  "sync-status",
  "upstream-registry-url",
  "ecr-repository-prefix",
  "rule-version",
];

/** Throws InvalidEventError for anything that is not a well-formed ECR image event. */
export function parseEcrImageAction(event: unknown): ImageEvent {
  const { eventId, detailType } = eventBridgeHeadOf(event);
  if (detailType === ECR_PULL_THROUGH_CACHE_ACTION) {
    return { kind: "ignored", eventId, reason: "pull-through-cache event" };
  }
  const parsed = parseWith(ecrImageActionSchema, event, "not an ECR Image Action event");
  const { detail } = parsed;
  const ignored = (reason: string): IgnoredImageEvent => ({ kind: "ignored", eventId, reason });
  if (PULL_THROUGH_CACHE_FIELDS.some((field) => field in detail)) return ignored("pull-through-cache event");
  if (detail.result !== "SUCCESS") return ignored(`${detail["action-type"]} result ${detail.result}`);
  if (detail["action-type"] !== "PUSH") return ignored(`action-type ${detail["action-type"]} is not a push`);
  const tag = detail["image-tag"];
  if (!tag) return ignored("untagged manifest (multi-arch pushes emit these)");
  return {
    kind: "push",
    eventId,
    account: parsed.account,
    region: parsed.region,
    repositoryName: detail["repository-name"],
    digest: detail["image-digest"],
    tag,
    eventTime: new Date(parsed.time),
  };
}
