import { Annotation, encodeQuarantine, readLedger, readSettings } from "../../../functions/rollout/ledger.js";
import type { DeploymentState } from "../../../functions/rollout/model.js";
import {
  describeHold,
  newestCandidate,
  PAUSED,
  planCompletion,
  planRejection,
  planRollback,
  planRollout,
  planUnquarantine,
  rolloutProgress,
} from "../../../functions/rollout/plan.js";
import { planSettle } from "../../../functions/rollout/settle.js";
import { patchedFields } from "../../fakes/inMemoryDeployments.js";
import {
  ACCOUNT,
  candidate,
  deployment,
  digest,
  REGISTRY,
  REPOSITORY,
  RUNNING,
  RUNNING_PUSHED_AT,
} from "./deployments.js";

const NOW = new Date("2026-11-02T10:00:05.000Z");

/** Applies a planned patch the way the apiserver would, so multi-step scenarios can be chained. */
function apply(
  state: DeploymentState,
  patch: { images: Record<string, string>; annotations: Record<string, string | null> },
): DeploymentState {
  const changed = Object.keys(patch.images).length > 0;
  return {
    ...state,
    ...patchedFields(state, patch),
    resourceVersion: String(Number(state.resourceVersion) + 1),
    generation: state.generation + (changed ? 1 : 0),
  };
}

