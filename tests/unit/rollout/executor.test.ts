// The executor against the in-memory apiserver fake: conflicts re-plan (and give up at the
// limit), a rollout replaced while watched is superseded, a failed rollout is rolled back and
// quarantined, and only the invocation whose write lands is the writer. Nothing sleeps: the fake
// controller answers in microtasks and the only timer used is a watch's zero timeout.
import { MAX_REPLANS, RolloutExecutor } from "../../../functions/rollout/executor.js";
import { Annotation, encodeRollout, readLedger } from "../../../functions/rollout/ledger.js";
import type { DeploymentState } from "../../../functions/rollout/model.js";
import type { Blocked, FollowedRollout, Held, Refused, Skipped } from "../../../functions/rollout/outcome.js";
import { describeOutcome } from "../../../functions/rollout/report.js";
import { ConflictError } from "../../../functions/types/errors.js";
import type { Notification } from "../../../functions/types/notification.js";
import { completes, failsFor, InMemoryDeployments } from "../../fakes/inMemoryDeployments.js";
import { candidate, deployment, digest, REGISTRY, REPOSITORY, RUNNING } from "./deployments.js";
import { InMemoryQuarantine } from "./quarantineStores.js";

const NAMESPACE = "coworking";
const NAME = "api";
const options = { costReferenceInstanceType: "t3a.medium" };
const PINNED = `${REPOSITORY}:1.1.0@${digest("b")}`;

function setup(annotations: Record<string, string> = {}) {
  const api = new InMemoryDeployments("prod");
  api.put(deployment({}, annotations));
  const quarantine = new InMemoryQuarantine();
  const executor = new RolloutExecutor({
    registry: () => ({ describeImage: async () => undefined, listImages: async () => [] }),
    logger: { info: () => undefined },
    ownRegistry: REGISTRY,
    quarantine,
  });
  const current = () => api.read(NAMESPACE, NAME);
  return { api, executor, current, quarantine };
}

/** An hour to watch: every test here ends through the fake controller, long before. */
const clock = () => ({ startedAt: Date.now(), deadline: Date.now() + 3_600_000 });

const image = (state: DeploymentState) =>
  state.containers.find((container) => container.name === "api")?.image;

function asRollout(outcome: FollowedRollout | Held | Blocked | Skipped | Refused): FollowedRollout {
  if (outcome.kind !== "rollout") throw new Error(`expected a rollout, got: ${outcome.reason}`);
  return outcome;
}

/** What sinks without threads (the webhook, SNS, the console) receive. */
const flat = (notifications: Notification[]) =>
  notifications.filter((notification) => !notification.threadOnly);

