// EcrImageRegistry against moto ECR: images PutImage'd with real manifests, looked up by digest,
// listed across DescribeImages pages, and the not-found cases the planners rely on.
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { EcrImageRegistry } from "../../../functions/provider/ecr/ecrImageRegistry.js";
import { harness } from "../../harness/env.js";
import { pushImage } from "../../support/ecrImages.js";

const { region, accountId } = harness();
const ecr = new ECRClient({ region });

async function pushImages(repositoryName: string, tags: string[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const tag of tags) digests.set(tag, (await pushImage(ecr, repositoryName, tag)).digest);
  return digests;
}

async function repository(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now()}`;
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  return name;
}

describe("EcrImageRegistry (moto ECR)", () => {
  it("describes one image by digest with its tags and push time", async () => {
    const name = await repository("coworking/analytics");
    const before = new Date(Date.now() - 1000);
    const digests = await pushImages(name, ["1.0.1", "1.1.0"]);
    const digest = digests.get("1.1.0") ?? "";
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const image = await new EcrImageRegistry(ecr).describeImage(name, digest);
    expect(image).toEqual({
      registryId: accountId,
      repositoryName: name,
      digest,
      tags: ["1.1.0"],
      pushedAt: expect.any(Date),
    });
    expect(image?.pushedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
  });

  it("returns undefined for an unknown digest or repository", async () => {
    const name = await repository("coworking/empty");
    const registry = new EcrImageRegistry(ecr);
    const unknown = `sha256:${"0".repeat(64)}`;
    expect(await registry.describeImage(name, unknown)).toBeUndefined();
    expect(await registry.describeImage(`${name}-absent`, unknown)).toBeUndefined();
    expect(await registry.listImages(`${name}-absent`)).toEqual([]);
  });

  it("lists every image of a repository through the DescribeImages paginator, one entry per digest", async () => {
    const name = await repository("coworking/many");
    const tags = Array.from({ length: 40 }, (_, index) => `1.0.${index}`);
    const digests = new Map<string, string>();
    for (const pushed of await Promise.all(tags.map((tag) => pushImages(name, [tag])))) {
      for (const [tag, digest] of pushed) digests.set(tag, digest);
    }
    // The same manifest pushed under a second tag is one image with two tags, as in ECR.
    const retagged = await pushImage(ecr, name, "stable", `${name}:1.0.7`);
    expect(retagged.digest).toBe(digests.get("1.0.7"));

    // moto 5.2 answers DescribeImages in a single page (it never sets nextToken), so this proves
    // the listing and mapping; following nextToken is the SDK paginator's job.
    const images = await new EcrImageRegistry(ecr).listImages(name);
    expect(images).toHaveLength(40);
    expect(new Set(images.map((image) => image.digest))).toEqual(new Set(digests.values()));
    const seven = images.find((image) => image.digest === digests.get("1.0.7"));
    expect(seven?.tags.sort()).toEqual(["1.0.7", "stable"]);
    expect(images.every((image) => image.pushedAt instanceof Date && image.repositoryName === name)).toBe(
      true,
    );
  });
});