describe("planRollout", () => {
  it("pins the pushed image by tag and digest and records the ledger", () => {
    const decision = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    const image = `${REPOSITORY}:1.1.0@${digest("b")}`;
    expect(decision.patch.resourceVersion).toBe("100");
    expect(decision.patch.images).toEqual({ api: image });
    expect(decision.from).toBe("api:1.0.0@aaaaaaaaaaaa");
    expect(decision.to).toBe("api:1.1.0@bbbbbbbbbbbb");
    const ledger = readLedger(apply(deployment(), decision.patch).annotations);
    expect(ledger.pushedAt).toEqual(new Date("2026-11-02T10:00:00.000Z"));
    expect(ledger.lastKnownGood).toEqual({ images: { api: RUNNING }, pushedAt: RUNNING_PUSHED_AT });
    expect(ledger.rollout).toMatchObject({
      phase: "progressing",
      digest: digest("b"),
      tag: "1.1.0",
      generation: 8,
      // the replaced template's requests, for the cost delta a later invocation may report
      fromRequests: { cpuCores: 0.3, memoryGiB: 0.5 },
    });
    expect(decision.patch.annotations[Annotation.changeCause]).toBe(
      "rollout of api:1.1.0 (bbbbbbbbbbbb), on ECR push",
    );
  });

  it("names the pipeline execution and commit in the change-cause when the release is known", () => {
    const release = { pipeline: "coworking", executionId: "exec-1", commit: "0123456789abcdef0123" };
    const decision = planRollout(candidate({ release }), deployment(), REGISTRY, NOW);
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    expect(decision.patch.annotations[Annotation.changeCause]).toBe(
      "rollout of api:1.1.0 (bbbbbbbbbbbb), on ECR push, pipeline coworking execution exec-1, commit 0123456789ab",
    );
  });

  it("updates every container of the repository, or only those the containers annotation names", () => {
    const twoApis = deployment({
      containers: [
        { name: "api", image: RUNNING },
        { name: "worker", image: `${REPOSITORY}:1.0.0` },
      ],
    });
    const all = planRollout(candidate(), twoApis, REGISTRY, NOW);
    expect(all.action === "patch" && Object.keys(all.patch.images)).toEqual(["api", "worker"]);
    const onlyWorker = planRollout(
      candidate(),
      { ...twoApis, annotations: { [Annotation.containers]: "worker" } },
      REGISTRY,
      NOW,
    );
    expect(onlyWorker.action === "patch" && Object.keys(onlyWorker.patch.images)).toEqual(["worker"]);
  });

  it.each<[string, Parameters<typeof planRollout>[0], DeploymentState, string]>([
    [
      "another account",
      candidate({ account: "210987654321" }),
      deployment(),
      "image is in 210987654321/us-east-1, outside the registries rolled out from (accounts 123456789012, region us-east-1)",
    ],
    [
      "another region",
      candidate({ region: "eu-west-1" }),
      deployment(),
      "image is in 123456789012/eu-west-1, outside the registries rolled out from (accounts 123456789012, region us-east-1)",
    ],
    [
      "another repository",
      candidate({ repositoryName: "web" }),
      deployment(),
      "no container uses 123456789012.dkr.ecr.us-east-1.amazonaws.com/web",
    ],
    [
      "the same digest under another tag",
      candidate({ tag: "1.0.0-again", digest: digest("a") }),
      deployment(),
      "already running aaaaaaaaaaaa",
    ],
    [
      "latest under policy all",
      candidate({ tag: "latest" }),
      deployment(),
      "policy all: tag latest is never rolled out under policy all",
    ],
    [
      "an older push",
      candidate({ pushedAt: new Date("2026-10-30T00:00:00.000Z") }),
      deployment(),
      "pushed 2026-10-30T00:00:00.000Z, not newer than the running image (2026-11-01T10:00:00.000Z): never downgrade",
    ],
    [
      "a quarantined digest",
      candidate(),
      deployment({}, { [Annotation.quarantined]: encodeQuarantine([digest("c"), digest("b")]) }),
      "digest bbbbbbbbbbbb is quarantined after a failed rollout",
    ],
    [
      "a lower semver",
      candidate({ tag: "0.9.0" }),
      deployment({}, { [Annotation.policy]: "semver" }),
      "policy semver: version 0.9.0 is not higher than running 1.0.0",
    ],
  ])("skips %s", (_label, image, state, reason) => {
    expect(planRollout(image, state, REGISTRY, NOW)).toEqual({ action: "skip", reason });
  });

  it("never downgrades on a Deployment's first managed rollout either, using ECR's pushedAt of the running image", () => {
    const unmanaged = deployment({ annotations: {} });
    const older = candidate({ pushedAt: new Date("2026-10-01T00:00:00Z") });
    const runningPushedAt = new Date("2026-11-01T10:00:00Z");
    expect(planRollout(older, unmanaged, REGISTRY, NOW, runningPushedAt)).toEqual({
      action: "skip",
      reason:
        "pushed 2026-10-01T00:00:00.000Z, not newer than the running image (2026-11-01T10:00:00.000Z): never downgrade",
    });
    const newer = planRollout(candidate(), unmanaged, REGISTRY, NOW, runningPushedAt);
    if (newer.action !== "patch") throw new Error(JSON.stringify(newer));
    expect(JSON.parse(newer.patch.annotations[Annotation.lastKnownGood] ?? "{}")).toEqual({
      v: 1,
      images: { api: RUNNING },
      pushedAt: "2026-11-01T10:00:00.000Z",
    });
  });

  it("is idempotent: the same push planned against its own result changes nothing", () => {
    const first = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (first.action !== "patch") throw new Error(JSON.stringify(first));
    const after = apply(deployment(), first.patch);
    expect(planRollout(candidate(), after, REGISTRY, NOW)).toEqual({
      action: "skip",
      reason: "already running bbbbbbbbbbbb",
    });
  });

  it("racing pushes: the newer by imagePushedAt wins whatever the arrival order", () => {
    const older = candidate({
      tag: "1.1.0",
      digest: digest("b"),
      pushedAt: new Date("2026-11-02T10:00:00Z"),
    });
    const newer = candidate({
      tag: "1.2.0",
      digest: digest("c"),
      pushedAt: new Date("2026-11-02T10:00:01Z"),
    });
    for (const [firstPush, secondPush] of [
      [older, newer],
      [newer, older],
    ] as const) {
      let state = deployment();
      for (const push of [firstPush, secondPush]) {
        const decision = planRollout(push, state, REGISTRY, NOW);
        if (decision.action === "patch") state = apply(state, decision.patch);
      }
      expect(state.containers[0]?.image).toBe(`${REPOSITORY}:1.2.0@${digest("c")}`);
    }
  });

  it("a push superseding an unconfirmed rollout keeps the earlier known-good image", () => {
    const first = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (first.action !== "patch") throw new Error(JSON.stringify(first));
    const second = planRollout(
      candidate({ tag: "1.2.0", digest: digest("c"), pushedAt: new Date("2026-11-02T11:00:00Z") }),
      apply(deployment(), first.patch),
      REGISTRY,
      NOW,
    );
    if (second.action !== "patch") throw new Error(JSON.stringify(second));
    expect(JSON.parse(second.patch.annotations[Annotation.lastKnownGood] ?? "{}")).toEqual({
      v: 1,
      images: { api: RUNNING },
      pushedAt: RUNNING_PUSHED_AT,
    });
  });

  it("a push after a completed rollout makes that rollout the known-good image", () => {
    const first = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (first.action !== "patch") throw new Error(JSON.stringify(first));
    let state = apply(deployment(), first.patch);
    state = apply(state, planCompletion(state, digest("b"), NOW) ?? { images: {}, annotations: {} });
    const second = planRollout(
      candidate({ tag: "1.2.0", digest: digest("c"), pushedAt: new Date("2026-11-02T11:00:00Z") }),
      state,
      REGISTRY,
      NOW,
    );
    if (second.action !== "patch") throw new Error(JSON.stringify(second));
    expect(JSON.parse(second.patch.annotations[Annotation.lastKnownGood] ?? "{}")).toEqual({
      v: 1,
      images: { api: `${REPOSITORY}:1.1.0@${digest("b")}` },
      pushedAt: "2026-11-02T10:00:00.000Z",
    });
  });

  it("skips a push whose rollout is already in flight (a duplicate delivery after the patch)", () => {
    const first = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (first.action !== "patch") throw new Error(JSON.stringify(first));
    // the container was changed back by hand, but the record says the rollout is ours and running
    const state = { ...apply(deployment(), first.patch), containers: deployment().containers };
    expect(planRollout(candidate(), state, REGISTRY, NOW)).toEqual({
      action: "skip",
      reason: "rollout of bbbbbbbbbbbb already progressing",
    });
  });
});

