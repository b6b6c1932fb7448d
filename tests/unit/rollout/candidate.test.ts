import { imageCandidate, lookUpCandidate } from "../../../functions/rollout/candidate.js";
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
      kind: "candidate",
      candidate: {
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
      },
    });
  });

  it("is ignored when ECR no longer has the image; has no release when the tag names none", () => {
    expect(imageCandidate(push, undefined, undefined)).toEqual({
      kind: "ignored",
      reason: `api@${digest("b")} is no longer in ECR`,
    });
    const found = imageCandidate(push, image, undefined);
    expect(found.kind === "candidate" && found.candidate).not.toHaveProperty("release");
  });

  it("is ignored when the pushed tag is not one ECR reports for that digest", () => {
    expect(
      imageCandidate({ ...push, tag: "1.2.0" }, { ...image, tags: ["1.1.0", "stable"] }, undefined),
    ).toEqual({
      kind: "ignored",
      reason: `tag 1.2.0 is not a tag of digest ${digest("b")} in ECR (its tags: 1.1.0, stable)`,
    });
    expect(imageCandidate(push, { ...image, tags: [] }, undefined)).toMatchObject({
      kind: "ignored",
      reason: expect.stringContaining("(its tags: none)"),
    });
  });

  it("carries the stage's quarantine verdict, looked up with the image", async () => {
    const found = imageCandidate(push, image, undefined, true);
    expect(found).toMatchObject({ kind: "candidate", candidate: { quarantined: true } });
    const lookup = await lookUpCandidate(push, {
      registry: () => ({ describeImage: async () => image, listImages: async () => [] }),
      releases: { forImageTag: async () => undefined },
      quarantine: {
        isQuarantined: async (registryId, repositoryName, digestOf) =>
          registryId === push.account && repositoryName === "api" && digestOf === push.digest,
        quarantine: async () => undefined,
        list: async () => [],
        release: async () => undefined,
      },
    });
    expect(lookup).toMatchObject({ kind: "candidate", candidate: { quarantined: true } });
  });
});