describe("RolloutExecutor", () => {
  it("patches, watches to completion and records the bake window; this invocation is the writer", async () => {
    const { api, executor, current } = setup();
    api.controller = completes;

    const outcome = asRollout(await executor.rollOut(api, current(), candidate(), clock()));

    expect(outcome.patched).toEqual({
      eventToPatchMs: expect.any(Number),
      resourceVersion: expect.any(String),
    });
    expect(outcome.ending).toMatchObject({ state: "succeeded", writer: true });
    expect(outcome).toMatchObject({ from: `api:1.0.0@${"a".repeat(12)}`, to: `api:1.1.0@${"b".repeat(12)}` });
    expect(image(current())).toBe(PINNED);
    expect(readLedger(current().annotations).rollout).toMatchObject({ phase: "baking", digest: digest("b") });
  });

  describe("409 conflicts", () => {
    it("re-reads and re-plans on top of a write that landed in between, keeping it", async () => {
      const { api, executor, current } = setup();
      api.controller = completes;
      let racing = 2;
      api.beforePatch = (namespace, name) => {
        if (racing-- > 0)
          api.update(namespace, name, (d) => ({
            annotations: { ...d.annotations, team: `payments-${racing}` },
          }));
      };

      const outcome = asRollout(await executor.rollOut(api, current(), candidate(), clock()));

      expect(api.conflicts).toBe(2);
      expect(outcome.ending).toMatchObject({ state: "succeeded", writer: true });
      expect(image(current())).toBe(PINNED);
      expect(current().annotations.team).toBe("payments-0");
    });

    it(`gives up after ${MAX_REPLANS} conflicts in a row, writing nothing`, async () => {
      const { api, executor, current } = setup();
      api.beforePatch = (namespace, name) =>
        void api.update(namespace, name, (d) => ({ annotations: { ...d.annotations, team: "busy" } }));

      await expect(executor.rollOut(api, current(), candidate(), clock())).rejects.toThrow(ConflictError);

      expect(api.patchRequests).toBe(MAX_REPLANS);
      expect(api.conflicts).toBe(MAX_REPLANS);
      expect(image(current())).toBe(RUNNING);
      expect(readLedger(current().annotations).rollout).toBeUndefined();
    });
  });

  it("a rollout replaced by another while watched is superseded, and reports nothing", async () => {
    const { api, executor, current } = setup();
    const started = await executor.start(api, current(), candidate(), clock());
    if (!("api" in started)) throw new Error(started.reason);
    const newer = { ...started.record, digest: digest("c"), tag: "1.2.0" };
    api.update(NAMESPACE, NAME, (d) => ({
      annotations: { ...d.annotations, [Annotation.rollout]: encodeRollout(newer) },
    }));

    const outcome = await executor.follow(started, clock());

    expect(outcome.ending.state).toBe("superseded");
    const report = describeOutcome(outcome, options);
    expect(report.line).toMatchObject({ action: "patched", outcome: "superseded" });
    // the start is this invocation's; the ending is the newer rollout's to report
    expect(report.metrics.map((metric) => metric.name)).toEqual(["RolloutStarted", "EventToPatchLatency"]);
    expect(flat(report.notifications)).toEqual([]);
  });

  it("hands a rollout still progressing at the deadline over to the reconciler", async () => {
    const { api, executor, current } = setup();
    const now = Date.now();

    const outcome = asRollout(
      await executor.rollOut(api, current(), candidate(), { startedAt: now, deadline: now }),
    );

    expect(outcome.ending.state).toBe("in_progress");
    expect(readLedger(current().annotations).rollout?.phase).toBe("progressing");
    expect(flat(describeOutcome(outcome, options).notifications)).toEqual([]);
  });

  describe("a failed rollout", () => {
    const stuck = candidate({ tag: "1.1.0-never-ready" });

    it("is rolled back to the last known-good image, its digest quarantined, and reported once", async () => {
      const { api, executor, current } = setup();
      api.controller = failsFor(/never-ready/);

      const outcome = asRollout(await executor.rollOut(api, current(), stuck, clock()));

      expect(outcome.ending).toMatchObject({
        state: "rolled_back",
        reason: 'ReplicaSet "api-new" has timed out progressing.',
        rollback: { kind: "rolled_back", writer: true, restored: true, to: `api:1.0.0@${"a".repeat(12)}` },
      });
      expect(image(current())).toBe(RUNNING);
      const ledger = readLedger(current().annotations);
      expect(ledger.quarantined).toEqual([digest("b")]);
      // the record stays, settled as rolled back, so its message can be sent again if need be
      expect(ledger.rollout?.phase).toBe("rolled_back");
      const report = describeOutcome(outcome, options);
      expect(report.line).toMatchObject({ action: "patched", outcome: "rolled_back" });
      expect(flat(report.notifications).map((notification) => notification.event)).toEqual([
        "rollout.rolled_back",
      ]);
      expect(report.metrics.map((metric) => metric.name)).toEqual([
        "RolloutStarted",
        "EventToPatchLatency",
        "RolloutRolledBack",
        "ChangeFailureRate",
        "TimeToRestore",
        "RolloutFailed",
        "RolloutDuration",
      ]);
    });

    it("with auto-rollback off is marked failed and left as is", async () => {
      const { api, executor, current } = setup({ [Annotation.autoRollback]: "false" });
      api.controller = failsFor(/never-ready/);

      const outcome = asRollout(await executor.rollOut(api, current(), stuck, clock()));

      expect(outcome.ending).toMatchObject({ state: "failed", writer: true });
      expect(image(current())).toContain("1.1.0-never-ready");
      expect(readLedger(current().annotations).rollout?.phase).toBe("failed");
      expect(flat(describeOutcome(outcome, options).notifications).map((n) => n.event)).toEqual([
        "rollout.failed",
      ]);
    });

    it("followed twice (push and reconciler): one rollback, and only its writer reports it", async () => {
      const { api, executor, current } = setup();
      const started = await executor.start(api, current(), stuck, clock());
      if (!("api" in started)) throw new Error(started.reason);
      const pushed = executor.follow(started, clock());
      const finished = executor.finish(api, current(), clock());
      api.controller = failsFor(/never-ready/);
      api.update(NAMESPACE, NAME, () => ({})); // the controller notices the new generation

      const outcomes = [await pushed, asRollout(await finished)];

      const rollbacks = outcomes.map((outcome) =>
        outcome.ending.state === "rolled_back" ? outcome.ending.rollback.kind : outcome.ending.state,
      );
      expect(rollbacks.sort()).toEqual(["rolled_back", "skipped"]);
      const reports = outcomes.map((outcome) => describeOutcome(outcome, options));
      expect(flat(reports.flatMap((report) => report.notifications)).map((n) => n.event)).toEqual([
        "rollout.rolled_back",
      ]);
      expect(reports.map((report) => report.line.outcome)).toEqual(["rolled_back", "rolled_back"]);
      expect(readLedger(current().annotations).quarantined).toEqual([digest("b")]);
    });
  });

  it("two invocations seeing one completion: the one whose write lands is the writer, the other is silent", async () => {
    const { api, executor, current } = setup();
    const started = await executor.start(api, current(), candidate(), clock());
    if (!("api" in started)) throw new Error(started.reason);
    const pushed = executor.follow(started, clock());
    const finished = executor.finish(api, current(), clock());
    api.controller = completes;
    api.update(NAMESPACE, NAME, () => ({}));

    const [first, second] = [await pushed, asRollout(await finished)];

    expect([first.ending, second.ending]).toEqual([
      expect.objectContaining({ state: "succeeded", writer: true }),
      expect.objectContaining({ state: "succeeded", writer: false }),
    ]);
    const loser = describeOutcome(second, options);
    expect(loser.line).toMatchObject({
      action: "finished",
      outcome: "succeeded",
      reason: "rollout complete (reported by another invocation)",
    });
    expect(loser.metrics).toEqual([]);
    expect(flat(loser.notifications)).toEqual([]);
    expect(flat(describeOutcome(first, options).notifications).map((n) => n.event)).toEqual([
      "rollout.succeeded",
    ]);
  });

  it("a duplicate delivery of the same push loses the race, skips, and reports nothing", async () => {
    const { api, executor, current } = setup();
    api.controller = completes;
    const read = current();

    const outcomes = await Promise.all([
      executor.rollOut(api, read, candidate(), clock()),
      executor.rollOut(api, read, candidate(), clock()),
    ]);

    const [winner, loser] = outcomes[0].kind === "rollout" ? outcomes : [outcomes[1], outcomes[0]];
    expect(winner).toMatchObject({ kind: "rollout", ending: { state: "succeeded", writer: true } });
    expect(loser).toMatchObject({ kind: "skipped", reason: `already running ${"b".repeat(12)}` });
    const report = describeOutcome(loser, options);
    expect(report.metrics).toEqual([]);
    expect(flat(report.notifications)).toEqual([]);
    expect(image(current())).toBe(PINNED);
  });
});

