// Port: what the planners need to know about images in ECR. The concrete adapter wraps
// DescribeImages (AWS SDK v3); tests run it against the moto emulator.

export interface ImageDetail {
  registryId: string;
  repositoryName: string;
  /** sha256:... */
  digest: string;
  tags: string[];
  /** ECR imagePushedAt: the only ordering the rollout trusts ("never downgrade"). */
  pushedAt: Date;
}

export interface ImageRegistry {
  /** One image by digest, or undefined when ECR does not know it (deleted, wrong repository). */
  describeImage(repositoryName: string, digest: string): Promise<ImageDetail | undefined>;
  /**
   * Every image of a repository: one paginated DescribeImages, used by the reconciler. A
   * repository that does not exist lists as empty, or, with `missing: "throw"`, is a NotFoundError.
   */
  listImages(repositoryName: string, options?: { missing?: "empty" | "throw" }): Promise<ImageDetail[]>;
}
