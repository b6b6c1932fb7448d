// The pure rules added around a release's ending: the tie order of same-second pushes, settling a
// release once its bake window is over (and only then counting it for DORA), which terminal
// notification the reconciler sends again and to which sinks, and drift (seen, then adopted or
// restored as the Deployment says). No clock, no cluster: fixed instants and planned patches.

import { planDrift } from "../../../functions/rollout/drift.js";
import {
  Annotation,
  encodeRollout,
  type RolloutRecord,
  readLedger,
} from "../../../functions/rollout/ledger.js";
import type { DeploymentState } from "../../../functions/rollout/model.js";
import { compareImages } from "../../../functions/rollout/order.js";
import {
  newestCandidate,
  planCompletion,
  planRollback,
  planRollout,
} from "../../../functions/rollout/plan.js";
import { parsePolicy } from "../../../functions/rollout/policy.js";
import { describeOutcome } from "../../../functions/rollout/report.js";
import { pendingNotice, planNotified, planSettle, releaseKey } from "../../../functions/rollout/settle.js";
import { patchedFields } from "../../fakes/inMemoryDeployments.js";
import { candidate, deployment, digest, REGISTRY, REPOSITORY, RUNNING } from "./deployments.js";

const NOW = new Date("2026-11-02T10:00:05.000Z");
const SECOND = new Date("2026-11-02T10:00:00.000Z");
const options = { costReferenceInstanceType: "m6i.large" };

function apply(
  state: DeploymentState,
  patch: { images: Record<string, string>; annotations: Record<string, string | null> },
): DeploymentState {
  return {
    ...state,
    ...patchedFields(state, patch),
    resourceVersion: String(Number(state.resourceVersion) + 1),
  };
}

const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** The Deployment after a rollout of 1.1.0 was patched and completed at NOW. */
function completed(settings: Record<string, string> = {}): DeploymentState {
  const start = planRollout(candidate(), deployment({}, settings), REGISTRY, NOW);
  if (start.action !== "patch") throw new Error(JSON.stringify(start));
  const patched = apply(deployment({}, settings), start.patch);
  const completion = planCompletion(patched, digest("b"), NOW, later(60));
  if (!completion) throw new Error("no completion");
  return apply(patched, completion);
}

describe("same-second order", () => {
  const a = { pushedAt: SECOND, tag: "2.0.0", digest: digest("f") };
  const b = { pushedAt: SECOND, tag: "2.0.1", digest: digest("1") };

  it("imagePushedAt first, then the version under a semver policy, then the digest", () => {
    expect(compareImages({ ...a, pushedAt: later(-10) }, b, parsePolicy("semver"))).toBeLessThan(0);
    expect(compareImages(a, b, parsePolicy("semver"))).toBeLessThan(0);
    expect(compareImages(b, a, parsePolicy("semver"))).toBeGreaterThan(0);
    expect(compareImages(a, b, parsePolicy("all"))).toBeGreaterThan(0);
    expect(compareImages({ ...a, tag: "build-x" }, b, parsePolicy("semver"))).toBeGreaterThan(0);
    expect(compareImages(a, { ...a }, parsePolicy("all"))).toBe(0);
  });

  it("a push in the running image's second is rolled out only when it orders after it, in either arrival order", () => {
    const lower = candidate({ tag: "build-1", digest: digest("0"), pushedAt: SECOND });
    const higher = candidate({ tag: "build-2", digest: digest("1"), pushedAt: SECOND });
    const at = (first: typeof lower, second: typeof lower) => {
      const one = planRollout(first, deployment(), REGISTRY, NOW);
      if (one.action !== "patch") throw new Error(JSON.stringify(one));
      return planRollout(second, apply(deployment(), one.patch), REGISTRY, NOW);
    };
    expect(at(lower, higher).action).toBe("patch");
    const refused = at(higher, lower);
    expect(refused).toMatchObject({ action: "skip" });
    expect(refused.action === "skip" && refused.reason).toContain("same second");
  });

  it("the reconciler's newest image follows the same order", () => {
    const images = [
      {
        registryId: "123456789012",
        repositoryName: "api",
        digest: digest("9"),
        tags: ["1.3.0"],
        pushedAt: SECOND,
      },
      {
        registryId: "123456789012",
        repositoryName: "api",
        digest: digest("2"),
        tags: ["1.3.1"],
        pushedAt: SECOND,
      },
    ];
    const semver = deployment({}, { [Annotation.policy]: "semver" });
    expect(newestCandidate(images, semver, REGISTRY)?.tag).toBe("1.3.1");
    expect(newestCandidate([...images].reverse(), semver, REGISTRY)?.tag).toBe("1.3.1");
    expect(newestCandidate(images, deployment(), REGISTRY)?.digest).toBe(digest("9"));
    expect(newestCandidate([...images].reverse(), deployment(), REGISTRY)?.digest).toBe(digest("9"));
  });
});

