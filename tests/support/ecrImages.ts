// Pushes images into the emulator's ECR the way `docker push` ends: PutImage with a manifest.
// Each tag gets a distinct, valid Docker v2 manifest, so each gets its own digest. Used by the
// integration tests and by the sandbox.
import { createHash, randomUUID } from "node:crypto";
import { CreateRepositoryCommand, type ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";

export interface PushedImage {
  repositoryName: string;
  tag: string;
  digest: string;
  pushedAt: Date;
}

export function demoManifest(seed: string): string {
  const blob = createHash("sha256").update(seed).digest("hex");
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: {
      mediaType: "application/vnd.docker.container.image.v1+json",
      size: 7023,
      digest: `sha256:${blob}`,
    },
    layers: [
      {
        mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        size: 32654,
        digest: `sha256:${blob}`,
      },
    ],
  });
}

export async function ensureRepository(ecr: ECRClient, repositoryName: string): Promise<void> {
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
  } catch (error) {
    if ((error as Error).name !== "RepositoryAlreadyExistsException") throw error;
  }
}

/** `seed` defaults to repository:tag; pass the same seed under two tags to push one digest twice. */
export async function pushImage(
  ecr: ECRClient,
  repositoryName: string,
  tag: string,
  seed?: string,
): Promise<PushedImage> {
  const { image } = await ecr.send(
    new PutImageCommand({
      repositoryName,
      imageTag: tag,
      imageManifest: demoManifest(seed ?? `${repositoryName}:${tag}`),
      imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
    }),
  );
  const digest = image?.imageId?.imageDigest;
  if (!digest) throw new Error(`PutImage of ${repositoryName}:${tag} returned no digest`);
  return { repositoryName, tag, digest, pushedAt: new Date() };
}

/** The "ECR Image Action" event ECR sends for a push of `image`, in the documented shape. */
export function ecrPushEvent(
  image: Pick<PushedImage, "repositoryName" | "digest" | "tag">,
  where: { accountId: string; region: string; actionType?: string; result?: string },
): Record<string, unknown> {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "ECR Image Action",
    source: "aws.ecr",
    account: where.accountId,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: where.region,
    resources: [],
    detail: {
      result: where.result ?? "SUCCESS",
      "repository-name": image.repositoryName,
      "image-digest": image.digest,
      "action-type": where.actionType ?? "PUSH",
      "image-tag": image.tag,
    },
  };
}

/** ECR's imagePushedAt has 1 s resolution: wait this long between pushes that must be ordered. */
export function afterNextPushSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1100));
}
