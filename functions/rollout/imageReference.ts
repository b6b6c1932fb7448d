// Container image references: `<repository>[:<tag>][@<digest>]`, where the repository may
// start with a registry host that has a port (`host:5000/app`), so the tag is only what
// follows the last `:` after the last `/`.

export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf("@");
  const digest = at < 0 ? undefined : image.slice(at + 1);
  const named = at < 0 ? image : image.slice(0, at);
  const lastSlash = named.lastIndexOf("/");
  const colon = named.indexOf(":", lastSlash + 1);
  const repository = colon < 0 ? named : named.slice(0, colon);
  const tag = colon < 0 ? undefined : named.slice(colon + 1);
  return {
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** The pinned form the rollout writes: readable tag, immutable digest. */
export function formatImageReference(repository: string, tag: string, digest: string): string {
  return `${repository}:${tag}@${digest}`;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: the only repositories the rollout writes. */
export function ecrRepositoryUri(account: string, region: string, repositoryName: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com/${repositoryName}`;
}

/** The inverse of ecrRepositoryUri, or undefined for any other registry. */
export function parseEcrRepositoryUri(
  repository: string,
): { account: string; region: string; repositoryName: string } | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/.exec(repository);
  if (!match) return undefined;
  const [, account = "", region = "", repositoryName = ""] = match;
  return { account, region, repositoryName };
}

/** `sha256:0123456789ab…` → `0123456789ab`, for humans. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}
