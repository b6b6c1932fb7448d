// ImageRegistry over ECR DescribeImages (AWS SDK v3). One image by digest for the push path;
// every image of a repository, a page at a time, for the reconciler. Throttling (ThrottlingException),
// 5xx and timeouts are retried here with full-jitter backoff (shared/retry.ts), within the
// invocation's time when `until` is given; give the client maxAttempts 1 so the SDK does not
// retry as well. A repository that does not exist is, where the caller asks, a NotFoundError:
// the reconciler reports it on the Deployments that name it, and retrying would not help.
import {
  DescribeImagesCommand,
  type ECRClient,
  type ImageDetail as EcrImageDetail,
} from "@aws-sdk/client-ecr";
import type { ImageDetail, ImageRegistry } from "../../rollout/ports/imageRegistry.js";
import { type RetryOptions, retry } from "../../shared/retry.js";
import { NotFoundError, ThrottledError } from "../../types/errors.js";
import { toDeliveryError } from "../aws/awsErrors.js";

/** DescribeImages' maximum page size. */
const PAGE_SIZE = 1000;

export const DEFAULT_ECR_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

export class EcrImageRegistry implements ImageRegistry {
  constructor(
    private readonly client: ECRClient,
    /** The registry (account id) to read; undefined = the caller's own account. */
    private readonly registryId?: string,
    private readonly retryOptions: RetryOptions = DEFAULT_ECR_RETRY,
  ) {}

  async describeImage(repositoryName: string, digest: string): Promise<ImageDetail | undefined> {
    return retry(async () => {
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
        if (isImageNotFound(error) || isRepositoryNotFound(error)) return undefined;
        throw toEcrError(error, repositoryName);
      }
    }, this.retryOptions);
  }

  /**
   * Every page in turn, each retried on its own: a throttled page 7 of 12 is asked again, not the
   * whole listing, so ECR sees repositories × pages calls plus the retries, never more.
   */
  async listImages(
    repositoryName: string,
    options: { missing?: "empty" | "throw" } = {},
  ): Promise<ImageDetail[]> {
    const images: ImageDetail[] = [];
    let nextToken: string | undefined;
    do {
      const page = await retry(async () => {
        try {
          return await this.client.send(
            new DescribeImagesCommand({
              registryId: this.registryId,
              repositoryName,
              maxResults: PAGE_SIZE,
              ...(nextToken ? { nextToken } : {}),
            }),
          );
        } catch (error) {
          if (isRepositoryNotFound(error)) {
            if (options.missing !== "throw") return undefined;
            throw new NotFoundError(
              `ECR repository ${repositoryName} does not exist${this.registryId ? ` in registry ${this.registryId}` : ""} (ecr:DescribeImages: RepositoryNotFoundException)`,
              { cause: error },
            );
          }
          if (isImageNotFound(error)) return undefined;
          throw toEcrError(error, repositoryName);
        }
      }, this.retryOptions);
      if (page === undefined) return [];
      for (const image of page.imageDetails ?? []) {
        const detail = toImageDetail(image, repositoryName);
        if (detail) images.push(detail);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return images;
  }
}

/** ThrottlingException is a ThrottledError (retried with backoff); the rest as every AWS adapter maps them. */
function toEcrError(error: unknown, repositoryName: string): Error {
  const permission = `ecr:DescribeImages on ${repositoryName}`;
  const name = error instanceof Error ? error.name : "";
  if (name === "ThrottlingException" || name === "TooManyRequestsException") {
    return new ThrottledError(`${permission}: throttled (${name})`, undefined, { cause: error });
  }
  return toDeliveryError(error, permission);
}

function isImageNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === "ImageNotFoundException";
}

function isRepositoryNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === "RepositoryNotFoundException";
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