describe("rolloutProgress", () => {
  const rolled = (status: Partial<DeploymentState["status"]>) =>
    deployment({
      generation: 8,
      status: { observedGeneration: 8, replicas: 2, updatedReplicas: 2, availableReplicas: 2, ...status },
    });

  it("is complete when the controller saw the generation and every replica is new and available", () => {
    expect(rolloutProgress(rolled({}), 8)).toEqual({ state: "complete" });
  });
  it.each([
    ["the controller has not seen the patch", { observedGeneration: 7 }],
    ["old replicas remain", { replicas: 3 }],
    ["a new replica is not available", { availableReplicas: 1 }],
    ["not every replica is updated", { updatedReplicas: 1 }],
  ])("is progressing while %s", (_label, status) => {
    expect(rolloutProgress(rolled(status), 8)).toEqual({ state: "progressing" });
  });
  it("fails on ProgressDeadlineExceeded", () => {
    expect(
      rolloutProgress(
        rolled({
          availableReplicas: 0,
          progressingReason: "ProgressDeadlineExceeded",
          progressingMessage: 'ReplicaSet "api-1" has timed out progressing.',
        }),
        8,
      ),
    ).toEqual({ state: "failed", reason: 'ReplicaSet "api-1" has timed out progressing.' });
  });
});

