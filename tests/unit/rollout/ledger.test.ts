import {
  Annotation,
  encodeQuarantine,
  QUARANTINE_LIMIT,
  readLedger,
  readSettings,
} from "../../../functions/rollout/ledger.js";
import { InvalidPolicyError } from "../../../functions/rollout/policy.js";

describe("readSettings", () => {
  it("applies the documented defaults", () => {
    expect(readSettings({})).toEqual({ policy: { kind: "all" }, autoRollback: true, bakeSeconds: 300 });
  });
  it("reads every opt-in annotation", () => {
    expect(
      readSettings({
        [Annotation.policy]: "semver:^2",
        [Annotation.containers]: " api , worker ,",
        [Annotation.autoRollback]: "false",
        [Annotation.bakeSeconds]: "60",
      }),
    ).toEqual({
      policy: { kind: "semver", range: "^2" },
      containers: ["api", "worker"],
      autoRollback: false,
      bakeSeconds: 60,
    });
  });
  it.each([
    [Annotation.autoRollback, "yes"],
    [Annotation.bakeSeconds, "five"],
    [Annotation.bakeSeconds, "-1"],
  ])("refuses %s=%s", (key, value) => {
    expect(() => readSettings({ [key]: value })).toThrow(InvalidPolicyError);
  });
});

describe("readLedger", () => {
  it("treats unreadable entries as absent instead of blocking rollouts", () => {
    expect(
      readLedger({
        [Annotation.pushedAt]: "soon",
        [Annotation.rollout]: "{not json",
        [Annotation.lastKnownGood]: "[]",
      }),
    ).toEqual({ quarantined: [] });
  });
  it("reads a rollout record written before requests were recorded, without them", () => {
    const older = {
      phase: "baking",
      repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
      tag: "1.1.0",
      digest: `sha256:${"b".repeat(64)}`,
      pushedAt: "2026-11-02T10:00:00.000Z",
      startedAt: "2026-11-02T10:00:01.000Z",
      from: { api: "x" },
      to: { api: "y" },
      trigger: "push",
    };
    const rollout = readLedger({ [Annotation.rollout]: JSON.stringify(older) }).rollout;
    expect(rollout).toEqual(older);
    expect(rollout?.fromRequests).toBeUndefined();
  });
  it("keeps the quarantine bounded, newest last, without duplicates", () => {
    const digests = Array.from({ length: QUARANTINE_LIMIT }, (_, index) => `sha256:${index}`);
    const encoded = encodeQuarantine(digests, "sha256:new").split(",");
    expect(encoded).toHaveLength(QUARANTINE_LIMIT);
    expect(encoded[0]).toBe("sha256:1");
    expect(encoded.at(-1)).toBe("sha256:new");
    expect(encodeQuarantine(["sha256:a", "sha256:b"], "sha256:a")).toBe("sha256:b,sha256:a");
  });
});
