import {
  Annotation,
  AnnotationError,
  addQuarantined,
  encodePushedAt,
  encodeQuarantine,
  encodeRollout,
  LegacyAnnotation,
  ledgerAnnotations,
  MAX_BAKE_SECONDS,
  type PendingRecord,
  QUARANTINE_LIMIT,
  type RolloutRecord,
  readLedger,
  readSettings,
  tryReadLedger,
} from "../../../functions/rollout/ledger.js";
import type { DeploymentState } from "../../../functions/rollout/model.js";
import { planCompletion, planRollout } from "../../../functions/rollout/plan.js";
import { candidate, deployment, digest, REGISTRY, RUNNING } from "./deployments.js";

function refusalOf(read: () => unknown) {
  try {
    read();
  } catch (error) {
    if (error instanceof AnnotationError) return error.refusal;
    throw error;
  }
  throw new Error("expected an AnnotationError");
}

describe("readSettings", () => {
  it("applies the documented defaults", () => {
    expect(readSettings({})).toEqual({
      policy: { kind: "all" },
      autoRollback: true,
      bakeSeconds: 300,
      drift: "adopt",
      paused: false,
      dryRun: false,
      gates: { scanTimeoutMs: 1_800_000, approvals: 0, approvalTimeoutMs: 86_400_000, freezeOverride: false },
    });
  });
  it("reads every opt-in annotation", () => {
    expect(
      readSettings({
        [Annotation.policy]: "semver:^2",
        [Annotation.containers]: "api, worker",
        [Annotation.autoRollback]: "false",
        [Annotation.bakeSeconds]: "60",
      }),
    ).toEqual({
      policy: { kind: "semver", range: "^2" },
      containers: ["api", "worker"],
      autoRollback: false,
      bakeSeconds: 60,
      drift: "adopt",
      paused: false,
      dryRun: false,
      gates: { scanTimeoutMs: 1_800_000, approvals: 0, approvalTimeoutMs: 86_400_000, freezeOverride: false },
    });
    const gated = readSettings({
      [Annotation.paused]: "true",
      [Annotation.mode]: "dry-run",
      [Annotation.freeze]: "Fri 16:00-Mon 08:00 Europe/Berlin",
    });
    expect(gated).toMatchObject({ paused: true, dryRun: true });
    expect(gated.gates.freeze?.map((window) => window.zone)).toEqual(["Europe/Berlin"]);
    expect(readSettings({ [Annotation.mode]: "live" }).dryRun).toBe(false);
    expect(readSettings({ [Annotation.bakeSeconds]: "0" }).bakeSeconds).toBe(0);
    expect(readSettings({ [Annotation.bakeSeconds]: String(MAX_BAKE_SECONDS) }).bakeSeconds).toBe(
      MAX_BAKE_SECONDS,
    );
  });
  it.each([
    [Annotation.autoRollback, "yes"],
    [Annotation.autoRollback, ""],
    [Annotation.autoRollback, " true"],
    [Annotation.autoRollback, "TRUE"],
    [Annotation.bakeSeconds, "five"],
    [Annotation.bakeSeconds, ""],
    [Annotation.bakeSeconds, "0x10"],
    [Annotation.bakeSeconds, "1e300"],
    [Annotation.bakeSeconds, " 5"],
    [Annotation.bakeSeconds, "5 "],
    [Annotation.bakeSeconds, "-1"],
    [Annotation.bakeSeconds, "+5"],
    [Annotation.bakeSeconds, "2.5"],
    [Annotation.bakeSeconds, String(MAX_BAKE_SECONDS + 1)],
    [Annotation.bakeSeconds, "99999999999999999999"],
    [Annotation.containers, ""],
    [Annotation.containers, "api,"],
    [Annotation.containers, "api,,worker"],
    [Annotation.containers, "API"],
    [Annotation.containers, "api;worker"],
    [Annotation.containers, "-api"],
    [Annotation.containers, "a".repeat(64)],
    [Annotation.policy, "newest"],
    [Annotation.policy, "regexp:(a"],
    [Annotation.paused, "yes"],
    [Annotation.paused, "True"],
    [Annotation.mode, "dryrun"],
    [Annotation.mode, ""],
    [Annotation.freeze, "Fri 16:00-Mon 08:00"],
    [Annotation.freeze, "Fri 16:00-Mon 08:00 +02:00"],
    [Annotation.freeze, "Fri 16:00-Mon 08:00 Europe/Berln"],
  ])("refuses %s=%p, naming the annotation, with no fallback", (annotation, value) => {
    const refusal = refusalOf(() => readSettings({ [annotation]: value }));
    expect(refusal).toMatchObject({ annotation, value, source: "setting" });
    expect(refusal.problem).not.toBe("");
  });
});