describe("RolloutExecutor and the stage-wide quarantine", () => {
  const stuck = candidate({ tag: "1.1.0-never-ready" });

  it("a rollback writes the quarantine to the table before its ledger write", async () => {
    const { api, executor, current, quarantine } = setup();
    api.controller = failsFor(/never-ready/);
    const ledgerAtQuarantine: string[] = [];
    quarantine.onQuarantine = () => {
      const ledger = readLedger(current().annotations);
      ledgerAtQuarantine.push(`${ledger.rollout?.phase}:${ledger.quarantined.length}`);
    };

    const outcome = asRollout(await executor.rollOut(api, current(), stuck, clock()));

    expect(outcome.ending).toMatchObject({ state: "rolled_back", rollback: { kind: "rolled_back" } });
    // when the table was written, the ledger still had the rollout and no quarantine
    expect(ledgerAtQuarantine).toEqual(["progressing:0"]);
    expect([...quarantine.entries.values()]).toEqual([
      {
        registryId: "123456789012",
        repositoryName: "api",
        digest: digest("b"),
        reason: expect.stringMatching(/timed out progressing/),
        deployment: "prod/coworking/api",
        at: expect.any(Date),
      },
    ]);
    expect(readLedger(current().annotations).quarantined).toEqual([digest("b")]);
  });

  it("a table that cannot be written does not stop the rollback; the report says the quarantine is local", async () => {
    const { api, executor, current, quarantine } = setup();
    api.controller = failsFor(/never-ready/);
    quarantine.onQuarantine = () => {
      throw new Error("dynamodb:PutItem on coworking-state: ServiceUnavailable");
    };

    const outcome = asRollout(await executor.rollOut(api, current(), stuck, clock()));

    expect(image(current())).toBe(RUNNING);
    const rollback = outcome.ending.state === "rolled_back" ? outcome.ending.rollback : undefined;
    expect(rollback).toMatchObject({
      kind: "rolled_back",
      quarantineError: "dynamodb:PutItem on coworking-state: ServiceUnavailable",
    });
    const report = describeOutcome(outcome, options);
    expect(JSON.stringify(report.notifications)).toContain("on this Deployment only");
    expect(report.logs.map((log) => log.level)).toContain("error");
  });

  it("a digest the table quarantines is not rolled out to a Deployment whose ledger never saw it", async () => {
    const { api, executor, current } = setup();
    const outcome = await executor.rollOut(api, current(), candidate({ quarantined: true }), clock());
    expect(outcome).toMatchObject({
      kind: "skipped",
      reason: "digest bbbbbbbbbbbb is quarantined in this stage after a failed rollout",
    });
    expect(api.patchRequests).toBe(0);
  });
});

