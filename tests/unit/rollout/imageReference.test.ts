import {
  ecrRepositoryUri,
  formatImageReference,
  parseEcrRepositoryUri,
  parseImageReference,
} from "../../../functions/rollout/imageReference.js";

describe("image references", () => {
  it.each([
    ["nginx", { repository: "nginx" }],
    ["nginx:1.27", { repository: "nginx", tag: "1.27" }],
    ["localhost:5000/app:2@sha256:abc", { repository: "localhost:5000/app", tag: "2", digest: "sha256:abc" }],
    ["localhost:5000/app@sha256:abc", { repository: "localhost:5000/app", digest: "sha256:abc" }],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:1.0.0",
      { repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api", tag: "1.0.0" },
    ],
  ])("parses %s", (image, reference) => {
    expect(parseImageReference(image)).toEqual(reference);
  });

  it("formats the pinned form and round-trips ECR repository URIs", () => {
    const uri = ecrRepositoryUri("123456789012", "us-east-1", "team/api");
    expect(formatImageReference(uri, "1.0.0", "sha256:abc")).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:1.0.0@sha256:abc",
    );
    expect(parseEcrRepositoryUri(uri)).toEqual({
      account: "123456789012",
      region: "us-east-1",
      repositoryName: "team/api",
    });
    expect(parseEcrRepositoryUri("public.ecr.aws/nginx/nginx")).toBeUndefined();
  });
});
