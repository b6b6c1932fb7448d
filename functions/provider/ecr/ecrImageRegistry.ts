// ImageRegistry over ECR DescribeImages (AWS SDK v3). One image by digest for the push path;
// every image of a repository, paginated, for the reconciler.
import {
  DescribeImagesCommand,
  type ECRClient,
  type ImageDetail as EcrImageDetail,
  paginateDescribeImages,
} from "@aws-sdk/client-ecr";
import type { ImageDetail, ImageRegistry } from "../../rollout/ports/imageRegistry.js";
import { toDeliveryError } from "../aws/awsErrors.js";

/** DescribeImages' maximum page size. */
const PAGE_SIZE = 1000;

export class EcrImageRegistry implements ImageRegistry {
  constructor(
    private readonly client: ECRClient,
    /** The registry (account id) to read; undefined = the caller's own account. */
    private readonly registryId?: string,
  ) {}

  async describeImage(repositoryName: string, digest: string): Promise<ImageDetail | undefined> {
    try {
      const response = await this.client.send(
        new DescribeImagesCommand({
          registryId: this.registryId,
          repositoryName,
          imageIds: [{ imageDigest: digest }],
        }),
      );
      const image = response.imageDetails?.[0];
      return image && toImageDetail(image, repositoryName);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toDeliveryError(error, `ecr:DescribeImages on ${repositoryName}`);
    }
  }

  async listImages(repositoryName: string): Promise<ImageDetail[]> {
    const images: ImageDetail[] = [];
    try {
      const pages = paginateDescribeImages(
        { client: this.client, pageSize: PAGE_SIZE },
        { registryId: this.registryId, repositoryName },
      );
      for await (const page of pages) {
        for (const image of page.imageDetails ?? []) {
          const detail = toImageDetail(image, repositoryName);
          if (detail) images.push(detail);
        }
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw toDeliveryError(error, `ecr:DescribeImages on ${repositoryName}`);
    }
    return images;
  }
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : "";
  return name === "ImageNotFoundException" || name === "RepositoryNotFoundException";
}

/** Images without a digest or push time cannot be ordered, so the planners never see them. */
function toImageDetail(image: EcrImageDetail, repositoryName: string): ImageDetail | undefined {
  if (!image.imageDigest || !image.imagePushedAt) return undefined;
  return {
    registryId: image.registryId ?? "",
    repositoryName: image.repositoryName ?? repositoryName,
    digest: image.imageDigest,
    tags: image.imageTags ?? [],
    pushedAt: image.imagePushedAt,
  };
}