describe("settle", () => {
  it("nothing to settle inside the bake window; after it, succeeded and the images known-good", () => {
    const state = completed({ [Annotation.bakeSeconds]: "300" });
    const ledger = readLedger(state.annotations);
    expect(planSettle(state, ledger, { bakeSeconds: 300 }, later(299))).toBeUndefined();
    const settle = planSettle(state, ledger, { bakeSeconds: 300 }, later(300));
    if (!settle) throw new Error("not settled");
    const after = readLedger(apply(state, settle.patch).annotations);
    expect(after.rollout).toMatchObject({ phase: "succeeded", settledAt: later(300).toISOString() });
    expect(after.lastKnownGood?.images).toEqual({ api: `${REPOSITORY}:1.1.0@${digest("b")}` });
    // settled once: a second settle plans nothing
    expect(planSettle(apply(state, settle.patch), after, { bakeSeconds: 300 }, later(400))).toBeUndefined();
  });

  it("counts the release once when settled: DeploymentFrequency, ChangeFailureRate 0, lead time to completion", () => {
    const commitCreatedAt = new Date(NOW.getTime() - 3_600_000).toISOString();
    const record: RolloutRecord = {
      ...(readLedger(completed().annotations).rollout as RolloutRecord),
      phase: "succeeded",
      release: { pipeline: "p", executionId: "e", commit: "c", commitCreatedAt },
    };
    const report = describeOutcome(
      { cluster: "prod", namespace: "coworking", name: "api", kind: "settled", record, counts: true },
      options,
    );
    const perDeployment = { Deployment: "prod/coworking/api" };
    expect(report.metrics).toEqual([
      { name: "DeploymentFrequency", unit: "Count", value: 1, dimensions: perDeployment },
      { name: "ChangeFailureRate", unit: "Percent", value: 0, dimensions: perDeployment },
      { name: "LeadTimeForChanges", unit: "Seconds", value: 3_600, dimensions: perDeployment },
      // never held by a gate: the lead time without the waiting is the same
      { name: "LeadTimeExcludingGates", unit: "Seconds", value: 3_600, dimensions: perDeployment },
    ]);
    expect(report.notifications).toEqual([]);
    const legacy = describeOutcome(
      { cluster: "prod", namespace: "coworking", name: "api", kind: "settled", record, counts: false },
      options,
    );
    expect(legacy.metrics).toEqual([]);
  });

  it("a rollback inside the bake window settles the release as rolled back at once; there is nothing left to settle", () => {
    const state = completed();
    const rollback = planRollback(state, "alarm", later(10), { leaseUntil: later(70) });
    if (rollback.action !== "rollback") throw new Error(JSON.stringify(rollback));
    const after = apply(state, rollback.patch);
    const ledger = readLedger(after.annotations);
    expect(ledger.rollout).toMatchObject({ phase: "rolled_back", settledAt: later(10).toISOString() });
    expect(planSettle(after, ledger, { bakeSeconds: 300 }, later(1000))).toBeUndefined();
    expect(planRollback(after, "alarm again", later(20))).toEqual({
      action: "skip",
      reason: "no rollout of the product to roll back",
    });
  });

  it("a newer rollout replacing a baking release settles it in the same write", () => {
    const state = completed();
    const next = planRollout(
      candidate({ tag: "1.2.0", digest: digest("c"), pushedAt: new Date("2026-11-03T00:00:00.000Z") }),
      state,
      REGISTRY,
      later(30),
    );
    if (next.action !== "patch") throw new Error(JSON.stringify(next));
    expect(next.settled).toMatchObject({ phase: "succeeded", digest: digest("b") });
  });
});

describe("notification delivery", () => {
  const sinks = ["slack", "sns"];

  it("no re-send while the writer's lease runs; after it, every sink that lacks the message", () => {
    const record = readLedger(completed().annotations).rollout;
    expect(pendingNotice(record, sinks, later(59))).toBeUndefined();
    expect(pendingNotice(record, sinks, later(61))).toEqual({ event: "rollout.succeeded", sinks });
  });

  it("records the sinks that took it and releases the lease; only the missing sink is pending after", () => {
    const state = completed();
    const record = readLedger(state.annotations).rollout as RolloutRecord;
    const patch = planNotified(state, releaseKey(record), "rollout.succeeded", ["slack"]);
    if (!patch) throw new Error("nothing recorded");
    const after = readLedger(apply(state, patch).annotations).rollout;
    expect(after?.notified).toEqual({ sinks: { "rollout.succeeded": ["slack"] } });
    expect(pendingNotice(after, sinks, NOW)).toEqual({ event: "rollout.succeeded", sinks: ["sns"] });
    const done = planNotified(apply(state, patch), releaseKey(record), "rollout.succeeded", ["sns"]);
    if (!done) throw new Error("nothing recorded");
    expect(
      pendingNotice(readLedger(apply(apply(state, patch), done).annotations).rollout, sinks, NOW),
    ).toBeUndefined();
  });

  it("a newer release's record is not touched, and records written before tracking count as delivered", () => {
    const state = completed();
    const record = readLedger(state.annotations).rollout as RolloutRecord;
    expect(
      planNotified(
        state,
        { ...releaseKey(record), startedAt: "2020-01-01T00:00:00.000Z" },
        "rollout.succeeded",
        ["slack"],
      ),
    ).toBeUndefined();
    const { notified: _notified, ...untracked } = record;
    expect(pendingNotice(untracked, sinks, later(1000))).toBeUndefined();
    expect(pendingNotice({ ...record, phase: "progressing" }, sinks, later(1000))).toBeUndefined();
  });

  it("the re-sent message is the one the report stage builds from the record, to the missing sinks only", () => {
    const state = completed();
    const record = readLedger(state.annotations).rollout as RolloutRecord;
    const report = describeOutcome(
      {
        cluster: "prod",
        namespace: "coworking",
        name: "api",
        kind: "notice",
        record,
        event: "rollout.succeeded",
        sinks: ["sns"],
        restored: true,
        cost: { replicas: 2, before: undefined, after: { cpuCores: 0.3, memoryGiB: 0.5 } },
      },
      options,
    );
    expect(report.notifications.map((notification) => notification.event)).toEqual(["rollout.succeeded"]);
    expect(report.delivery).toEqual({
      event: "rollout.succeeded",
      release: releaseKey(record),
      sinks: ["sns"],
    });
    expect(report.line).toMatchObject({ action: "notified" });
  });
});