const record: RolloutRecord = {
  phase: "baking",
  repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
  tag: "1.1.0",
  digest: digest("b"),
  pushedAt: "2026-11-02T10:00:00.000Z",
  startedAt: "2026-11-02T10:00:01.000Z",
  completedAt: "2026-11-02T10:01:00.000Z",
  from: { api: RUNNING },
  to: { api: `123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.1.0@${digest("b")}` },
  trigger: "push",
};

/** The ledger exactly as the release before the versioned one wrote it. */
const legacyAnnotations = {
  [LegacyAnnotation.pushedAt]: "2026-11-02T10:00:00.000Z",
  [LegacyAnnotation.lastKnownGood]: JSON.stringify({
    images: { api: RUNNING },
    pushedAt: "2026-11-01T10:00:00.000Z",
  }),
  [LegacyAnnotation.rollout]: JSON.stringify(record),
  [LegacyAnnotation.quarantined]: `${digest("c")},${digest("d")}`,
  [Annotation.policy]: "all",
  "kubernetes.io/change-cause": "rollout of api:1.1.0",
};

describe("readLedger", () => {
  const pending: PendingRecord = {
    gate: "approval",
    repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
    tag: "1.2.0",
    digest: digest("e"),
    pushedAt: "2026-11-03T10:00:00.000Z",
    since: "2026-11-03T10:00:05.000Z",
    approvalDeadline: "2026-11-04T10:00:05.000Z",
    approvals: [{ by: "arn:aws:iam::123456789012:role/release-manager", at: "2026-11-03T11:00:00.000Z" }],
    trigger: "push",
  };

  it("reads what it writes: every value JSON with the ledger version", () => {
    const annotations = ledgerAnnotations(
      {},
      {
        pushedAt: new Date("2026-11-02T10:00:00.000Z"),
        lastKnownGood: { images: { api: RUNNING }, pushedAt: "2026-11-01T10:00:00.000Z" },
        quarantined: [digest("c")],
        rollout: record,
        pending,
      },
    );
    for (const key of [
      Annotation.pushedAt,
      Annotation.lastKnownGood,
      Annotation.quarantined,
      Annotation.rollout,
      Annotation.pending,
    ]) {
      expect(JSON.parse(annotations[key] ?? "")).toMatchObject({ v: 1 });
    }
    expect(readLedger(annotations as Record<string, string>)).toEqual({
      pushedAt: new Date("2026-11-02T10:00:00.000Z"),
      lastKnownGood: { images: { api: RUNNING }, pushedAt: "2026-11-01T10:00:00.000Z" },
      quarantined: [digest("c")],
      rollout: record,
      pending,
    });
  });

  it("reads the unversioned ledger of the release before, under its old keys", () => {
    expect(readLedger(legacyAnnotations)).toEqual({
      pushedAt: new Date("2026-11-02T10:00:00.000Z"),
      lastKnownGood: { images: { api: RUNNING }, pushedAt: "2026-11-01T10:00:00.000Z" },
      quarantined: [digest("c"), digest("d")],
      rollout: record,
    });
  });

  it("reads a rollout record written before requests were recorded, without them", () => {
    const rollout = readLedger({ [Annotation.rollout]: encodeRollout(record) }).rollout;
    expect(rollout).toEqual(record);
    expect(rollout?.fromRequests).toBeUndefined();
  });

  it("with old and new keys both present: the new record, every quarantined digest, the later floor", () => {
    const ledger = readLedger({
      ...legacyAnnotations,
      [Annotation.pushedAt]: encodePushedAt("2026-11-01T00:00:00.000Z"),
      [Annotation.quarantined]: encodeQuarantine([digest("e")]),
      [Annotation.rollout]: encodeRollout({ ...record, phase: "failed" }),
    });
    expect(ledger.pushedAt).toEqual(new Date("2026-11-02T10:00:00.000Z"));
    expect(ledger.quarantined).toEqual([digest("c"), digest("d"), digest("e")]);
    expect(ledger.rollout?.phase).toBe("failed");
  });

  it.each([
    ["not JSON", Annotation.rollout, "{not json"],
    ["the wrong shape", Annotation.lastKnownGood, JSON.stringify({ v: 1, images: "evil" })],
    ["an array", Annotation.lastKnownGood, "[]"],
    ["null", Annotation.rollout, "null"],
    ["no version", Annotation.rollout, JSON.stringify(record)],
    ["a version this release does not read", Annotation.rollout, JSON.stringify({ ...record, v: 2 })],
    ["a bad instant", Annotation.pushedAt, JSON.stringify({ v: 1, pushedAt: "soon" })],
    ["a bad digest", Annotation.quarantined, JSON.stringify({ v: 1, digests: ["sha256:1"] })],
    ["an old key, not JSON", LegacyAnnotation.rollout, "{not json"],
    ["an old key, the wrong shape", LegacyAnnotation.lastKnownGood, JSON.stringify({ images: "evil" })],
    ["an old key, a bad instant", LegacyAnnotation.pushedAt, "soon"],
    ["an old key, a bad digest list", LegacyAnnotation.quarantined, "sha256:1,x"],
  ])("refuses a ledger entry with %s, never reading it as absent", (_label, annotation, value) => {
    const read = tryReadLedger({ [annotation]: value });
    expect(read).toMatchObject({ ok: false, refusal: { annotation, source: "ledger" } });
    // the value is quoted, at most 200 characters of it
    if (!read.ok) expect(value.startsWith(read.refusal.value.replace(/…$/, ""))).toBe(true);
    expect(() => readLedger({ [annotation]: value })).toThrow(AnnotationError);
  });

  it("keeps the quarantine bounded, newest last, without duplicates", () => {
    const digests = Array.from({ length: QUARANTINE_LIMIT }, (_, index) => digest(index.toString(16)));
    const next = addQuarantined(digests, digest("ab"));
    expect(next).toHaveLength(QUARANTINE_LIMIT);
    expect(next[0]).toBe(digests[1]);
    expect(next.at(-1)).toBe(digest("ab"));
    expect(addQuarantined([digest("a"), digest("b")], digest("a"))).toEqual([digest("b"), digest("a")]);
  });
});