describe("RolloutExecutor refusals", () => {
  it("refuses a rollout to a Deployment whose ledger is unreadable: nothing written, reported once", async () => {
    const { api, executor, current } = setup({ [Annotation.lastKnownGood]: '{"images":"evil"}' });

    const outcome = await executor.rollOut(api, current(), candidate(), clock());

    expect(outcome).toMatchObject({
      kind: "refused",
      step: "rollout",
      reason: "no rollout of api:1.1.0",
      refusal: { annotation: Annotation.lastKnownGood, source: "ledger" },
    });
    expect(api.patchRequests).toBe(0);
    const report = describeOutcome(outcome, options);
    expect(report.line).toMatchObject({ action: "refused" });
    expect(report.metrics).toEqual([
      {
        name: "RolloutRefused",
        unit: "Count",
        value: 1,
        dimensions: { Deployment: "prod/coworking/api", Annotation: Annotation.lastKnownGood },
      },
    ]);
    expect(report.notifications).toEqual([
      expect.objectContaining({ event: "rollout.refused", severity: "critical" }),
    ]);
  });

  it("a failed rollout with an unreadable auto-rollback is neither rolled back nor marked failed", async () => {
    const { api, executor, current } = setup();
    const started = await executor.start(api, current(), candidate({ tag: "1.1.0-never-ready" }), clock());
    if (!("api" in started)) throw new Error(started.reason);
    const writes = api.patchRequests;
    api.update(NAMESPACE, NAME, (d) => ({
      annotations: { ...d.annotations, [Annotation.autoRollback]: "yes" },
    }));
    api.controller = failsFor(/never-ready/);
    api.update(NAMESPACE, NAME, () => ({}));

    const outcome = await executor.follow(started, clock());

    expect(outcome.ending).toMatchObject({
      state: "refused",
      refusal: { annotation: Annotation.autoRollback, value: "yes", source: "setting" },
    });
    expect(api.patchRequests).toBe(writes);
    expect(image(current())).toContain("1.1.0-never-ready");
    const report = describeOutcome(outcome, options);
    expect(report.line).toMatchObject({ outcome: "refused" });
    expect(flat(report.notifications).map((n) => n.event)).toEqual(["rollout.refused"]);
  });
});

describe("RolloutExecutor, the running image's push time", () => {
  it("asks ECR once per running image, however many Deployments run it, and asks again after no answer", async () => {
    const api = new InMemoryDeployments("prod");
    api.controller = completes;
    const withoutFloor = (name: string) => {
      const state = deployment({ name });
      const { [Annotation.pushedAt]: _floor, ...annotations } = state.annotations;
      return { ...state, annotations };
    };
    for (const name of ["api-0", "api-1", "api-2"]) api.put(withoutFloor(name));
    let lookups = 0;
    let answer: Date | undefined;
    const executor = new RolloutExecutor({
      registry: () => ({
        describeImage: async (repositoryName: string, digestOf: string) => {
          lookups++;
          return (
            answer && {
              registryId: "123456789012",
              repositoryName,
              digest: digestOf,
              tags: ["1.0.0"],
              pushedAt: answer,
            }
          );
        },
        listImages: async () => [],
      }),
      logger: { info: () => undefined },
      ownRegistry: REGISTRY,
      quarantine: new InMemoryQuarantine(),
    });

    await executor.start(api, api.read(NAMESPACE, "api-0"), candidate(), clock());
    expect(lookups).toBe(1); // no answer: not remembered
    answer = new Date("2026-11-01T10:00:00.000Z");
    for (const name of ["api-1", "api-2"])
      await executor.start(api, api.read(NAMESPACE, name), candidate(), clock());
    expect(lookups).toBe(2);
  });
});
