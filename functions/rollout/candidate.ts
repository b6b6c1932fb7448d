// A push as a rollout candidate. The ordering a rollout trusts is ECR's imagePushedAt, so the
// candidate exists only while ECR still describes the image, and only while the pushed tag is
// still one of that digest's tags (a tag moved on to another image since is not rolled out under
// the old digest); the release (pipeline execution and commit) is what the rollout's record and
// messages name, when the tag names one; the stage-wide quarantine is looked up with them, so
// planning stays pure.

import type { ImagePush } from "../trigger/ecrImageAction.js";
import type { PendingRecord } from "./gates/evaluate.js";
import { parseEcrRepositoryUri } from "./imageReference.js";
import type { ReleaseRef } from "./ledger.js";
import type { ImageCandidate } from "./plan.js";
import type { ImageDetail, ImageRegistry } from "./ports/imageRegistry.js";
import type { QuarantineStore } from "./ports/quarantineStore.js";
import type { BuiltRelease, Releases } from "./ports/releases.js";

/** The push as a candidate, or why it is ignored. */
export type CandidateLookup =
  | { kind: "candidate"; candidate: ImageCandidate }
  | { kind: "ignored"; reason: string };

/** Pure: the candidate for `push`, or why there is none (ECR no longer has it, or not under that tag). */
export function imageCandidate(
  push: ImagePush,
  image: ImageDetail | undefined,
  release: BuiltRelease | undefined,
  quarantined = false,
): CandidateLookup {
  if (image === undefined) {
    return { kind: "ignored", reason: `${push.repositoryName}@${push.digest} is no longer in ECR` };
  }
  if (!image.tags.includes(push.tag)) {
    return {
      kind: "ignored",
      reason: `tag ${push.tag} is not a tag of digest ${push.digest} in ECR (its tags: ${image.tags.join(", ") || "none"})`,
    };
  }
  const candidate: ImageCandidate = {
    account: push.account,
    region: push.region,
    repositoryName: push.repositoryName,
    tag: push.tag,
    digest: push.digest,
    pushedAt: image.pushedAt,
    trigger: "push",
    eventId: push.eventId,
    eventTime: push.eventTime,
    ...(release ? { release: releaseRef(release) } : {}),
    ...(quarantined ? { quarantined } : {}),
  };
  return { kind: "candidate", candidate };
}

/**
 * A held release as a candidate again (the scan result, an approval or the end of a freeze lets it
 * go): the same image, the trigger and the release it was held with. Undefined when the record's
 * repository is not an ECR repository URI (it always is when this release wrote it).
 */
export function pendingCandidate(pending: PendingRecord): ImageCandidate | undefined {
  const ecr = parseEcrRepositoryUri(pending.repository);
  if (!ecr) return undefined;
  return {
    account: ecr.account,
    region: ecr.region,
    repositoryName: ecr.repositoryName,
    tag: pending.tag,
    digest: pending.digest,
    pushedAt: new Date(pending.pushedAt),
    trigger: pending.trigger === "push" ? "push" : "reconcile",
    ...(pending.release ? { release: pending.release } : {}),
  };
}

/** How the ledger records a release: ISO timestamps, optional facts left out when unknown. */
function releaseRef(release: BuiltRelease): ReleaseRef {
  return {
    pipeline: release.pipeline,
    executionId: release.executionId,
    commit: release.commit,
    ...(release.commitSummary ? { commitSummary: release.commitSummary } : {}),
    ...(release.commitCreatedAt ? { commitCreatedAt: release.commitCreatedAt.toISOString() } : {}),
    executionUrl: release.executionUrl,
  };
}

/** Looks the push up in ECR, in the pipelines and in the stage's quarantine (at once), then plans the candidate. */
export async function lookUpCandidate(
  push: ImagePush,
  ports: { registry: (account: string) => ImageRegistry; releases: Releases; quarantine: QuarantineStore },
): Promise<CandidateLookup> {
  const [image, release, quarantined] = await Promise.all([
    ports.registry(push.account).describeImage(push.repositoryName, push.digest),
    ports.releases.forImageTag(push.tag),
    ports.quarantine.isQuarantined(push.account, push.repositoryName, push.digest),
  ]);
  return imageCandidate(push, image, release, quarantined);
}