describe("migration to the versioned ledger", () => {
  const legacy = (): DeploymentState =>
    deployment({
      annotations: {
        ...legacyAnnotations,
        [LegacyAnnotation.pushedAt]: "2026-11-01T10:00:00.000Z",
        [LegacyAnnotation.rollout]: JSON.stringify({
          ...record,
          phase: "progressing",
          completedAt: undefined,
        }),
      },
    });

  it("the next write writes every ledger key under the new names and removes the old ones, nothing else", () => {
    const state = legacy();
    const patch = planCompletion(state, digest("b"), new Date("2026-11-02T10:05:00.000Z"));
    if (patch === undefined) throw new Error("expected a completion write");

    expect(Object.keys(patch.annotations).sort()).toEqual(
      [
        ...Object.values(LegacyAnnotation),
        Annotation.pushedAt,
        Annotation.lastKnownGood,
        Annotation.quarantined,
        Annotation.rollout,
        Annotation.pending,
      ].sort(),
    );
    for (const old of Object.values(LegacyAnnotation)) expect(patch.annotations[old]).toBeNull();
    // only product keys: the operator's settings and anything else are not touched
    for (const key of Object.keys(patch.annotations)) {
      expect(
        key.startsWith("status.rollout.coworking.dev/") || key.startsWith("rollout.coworking.dev/"),
      ).toBe(true);
      expect(key).not.toBe(Annotation.policy);
    }
    const after = { ...state.annotations };
    for (const [key, value] of Object.entries(patch.annotations)) {
      if (value === null) delete after[key];
      else after[key] = value;
    }
    expect(Object.keys(after).filter((key) => key.startsWith("rollout.coworking.dev/"))).toEqual([
      Annotation.policy,
    ]);
    expect(readLedger(after)).toEqual({
      pushedAt: new Date("2026-11-01T10:00:00.000Z"),
      lastKnownGood: { images: { api: RUNNING }, pushedAt: "2026-11-01T10:00:00.000Z" },
      quarantined: [digest("c"), digest("d")],
      rollout: {
        ...record,
        phase: "baking",
        completedAt: "2026-11-02T10:05:00.000Z",
        // every ending now records the delivery of its notification
        notified: { sinks: {}, leaseUntil: "2026-11-02T10:05:00.000Z" },
      },
    });
  });

  it("a rollout planned on an old ledger keeps its quarantine and floor", () => {
    const state = legacy();
    // the old record says progressing for 1.1.0: a newer push supersedes it
    const decision = planRollout(
      candidate({ tag: "1.2.0", digest: digest("e"), pushedAt: new Date("2026-11-03T00:00:00.000Z") }),
      state,
      REGISTRY,
      new Date("2026-11-03T00:00:01.000Z"),
    );
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    for (const old of Object.values(LegacyAnnotation)) expect(decision.patch.annotations[old]).toBeNull();
    const written = Object.fromEntries(
      Object.entries(decision.patch.annotations).filter(
        (entry): entry is [string, string] => entry[1] !== null,
      ),
    );
    expect(readLedger(written).quarantined).toEqual([digest("c"), digest("d")]);
    // a quarantined digest of the old ledger is still refused
    expect(
      planRollout(
        candidate({ digest: digest("c"), pushedAt: new Date("2026-11-03T00:00:00.000Z") }),
        state,
        REGISTRY,
        new Date(),
      ),
    ).toEqual({ action: "skip", reason: "digest cccccccccccc is quarantined after a failed rollout" });
  });

  it("a Deployment already migrated writes no removal of old keys", () => {
    const decision = planRollout(candidate(), deployment(), REGISTRY, new Date());
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    for (const old of Object.values(LegacyAnnotation)) expect(old in decision.patch.annotations).toBe(false);
  });
});
