// Paging and per-page retries of listImages, against a stub ECR client that answers in
// DescribeImages' documented shape (moto answers in one page, so paging is proven here and,
// through the paging proxy, in the scale bench).
import type { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { EcrImageRegistry } from "../../../../functions/provider/ecr/ecrImageRegistry.js";
import { NotFoundError } from "../../../../functions/types/errors.js";

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

function pagedClient(pages: number, throttle: Set<number>) {
  const calls: { nextToken?: string; maxResults?: number }[] = [];
  const thrown = new Set<number>();
  const client = {
    send: async (command: DescribeImagesCommand) => {
      const input = command.input;
      calls.push({ nextToken: input.nextToken, maxResults: input.maxResults });
      const page = input.nextToken === undefined ? 0 : Number(input.nextToken);
      if (throttle.has(page) && !thrown.has(page)) {
        thrown.add(page);
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      }
      return {
        imageDetails: [
          {
            registryId: "123456789012",
            repositoryName: "api",
            imageDigest: digest(page),
            imageTags: [`1.0.${page}`],
            imagePushedAt: new Date(1_700_000_000_000 + page),
          },
        ],
        ...(page + 1 < pages ? { nextToken: String(page + 1) } : {}),
      };
    },
  };
  return { client: client as unknown as ECRClient, calls };
}

const noWait = { attempts: 4, baseDelayMs: 1, sleep: async () => undefined };

describe("EcrImageRegistry.listImages", () => {
  it("asks each page once, at the largest page size, following nextToken to the end", async () => {
    const { client, calls } = pagedClient(3, new Set());
    const images = await new EcrImageRegistry(client, undefined, noWait).listImages("api");
    expect(images.map((image) => image.tags[0])).toEqual(["1.0.0", "1.0.1", "1.0.2"]);
    expect(calls).toEqual([
      { nextToken: undefined, maxResults: 1000 },
      { nextToken: "1", maxResults: 1000 },
      { nextToken: "2", maxResults: 1000 },
    ]);
  });

  it("retries only the throttled page, not the listing from its start", async () => {
    const { client, calls } = pagedClient(3, new Set([1]));
    const images = await new EcrImageRegistry(client, undefined, noWait).listImages("api");
    expect(images).toHaveLength(3);
    expect(calls.map((call) => call.nextToken)).toEqual([undefined, "1", "1", "2"]);
  });

  it("a missing repository lists as empty, or is a NotFoundError when asked to throw", async () => {
    const missing = {
      send: async () => {
        throw Object.assign(new Error("no such repository"), { name: "RepositoryNotFoundException" });
      },
    } as unknown as ECRClient;
    const registry = new EcrImageRegistry(missing, "123456789012", noWait);
    expect(await registry.listImages("gone")).toEqual([]);
    await expect(registry.listImages("gone", { missing: "throw" })).rejects.toBeInstanceOf(NotFoundError);
  });
});