describe("planRollback", () => {
  function rolledOut(): DeploymentState {
    const decision = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    return apply(deployment(), decision.patch);
  }

  it("restores the known-good image, its pushed-at, and quarantines the failed digest", () => {
    const decision = planRollback(rolledOut(), "ProgressDeadlineExceeded", NOW);
    if (decision.action !== "rollback") throw new Error(JSON.stringify(decision));
    expect(decision.patch.images).toEqual({ api: RUNNING });
    expect(decision.from).toBe("api:1.1.0@bbbbbbbbbbbb");
    expect(decision.to).toBe("api:1.0.0@aaaaaaaaaaaa");
    const after = apply(rolledOut(), decision.patch);
    const ledger = readLedger(after.annotations);
    expect(ledger.quarantined).toEqual([digest("b")]);
    // the record stays, settled as rolled back, so its message can be sent again if need be
    expect(ledger.rollout?.phase).toBe("rolled_back");
    expect(ledger.pushedAt?.toISOString()).toBe(RUNNING_PUSHED_AT);
    expect(after.annotations[Annotation.changeCause]).toBe(
      "rollback of 1.1.0 (bbbbbbbbbbbb): ProgressDeadlineExceeded",
    );
    // and the quarantined digest is never planned again
    expect(planRollout(candidate(), after, REGISTRY, NOW).action).toBe("skip");
  });

  it("rolls back a completed rollout inside its bake window, not after it", () => {
    let state = rolledOut();
    state = apply(state, planCompletion(state, digest("b"), NOW) ?? { images: {}, annotations: {} });
    expect(planRollback(state, "alarm coworking-api-5xx", new Date(NOW.getTime() + 299_000)).action).toBe(
      "rollback",
    );
    expect(planRollback(state, "alarm coworking-api-5xx", new Date(NOW.getTime() + 300_000))).toEqual({
      action: "skip",
      reason: "rollout of bbbbbbbbbbbb finished its 300s bake window",
    });
  });

  it("has nothing to roll back without a rollout record", () => {
    expect(planRollback(deployment(), "alarm", NOW)).toEqual({
      action: "skip",
      reason: "no rollout of the product to roll back",
    });
  });
});

describe("planCompletion", () => {
  it("does nothing when a newer rollout replaced the one that completed", () => {
    const decision = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    expect(planCompletion(apply(deployment(), decision.patch), digest("c"), NOW)).toBeUndefined();
  });
});

describe("newestCandidate", () => {
  const image = (tag: string, seed: string, pushedAt: string) => ({
    registryId: ACCOUNT,
    repositoryName: "api",
    digest: digest(seed),
    tags: [tag],
    pushedAt: new Date(pushedAt),
  });

  it("picks the newest admissible, unquarantined image by imagePushedAt", () => {
    const images = [
      image("1.1.0", "b", "2026-11-02T00:00:00Z"),
      image("latest", "d", "2026-11-04T00:00:00Z"),
      image("1.3.0", "e", "2026-11-03T00:00:00Z"),
      image("1.2.0", "c", "2026-11-02T12:00:00Z"),
    ];
    const state = deployment({}, { [Annotation.quarantined]: encodeQuarantine([digest("e")]) });
    expect(newestCandidate(images, state, REGISTRY)).toEqual({
      account: ACCOUNT,
      region: "us-east-1",
      repositoryName: "api",
      tag: "1.2.0",
      digest: digest("c"),
      pushedAt: new Date("2026-11-02T12:00:00Z"),
      trigger: "reconcile",
    });
  });

  it("finds nothing when no tag qualifies", () => {
    expect(
      newestCandidate([image("latest", "d", "2026-11-04T00:00:00Z")], deployment(), REGISTRY),
    ).toBeUndefined();
  });
});

describe("refusals: annotations the product cannot honour", () => {
  it.each([
    [Annotation.policy, "newest", "setting"],
    [Annotation.bakeSeconds, "0x10", "setting"],
    [Annotation.autoRollback, "maybe", "setting"],
    [Annotation.containers, "API", "setting"],
    [Annotation.rollout, "{not json", "ledger"],
    [Annotation.lastKnownGood, '{"v":1,"images":"evil"}', "ledger"],
  ])("planRollout refuses on %s=%p, writing nothing", (annotation, value, source) => {
    expect(planRollout(candidate(), deployment({}, { [annotation]: value }), REGISTRY, NOW)).toEqual({
      action: "refuse",
      refusal: expect.objectContaining({ annotation, value, source }),
    });
  });

  it("a push of a repository the Deployment does not use is a skip, whatever its annotations", () => {
    const other = candidate({ repositoryName: "worker" });
    expect(planRollout(other, deployment({}, { [Annotation.policy]: "newest" }), REGISTRY, NOW)).toEqual({
      action: "skip",
      reason: "no container uses 123456789012.dkr.ecr.us-east-1.amazonaws.com/worker",
    });
  });

  it("planRollback refuses on an unreadable ledger; completion and failure records write nothing", () => {
    const state = deployment({}, { [Annotation.rollout]: '{"v":1,"phase":"baking"}' });
    expect(planRollback(state, "alarm", NOW)).toMatchObject({
      action: "refuse",
      refusal: { annotation: Annotation.rollout, source: "ledger" },
    });
    expect(planCompletion(state, digest("b"), NOW)).toBeUndefined();
  });

  it("newestCandidate finds nothing on a Deployment it would refuse", () => {
    const images = [
      {
        registryId: ACCOUNT,
        repositoryName: "api",
        digest: digest("c"),
        tags: ["1.2.0"],
        pushedAt: new Date("2026-11-03T00:00:00Z"),
      },
    ];
    expect(
      newestCandidate(images, deployment({}, { [Annotation.bakeSeconds]: "-1" }), REGISTRY),
    ).toBeUndefined();
  });
});

