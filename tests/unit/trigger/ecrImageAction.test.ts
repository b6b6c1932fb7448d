import { readFileSync } from "node:fs";
import { parseEcrImageAction } from "../../../functions/trigger/ecrImageAction.js";
import { InvalidEventError } from "../../../functions/types/errors.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

const DIGEST = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd";

describe("parseEcrImageAction", () => {
  it("turns a documented push into a typed push", () => {
    expect(parseEcrImageAction(fixture("push.json"))).toEqual({
      kind: "push",
      eventId: "13cde686-328b-6117-af20-0e5566167482",
      account: "123456789012",
      region: "us-west-2",
      repositoryName: "my-repository-name",
      digest: DIGEST,
      tag: "1.4.0",
      eventTime: new Date("2019-11-16T01:54:34Z"),
    });
  });

  it("keeps `latest` a push: refusing it is the policy's decision", () => {
    const event = fixture("push.json");
    (event.detail as Record<string, unknown>)["image-tag"] = "latest";
    expect(parseEcrImageAction(event)).toMatchObject({ kind: "push", tag: "latest" });
  });

  it.each([
    ["delete.json", "action-type DELETE is not a push"],
    ["push-failure.json", "PUSH result FAILURE"],
    ["pull-through-cache.json", "pull-through-cache event"],
    ["untagged-push.json", "untagged manifest (multi-arch pushes emit these)"],
  ])("ignores %s with the reason %s", (name, reason) => {
    expect(parseEcrImageAction(fixture(name))).toEqual({
      kind: "ignored",
      eventId: fixture(name).id,
      reason,
    });
  });

  it("ignores an Image Action carrying pull-through-cache detail fields", () => {
    const event = fixture("push.json");
    (event.detail as Record<string, unknown>)["upstream-registry-url"] = "public.ecr.aws";
    expect(parseEcrImageAction(event)).toMatchObject({ kind: "ignored", reason: "pull-through-cache event" });
  });

  it.each([
    ["a string", "not json"],
    ["null", null],
    [
      "another detail-type",
      { ...fixture("push.json"), "detail-type": "EC2 Instance State-change Notification" },
    ],
    ["another source", { ...fixture("push.json"), source: "aws.ec2" }],
    ["a short account", { ...fixture("push.json"), account: "1234" }],
    ["a bad time", { ...fixture("push.json"), time: "yesterday" }],
    ["no resources", { ...fixture("push.json"), resources: undefined }],
    [
      "a truncated digest",
      {
        ...fixture("push.json"),
        detail: { ...(fixture("push.json").detail as object), "image-digest": "sha256:abc" },
      },
    ],
    [
      "no repository",
      {
        ...fixture("push.json"),
        detail: { ...(fixture("push.json").detail as object), "repository-name": undefined },
      },
    ],
  ])("rejects %s as InvalidEventError naming the field", (_label, event) => {
    expect(() => parseEcrImageAction(event)).toThrow(InvalidEventError);
  });

  it("lists every schema problem in the error", () => {
    const event = { ...fixture("push.json"), account: "x", region: "Mars" };
    try {
      parseEcrImageAction(event);
      throw new Error("expected a rejection");
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).issues).toEqual([
        "account: must be a 12-digit account id",
        "region: must be an AWS region",
      ]);
    }
  });
});

describe("parseEcrImageAction: the image tag", () => {
  const withTag = (tag: unknown) => {
    const event = fixture("push.json");
    (event.detail as Record<string, unknown>)["image-tag"] = tag;
    return event;
  };

  it.each([
    "1.4.0",
    "v1.4.0-rc.1",
    "_build",
    "0123456789abcdef0123456789abcdef01234567",
    `a${"b".repeat(127)}`,
  ])("accepts the OCI tag %p", (tag) => {
    expect(parseEcrImageAction(withTag(tag))).toMatchObject({ kind: "push", tag });
  });

  it.each([
    ["a digest reference", `x@${DIGEST}`],
    ["a space", "1.4.0 beta"],
    ["a slash", "team/1.4.0"],
    ["a leading dot", ".hidden"],
    ["a leading dash", "-rc"],
    ["a colon", "1.4:0"],
    ["129 characters", `a${"b".repeat(128)}`],
    ["a huge string", "a".repeat(100_000)],
  ])("rejects %s, naming the field", (_label, tag) => {
    let error: unknown;
    try {
      parseEcrImageAction(withTag(tag));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).field).toBe("detail.image-tag");
    expect((error as InvalidEventError).message).toContain(
      "detail.image-tag: must be an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}",
    );
  });
});
