// A push as a rollout candidate. The ordering a rollout trusts is ECR's imagePushedAt, so the
// candidate exists only while ECR still describes the image; the release (pipeline execution and
// commit) is what the rollout's record and messages name, when the tag names one.

import type { ImagePush } from "../trigger/ecrImageAction.js";
import type { ReleaseRef } from "./ledger.js";
import type { ImageCandidate } from "./plan.js";
import type { ImageDetail, ImageRegistry } from "./ports/imageRegistry.js";
import type { BuiltRelease, Releases } from "./ports/releases.js";

/** Pure: the candidate for `push`, or undefined when ECR no longer has the image. */
export function imageCandidate(
  push: ImagePush,
  image: ImageDetail | undefined,
  release: BuiltRelease | undefined,
): ImageCandidate | undefined {
  if (image === undefined) return undefined;
  return {
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

/** Looks the push up in ECR and in the pipelines (at once), then plans the candidate. */
export async function lookUpCandidate(
  push: ImagePush,
  ports: { registry: (account: string) => ImageRegistry; releases: Releases },
): Promise<ImageCandidate | undefined> {
  const [image, release] = await Promise.all([
    ports.registry(push.account).describeImage(push.repositoryName, push.digest),
    ports.releases.forImageTag(push.tag),
  ]);
  return imageCandidate(push, image, release);
}