describe("the stage-wide quarantine", () => {
  it("planRollout skips a digest the state table quarantines, even on a Deployment whose ledger does not", () => {
    expect(planRollout(candidate({ quarantined: true }), deployment(), REGISTRY, NOW)).toEqual({
      action: "skip",
      reason: "digest bbbbbbbbbbbb is quarantined in this stage after a failed rollout",
    });
  });

  it("newestCandidate passes over digests the stage quarantines", () => {
    const image = (tag: string, seed: string, pushedAt: string) => ({
      registryId: ACCOUNT,
      repositoryName: "api",
      digest: digest(seed),
      tags: [tag],
      pushedAt: new Date(pushedAt),
    });
    const images = [image("1.2.0", "c", "2026-11-03T00:00:00Z"), image("1.1.0", "b", "2026-11-02T00:00:00Z")];
    expect(newestCandidate(images, deployment(), REGISTRY, new Set([digest("c")]))).toMatchObject({
      tag: "1.1.0",
      digest: digest("b"),
    });
  });
});

describe("gates: pause, dry run, change freeze", () => {
  // NOW is Monday 2026-11-02 11:00:05 in Berlin (CET): inside this window, which ends at 17:00Z.
  const FREEZE = "Mon 09:00-Mon 18:00 Europe/Berlin";
  const FREEZE_ENDS = "2026-11-02T17:00:00.000Z";

  it("a paused Deployment is neither rolled out nor rolled back, nor restored after drift", () => {
    const paused = deployment({}, { [Annotation.paused]: "true" });
    expect(planRollout(candidate(), paused, REGISTRY, NOW)).toEqual({ action: "skip", reason: PAUSED });
    expect(planRollback(paused, "alarm", NOW)).toEqual({ action: "skip", reason: PAUSED });
  });

  it("a push inside a freeze is held: only the pending record is written, with when it rolls out", () => {
    const decision = planRollout(candidate(), deployment({}, { [Annotation.freeze]: FREEZE }), REGISTRY, NOW);
    if (decision.action !== "hold") throw new Error(`expected a hold, got ${decision.action}`);
    expect(decision.gate).toBe("freeze");
    expect(decision.pending).toEqual({
      gate: "freeze",
      repository: REPOSITORY,
      tag: "1.1.0",
      digest: digest("b"),
      pushedAt: "2026-11-02T10:00:00.000Z",
      since: NOW.toISOString(),
      until: FREEZE_ENDS,
      trigger: "push",
      approvals: [],
    });
    expect(decision.patch?.images).toEqual({});
    expect(
      Object.keys(decision.patch?.annotations ?? {}).filter(
        (key) => decision.patch?.annotations[key] !== null,
      ),
    ).toEqual(expect.arrayContaining([Annotation.pending]));
    expect(decision.patch?.annotations[Annotation.rollout]).toBeNull();
    expect(describeHold(decision)).toBe(`held by a change freeze until ${FREEZE_ENDS}`);
  });

  it("the same hold again writes nothing; a newer push supersedes the held one; the end of the freeze starts the newest", () => {
    const frozen = deployment({}, { [Annotation.freeze]: FREEZE });
    const first = planRollout(candidate(), frozen, REGISTRY, NOW);
    if (first.action !== "hold" || first.patch === undefined) throw new Error("expected a recorded hold");
    const held = apply(frozen, first.patch);

    const again = planRollout(candidate(), held, REGISTRY, new Date(NOW.getTime() + 60_000));
    expect(again).toMatchObject({ action: "hold", gate: "freeze", pending: { since: NOW.toISOString() } });
    expect(again.action === "hold" && again.patch).toBeFalsy();

    const newer = candidate({
      tag: "1.2.0",
      digest: digest("c"),
      pushedAt: new Date("2026-11-02T10:00:01.000Z"),
    });
    const superseding = planRollout(newer, held, REGISTRY, NOW);
    expect(superseding).toMatchObject({
      action: "hold",
      pending: { digest: digest("c"), supersedes: digest("b") },
    });

    const after = planRollout(candidate(), held, REGISTRY, new Date(FREEZE_ENDS));
    if (after.action !== "patch")
      throw new Error(`expected the rollout at the freeze's end, got ${after.action}`);
    expect(after.patch.annotations[Annotation.pending]).toBeNull();
    expect(after.patch.images).toEqual({ api: `${REPOSITORY}:1.1.0@${digest("b")}` });
  });

  it("dry run plans exactly, gates included, and writes nothing", () => {
    const dry = planRollout(candidate(), deployment({}, { [Annotation.mode]: "dry-run" }), REGISTRY, NOW);
    expect(dry).toMatchObject({ action: "hold", gate: "dry-run", to: `api:1.1.0@${"b".repeat(12)}` });
    expect(dry.action === "hold" && dry.patch).toBeFalsy();
    expect(dry.action === "hold" && describeHold(dry)).toBe("dry run: would roll out; nothing written");

    const dryFrozen = planRollout(
      candidate(),
      deployment({}, { [Annotation.mode]: "dry-run", [Annotation.freeze]: FREEZE }),
      REGISTRY,
      NOW,
    );
    expect(dryFrozen).toMatchObject({ action: "hold", gate: "dry-run", pending: { until: FREEZE_ENDS } });
    expect(dryFrozen.action === "hold" && dryFrozen.patch).toBeFalsy();
  });
});

