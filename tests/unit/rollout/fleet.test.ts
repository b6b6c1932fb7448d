import { Fleet, mapBounded, rethrowFirst } from "../../../functions/rollout/fleet.js";
import type { DeploymentApi } from "../../../functions/rollout/ports/deploymentApi.js";
import { PermissionDeniedError } from "../../../functions/types/errors.js";

describe("mapBounded", () => {
  it("keeps the input order and never runs more than `limit` at a time", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([50, 10, 30, 0, 20, 40], 3, async (delay) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running--;
      return delay * 2;
    });
    expect(results).toEqual([100, 20, 60, 0, 40, 80]);
    expect(peak).toBe(3);
  });

  it("handles no items", async () => {
    expect(await mapBounded([], 10, async () => 1)).toEqual([]);
  });
});

describe("rethrowFirst", () => {
  it("throws the first collected failure, or nothing", () => {
    expect(() => rethrowFirst([])).not.toThrow();
    expect(() => rethrowFirst([new Error("first"), new Error("second")])).toThrow("first");
  });
});

describe("Fleet.scan", () => {
  const lister = (cluster: string, calls: string[]): DeploymentApi =>
    ({
      cluster,
      listOptedIn: async (namespace: string) => {
        calls.push(`${cluster}:${namespace}`);
        if (namespace === "locked") throw new PermissionDeniedError("list deployments.apps in locked");
        return [{ cluster, namespace: namespace === "*" ? "team-a" : namespace, name: "api" }];
      },
    }) as unknown as DeploymentApi;

  it("lists each named namespace of each cluster, and a namespace it may not read is that namespace's error", async () => {
    const calls: string[] = [];
    const fleet = new Fleet({
      apis: async () => [lister("blue", calls), lister("green", calls)],
      namespaces: { kind: "namespaces", names: ["coworking", "locked"] },
      concurrency: 2,
    });
    const scan = await fleet.scan();
    expect(calls.sort()).toEqual(["blue:coworking", "blue:locked", "green:coworking", "green:locked"]);
    expect(scan.members.map((m) => `${m.deployment.cluster}/${m.deployment.namespace}`).sort()).toEqual([
      "blue/coworking",
      "green/coworking",
    ]);
    expect(scan.errors.map((e) => `${e.cluster}/${e.namespace}`).sort()).toEqual([
      "blue/locked",
      "green/locked",
    ]);
    expect(scan.failures).toEqual([]); // permission denied: reported, not retried
  });

  it("lists every namespace with one cluster-wide LIST per cluster", async () => {
    const calls: string[] = [];
    const fleet = new Fleet({
      apis: async () => [lister("blue", calls), lister("green", calls)],
      namespaces: { kind: "cluster-wide" },
      concurrency: 2,
    });
    const scan = await fleet.scan();
    expect(calls.sort()).toEqual(["blue:*", "green:*"]);
    expect(scan.members).toHaveLength(2);
  });
});