describe("drift", () => {
  const settled = () => {
    const state = completed();
    const settle = planSettle(state, readLedger(state.annotations), { bakeSeconds: 300 }, later(300));
    if (!settle) throw new Error("not settled");
    return apply(state, settle.patch);
  };
  const byHand = (state: DeploymentState, image: string): DeploymentState => ({
    ...state,
    containers: state.containers.map((container) =>
      container.name === "api" ? { ...container, image } : container,
    ),
    imageChanges: { api: { manager: "kubectl-set", operation: "Update", time: "2026-11-02T11:00:00.000Z" } },
  });

  it("none when the running image is the pinned one, or while a rollout is in progress", () => {
    expect(planDrift(settled(), { drift: "adopt" }, readLedger(settled().annotations), later(400))).toEqual({
      action: "none",
    });
    const start = planRollout(candidate(), deployment(), REGISTRY, NOW);
    if (start.action !== "patch") throw new Error("no start");
    const progressing = byHand(apply(deployment(), start.patch), RUNNING);
    expect(
      planDrift(progressing, { drift: "restore" }, readLedger(progressing.annotations), NOW).action,
    ).toBe("none");
  });

  it("adopt (default): the running image becomes the pinned one, the floor stays, and it is seen no more", () => {
    const drifted = byHand(settled(), RUNNING);
    const decision = planDrift(drifted, { drift: "adopt" }, readLedger(drifted.annotations), later(400));
    if (decision.action !== "adopt") throw new Error(JSON.stringify(decision));
    expect(decision.drifted).toEqual([
      {
        container: "api",
        pinned: `${REPOSITORY}:1.1.0@${digest("b")}`,
        running: RUNNING,
        changedBy: { manager: "kubectl-set", operation: "Update", time: "2026-11-02T11:00:00.000Z" },
      },
    ]);
    expect(decision.patch.images).toEqual({});
    const after = apply(drifted, decision.patch);
    const ledger = readLedger(after.annotations);
    expect(ledger.rollout?.adopted).toMatchObject({
      images: { api: RUNNING },
      by: "kubectl-set (Update) at 2026-11-02T11:00:00.000Z",
    });
    expect(ledger.pushedAt).toEqual(readLedger(drifted.annotations).pushedAt);
    expect(planDrift(after, { drift: "adopt" }, ledger, later(500))).toEqual({ action: "none" });
    // the image it replaced is not pushed back by the reconciler: not newer than the floor
    const again = planRollout(candidate(), after, REGISTRY, later(500));
    expect(again.action).toBe("skip");
  });

  it("restore: a rollout (trigger drift) back to the pinned image", () => {
    const drifted = byHand(settled(), RUNNING);
    const decision = planDrift(drifted, { drift: "restore" }, readLedger(drifted.annotations), later(400));
    if (decision.action !== "restore") throw new Error(JSON.stringify(decision));
    expect(decision.patch.images).toEqual({ api: `${REPOSITORY}:1.1.0@${digest("b")}` });
    expect(decision.record).toMatchObject({
      phase: "progressing",
      trigger: "drift",
      digest: digest("b"),
      tag: "1.1.0",
    });
    expect(decision.patch.annotations[Annotation.changeCause]).toContain("kubectl-set (Update)");
  });

  it("the setting is parsed strictly", () => {
    const bad = deployment({}, { [Annotation.drift]: "Restore" });
    expect(planRollout(candidate(), bad, REGISTRY, NOW)).toMatchObject({
      action: "refuse",
      refusal: { annotation: Annotation.drift, value: "Restore", source: "setting" },
    });
  });

  it("encodes the new record fields under v1, and reads records without them", () => {
    const record = readLedger(completed().annotations).rollout as RolloutRecord;
    const { notified: _n, completedAt: _c, ...older } = record;
    const text = encodeRollout({ ...older, phase: "baking" });
    expect(JSON.parse(text).v).toBe(1);
    expect(readLedger({ [Annotation.rollout]: text }).rollout?.notified).toBeUndefined();
  });
});