describe("decisions: approve, reject, manual rollback, unquarantine", () => {
  const ALICE = "arn:aws:iam::123456789012:role/alice";
  const approvalGated = () => deployment({}, { [Annotation.approvals]: "1" });

  function heldState(): DeploymentState {
    const decision = planRollout(candidate(), approvalGated(), REGISTRY, NOW);
    if (decision.action !== "hold" || decision.patch === undefined) throw new Error(JSON.stringify(decision));
    return apply(approvalGated(), decision.patch);
  }

  it("an approval of the held digest rolls it out in the same write, naming the approver", () => {
    const decision = planRollout(candidate(), heldState(), REGISTRY, NOW, undefined, {
      approval: { by: ALICE, at: NOW.toISOString() },
    });
    if (decision.action !== "patch") throw new Error(JSON.stringify(decision));
    expect(decision.record).toMatchObject({
      approvedBy: [ALICE],
      heldSince: NOW.toISOString(),
      heldAt: "approval",
    });
    expect(decision.patch.annotations[Annotation.changeCause]).toContain(`approved by ${ALICE}`);
    expect(decision.patch.annotations[Annotation.pending]).toBeNull();
  });

  it("an approval of a digest no longer held approves nothing", () => {
    const newer = candidate({
      tag: "1.2.0",
      digest: digest("c"),
      pushedAt: new Date("2026-11-02T10:00:01.000Z"),
    });
    expect(
      planRollout(newer, heldState(), REGISTRY, NOW, undefined, {
        approval: { by: ALICE, at: NOW.toISOString() },
      }),
    ).toEqual({ action: "skip", reason: "nothing of cccccccccccc is pending approval any more" });
  });

  it("a rejection removes the held record and quarantines the digest on this Deployment", () => {
    const decision = planRejection(heldState(), { by: ALICE, reason: "not this week" });
    if (decision.action !== "block") throw new Error(JSON.stringify(decision));
    expect(decision).toMatchObject({ cause: "rejected", reason: `rejected by ${ALICE}: not this week` });
    const after = apply(heldState(), decision.patch);
    expect(readLedger(after.annotations)).toMatchObject({ quarantined: [digest("b")] });
    expect(readLedger(after.annotations).pending).toBeUndefined();
    expect(planRollout(candidate(), after, REGISTRY, NOW).action).toBe("skip");
    expect(planRejection(after, { by: ALICE })).toEqual({
      action: "skip",
      reason: "nothing is pending (already rolled out, rejected or replaced)",
    });
    expect(planRejection(heldState(), { by: ALICE, digest: digest("c") })).toMatchObject({ action: "skip" });
  });

  it("a manual rollback after the bake window returns to what the release replaced, holds there, and quarantines only when asked", () => {
    const started = planRollout(candidate(), deployment({}, { [Annotation.paused]: "false" }), REGISTRY, NOW);
    if (started.action !== "patch") throw new Error(JSON.stringify(started));
    let state = apply(deployment(), started.patch);
    state = apply(state, planCompletion(state, digest("b"), NOW) ?? { images: {}, annotations: {} });
    const settle = planSettle(
      state,
      readLedger(state.annotations),
      readSettings(state.annotations),
      new Date(NOW.getTime() + 600_000),
    );
    if (settle === undefined) throw new Error("expected the release to settle");
    state = apply(state, settle.patch);
    state = { ...state, annotations: { ...state.annotations, [Annotation.paused]: "true" } };
    const later = new Date(NOW.getTime() + 3_600_000);

    expect(planRollback(state, "alarm", later)).toEqual({ action: "skip", reason: PAUSED });
    const manual = planRollback(state, "customer reports", later, {
      manual: { by: ALICE, quarantine: false },
    });
    if (manual.action !== "rollback") throw new Error(JSON.stringify(manual));
    expect(manual.patch.images).toEqual({ api: RUNNING });
    expect(manual.quarantine).toBe(false);
    expect(manual.patch.annotations[Annotation.changeCause]).toBe(
      `manual rollback of 1.1.0 (bbbbbbbbbbbb) by ${ALICE}: customer reports`,
    );
    const after = apply(state, manual.patch);
    const ledger = readLedger(after.annotations);
    expect(ledger.quarantined).toEqual([]);
    expect(ledger.rollout?.rollback).toMatchObject({ by: ALICE });
    // held at the old image: the rolled-back release is not newer than the floor, a newer push is
    expect(ledger.pushedAt?.toISOString()).toBe("2026-11-02T10:00:00.000Z");
    const unpaused = { ...after, annotations: { ...after.annotations, [Annotation.paused]: "false" } };
    expect(planRollout(candidate(), unpaused, REGISTRY, later).action).toBe("skip");
    const newer = candidate({
      tag: "1.2.0",
      digest: digest("c"),
      pushedAt: new Date("2026-11-02T11:00:00.000Z"),
    });
    expect(planRollout(newer, unpaused, REGISTRY, later).action).toBe("patch");

    const quarantining = planRollback(state, "bad", later, { manual: { by: ALICE, quarantine: true } });
    if (quarantining.action !== "rollback") throw new Error(JSON.stringify(quarantining));
    expect(quarantining.quarantine).toBe(true);
    expect(readLedger(apply(state, quarantining.patch).annotations).quarantined).toEqual([digest("b")]);
  });

  it("unquarantine removes the digest from the Deployment's ledger, and writes nothing when it is not there", () => {
    const state = deployment({}, { [Annotation.quarantined]: encodeQuarantine([digest("b"), digest("c")]) });
    const patch = planUnquarantine(state, digest("b"));
    expect(
      readLedger(apply(state, patch ?? { images: {}, annotations: {} }).annotations).quarantined,
    ).toEqual([digest("c")]);
    expect(planUnquarantine(state, digest("d"))).toBeUndefined();
  });
});

describe("a manual rollback of one release", () => {
  it("does nothing when another release is there now (a stale button)", () => {
    const started = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (started.action !== "patch") throw new Error(JSON.stringify(started));
    const state = apply(deployment(), started.patch);
    const by = "slack:U0ALICE";
    expect(
      planRollback(state, "button", NOW, { manual: { by, quarantine: false, digest: digest("c") } }),
    ).toEqual({
      action: "skip",
      reason: "the rollback is for cccccccccccc, and the release there now is bbbbbbbbbbbb",
    });
    expect(
      planRollback(state, "button", NOW, { manual: { by, quarantine: false, digest: digest("b") } }).action,
    ).toBe("rollback");
  });
});
