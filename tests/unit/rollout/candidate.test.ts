import { imageCandidate } from "../../../functions/rollout/candidate.js";
import type { ImagePush } from "../../../functions/trigger/ecrImageAction.js";
import { digest } from "./deployments.js";

const push: ImagePush = {
  kind: "push",
  eventId: "evt-1",
  account: "123456789012",
  region: "us-east-1",
  repositoryName: "api",
  digest: digest("b"),
  tag: "0123456789abcdef0123456789abcdef01234567",
  eventTime: new Date("2026-11-02T10:00:05.000Z"),
};
const image = {
  registryId: "123456789012",
  repositoryName: "api",
  digest: digest("b"),
  tags: [push.tag],
  pushedAt: new Date("2026-11-02T10:00:00.000Z"),
};

describe("imageCandidate", () => {
  it("orders by ECR's imagePushedAt, not the event's time, and names the release that built it", () => {
    const candidate = imageCandidate(push, image, {
      pipeline: "coworking-analytics",
      executionId: "exec-9",
      commit: push.tag,
      commitCreatedAt: new Date("2026-11-02T09:00:00.000Z"),
      executionUrl: "https://console.aws.amazon.com/exec-9",
    });
    expect(candidate).toEqual({
      account: "123456789012",
      region: "us-east-1",
      repositoryName: "api",
      tag: push.tag,
      digest: digest("b"),
      pushedAt: image.pushedAt,
      trigger: "push",
      eventId: "evt-1",
      eventTime: push.eventTime,
      release: {
        pipeline: "coworking-analytics",
        executionId: "exec-9",
        commit: push.tag,
        commitCreatedAt: "2026-11-02T09:00:00.000Z",
        executionUrl: "https://console.aws.amazon.com/exec-9",
      },
    });
  });

  it("is nothing when ECR no longer has the image; has no release when the tag names none", () => {
    expect(imageCandidate(push, undefined, undefined)).toBeUndefined();
    expect(imageCandidate(push, image, undefined)).not.toHaveProperty("release");
  });
});
