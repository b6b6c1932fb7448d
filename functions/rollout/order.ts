// The one order between two images of a repository, used wherever the rollout decides which is
// newer (never downgrade, the reconciler's newest image). ECR's imagePushedAt comes first. It has
// one-second resolution, so two pushes in the same second tie; then, when the Deployment's policy
// is semver and both tags are versions, the higher version is newer; otherwise the digest in
// lexical order decides (arbitrary, but the same whichever event arrives first, so a tie never
// depends on delivery order and the reconciler never flips between the two). Pure.
import semver from "semver";
import type { Policy } from "./policy.js";

export interface Ordered {
  pushedAt: Date;
  /** The tag, when known (a running image pinned as `repo:tag@digest` has one). */
  tag?: string;
  /** sha256:…, when known. */
  digest?: string;
}

function version(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const parsed = semver.valid(tag.startsWith("v") ? tag.slice(1) : tag);
  return parsed ?? undefined;
}

/**
 * Negative when `a` is older than `b`, positive when newer, 0 only when nothing tells them apart
 * (same push second and no usable version or digest order, or the same digest).
 */
export function compareImages(a: Ordered, b: Ordered, policy: Policy): number {
  const byTime = a.pushedAt.getTime() - b.pushedAt.getTime();
  if (byTime !== 0) return Math.sign(byTime);
  if (policy.kind === "semver") {
    const [va, vb] = [version(a.tag), version(b.tag)];
    if (va !== undefined && vb !== undefined) {
      const byVersion = semver.compare(va, vb);
      if (byVersion !== 0) return byVersion;
    }
  }
  if (a.digest === undefined || b.digest === undefined || a.digest === b.digest) return 0;
  return a.digest < b.digest ? -1 : 1;
}

/** `name@shortdigest` order explained, for skip reasons. */
export function describeTie(policy: Policy): string {
  return policy.kind === "semver"
    ? "pushed in the same second: ordered by version, then by digest"
    : "pushed in the same second: ordered by digest";
}
