// The reconciler's time budget, against the in-memory apiserver FAKE with a fake clock: past the
// watch deadline no new rollout starts (the Deployment is reported deferred), and the next run
// starts exactly those, so a Deployment is never skipped for good. A throttled server defers
// work it stopped before any write the same way, and never fails the run.
import { RolloutExecutor } from "../../../functions/rollout/executor.js";
import { Fleet } from "../../../functions/rollout/fleet.js";
import type { DeploymentOutcome } from "../../../functions/rollout/outcome.js";
import type { ImageDetail } from "../../../functions/rollout/ports/imageRegistry.js";
import { DEFERRED, reconcileEverywhere } from "../../../functions/rollout/reconcile.js";
import { ConflictError, ThrottledError } from "../../../functions/types/errors.js";
import { completes, InMemoryDeployments } from "../../fakes/inMemoryDeployments.js";
import { ACCOUNT, deployment, digest, REGISTRY, REPOSITORY } from "./deployments.js";
import { InMemoryQuarantine } from "./quarantineStores.js";

const NAMES = ["api-0", "api-1", "api-2", "api-3"];
const newer: ImageDetail = {
  registryId: ACCOUNT,
  repositoryName: "api",
  digest: digest("b"),
  tags: ["1.1.0"],
  pushedAt: new Date("2026-11-02T10:00:00.000Z"),
};

function setup() {
  const api = new InMemoryDeployments("prod");
  api.controller = completes;
  for (const name of NAMES) api.put(deployment({ name }));
  const registry = { describeImage: async () => undefined, listImages: async () => [newer] };
  const quarantine = new InMemoryQuarantine();
  const executor = new RolloutExecutor({
    registry: () => registry,
    logger: { info: () => undefined },
    ownRegistry: REGISTRY,
    quarantine,
  });
  const fleet = new Fleet({
    apis: async () => [api],
    namespaces: { kind: "namespaces", names: ["coworking"] },
    concurrency: 1,
  });
  const image = (name: string) => api.read("coworking", name).containers[0]?.image;
  /** What reconcileEverywhere runs on, with the time budget's clock `now`. */
  const depsAt = (now: () => number) => ({
    fleet,
    executor,
    registry: () => registry,
    ownRegistry: REGISTRY,
    quarantine,
    now,
  });
  return { api, executor, fleet, registry, quarantine, image, depsAt };
}

const byName = (outcomes: DeploymentOutcome[]) =>
  Object.fromEntries(
    outcomes.map((outcome) => [outcome.name, outcome.kind === "skipped" ? outcome.reason : outcome.kind]),
  );

describe("reconcileEverywhere within the invocation's time", () => {
  it("defers the starts that no longer fit, and the next run starts exactly those", async () => {
    const { image, depsAt } = setup();
    const deadline = 1_000_000;
    const pinned = `${REPOSITORY}:1.1.0@${digest("b")}`;
    // The fake clock of the time budget: each run has time for two starts; the third finds the
    // deadline passed.
    let checks = 0;
    const deps = depsAt(() => (++checks > 2 ? deadline : deadline - 1));

    const first = await reconcileEverywhere(deps, { startedAt: 0, deadline });

    expect(byName(first.outcomes)).toEqual({
      "api-0": "rollout",
      "api-1": "rollout",
      "api-2": DEFERRED,
      "api-3": DEFERRED,
    });
    expect(NAMES.map(image)).toEqual([
      pinned,
      pinned,
      expect.stringContaining(digest("a")),
      expect.stringContaining(digest("a")),
    ]);

    // A new run with time for two starts again: the converged ones cost it nothing.
    checks = 0;
    const second = await reconcileEverywhere(deps, { startedAt: 0, deadline });

    expect(byName(second.outcomes)).toMatchObject({ "api-2": "rollout", "api-3": "rollout" });
    expect(NAMES.map(image)).toEqual(NAMES.map(() => pinned));
  });
});

describe("reconcileEverywhere past the watch deadline", () => {
  it("keeps starting rollouts until the invocation's own end, leaving them to the next run to watch", async () => {
    const { image, depsAt } = setup();
    const watchDeadline = 1_000_000;
    const deps = depsAt(() => watchDeadline + 1);

    const run = await reconcileEverywhere(deps, {
      startedAt: 0,
      deadline: watchDeadline,
      end: watchDeadline + 60_000,
    });

    expect(Object.values(byName(run.outcomes))).not.toContain(DEFERRED);
    expect(NAMES.map(image).every((pinned) => pinned?.includes(digest("b")))).toBe(true);
  });
});

describe("reconcileEverywhere when the apiserver throttles", () => {
  const deadline = 1_000_000;
  const throttle = (names: string[]) => (_namespace: string, name: string) => {
    if (names.includes(name)) throw new ThrottledError(`PATCH ${name}: HTTP 429 (throttled)`, 1000);
  };

  it("defers a start throttled before any write, without failing the run; the next run starts it", async () => {
    const { api, image, depsAt } = setup();
    const deps = depsAt(() => 0);
    api.beforePatch = throttle(["api-1"]);

    const first = await reconcileEverywhere(deps, { startedAt: 0, deadline });

    const deferred = first.outcomes.find((outcome) => outcome.name === "api-1");
    expect(deferred).toEqual({
      cluster: "prod",
      namespace: "coworking",
      name: "api-1",
      kind: "skipped",
      step: "catch-up",
      reason: "deferred: PATCH api-1: HTTP 429 (throttled); the next run takes it up",
      deferred: "throttled",
    });
    expect(first.failures).toEqual([]);
    expect(image("api-1")).toContain(digest("a"));

    api.beforePatch = undefined;
    const second = await reconcileEverywhere(deps, { startedAt: 0, deadline });
    expect(byName(second.outcomes)).toMatchObject({ "api-1": "rollout" });
    expect(image("api-1")).toContain(digest("b"));
  });

  it("reports a throttle after a write as the error it is, with what landed, and still does not fail the run", async () => {
    const { api, image, depsAt } = setup();
    const deps = depsAt(() => 0);
    // The image PATCH lands; the ledger write that ends the rollout is throttled.
    let writes = 0;
    api.beforePatch = (_namespace, name) => {
      if (name === "api-2" && ++writes > 1) throw new ThrottledError("PATCH api-2: HTTP 429 (throttled)");
    };

    const run = await reconcileEverywhere(deps, { startedAt: 0, deadline });

    const failed = run.outcomes.find((outcome) => outcome.name === "api-2");
    expect(failed).toMatchObject({ kind: "error", retryable: false, landed: { patched: expect.anything() } });
    expect(run.failures).toEqual([]);
    expect(image("api-2")).toContain(digest("b"));
  });

  it("still fails the run for a failure a retry could help that is not throttling", async () => {
    const { api, depsAt } = setup();
    const deps = depsAt(() => 0);
    api.beforePatch = (_namespace, name) => {
      if (name === "api-3") throw new ConflictError(`PATCH ${name}: 409 again`);
    };

    const run = await reconcileEverywhere(deps, { startedAt: 0, deadline });

    expect(run.failures.map((error) => error.message)).toEqual([expect.stringContaining("api-3")]);
  });
});
