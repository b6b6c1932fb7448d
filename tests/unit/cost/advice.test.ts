import { savingsAdvice, type UsageOfRequest } from "../../../functions/cost/advice.js";
import { allocateCost } from "../../../functions/cost/allocation.js";
import type { ClusterInventory, NodeInfo, PodInfo } from "../../../functions/cost/inventory.js";
import type { PriceBook } from "../../../functions/cost/prices.js";
import { livePrices, twoNodeCluster } from "./fixtures.js";

const noQuotes: PriceBook = { onDemand: new Map(), spot: new Map() };

function adviceFor(
  inventory: ClusterInventory,
  prices: PriceBook,
  production: boolean,
  usage?: Map<string, UsageOfRequest>,
) {
  return savingsAdvice(inventory, allocateCost(inventory, prices), prices, {
    production,
    ...(usage ? { usage } : {}),
  });
}

const node = (name: string, instanceType: string, cpuCores: number, memoryGiB: number): NodeInfo => ({
  name,
  instanceType,
  capacityType: "ON_DEMAND",
  region: "us-east-1",
  zone: "us-east-1a",
  cpuCores,
  memoryGiB,
});
const pod = (nodeName: string, cpuCores: number, memoryGiB: number): PodInfo => ({
  namespace: "a",
  name: `p-${nodeName}`,
  nodeName,
  cpuCores,
  memoryGiB,
});

describe("savingsAdvice", () => {
  it("advises spot for on-demand nodes outside production, priced from the zone's spot quote", () => {
    const advice = adviceFor(twoNodeCluster, livePrices, false);
    // m5.large on-demand 0.096 − spot in us-east-1a 0.035 = 0.061/h × 730 = 44.53/month
    expect(advice.find((a) => a.kind === "spot")).toMatchObject({
      target: "m5.large ON_DEMAND",
      savingsPerMonth: 44.53,
    });
    expect(adviceFor(twoNodeCluster, livePrices, true).some((a) => a.kind === "spot")).toBe(false);
  });

  it("advises Graviton equivalents, keeping a spot node's discount", () => {
    const graviton = adviceFor(twoNodeCluster, livePrices, true).filter((a) => a.kind === "graviton");
    expect(graviton).toEqual([
      // (0.096 − 0.077) × 730 = 13.87
      expect.objectContaining({ target: "m5.large ON_DEMAND", savingsPerMonth: 13.87 }),
      // spot t3.medium at 0.0125 is 0.0125/0.0416 of on-demand; t4g.medium 0.0336 × that = 0.0100962
      // (0.0125 − 0.0100962) × 730 = 1.75
      expect.objectContaining({ target: "t3.medium SPOT", savingsPerMonth: 1.75 }),
    ]);
  });

  it("advises a smaller node count when a group is under 40% requested", () => {
    const cluster: ClusterInventory = {
      cluster: "c",
      nodes: [1, 2, 3, 4].map((i) => node(`n${i}`, "m5.xlarge", 4, 16)),
      pods: [pod("n1", 1, 2), pod("n2", 1, 2)],
      volumes: [],
    };
    const consolidate = adviceFor(cluster, noQuotes, true).find((a) => a.kind === "consolidate");
    // requests 2 vCPU / 4 GiB of 16 / 64: 12.5%; ceil(max(2/4, 4/16) / 0.8) = 1 node;
    // 3 × fallback 0.192 × 730 = 420.48
    expect(consolidate).toMatchObject({ target: "m5.xlarge ON_DEMAND", savingsPerMonth: 420.48 });
    expect(consolidate?.message).toBe(
      "4 × m5.xlarge: 13% requested; 1 would hold their requests at 80% fill",
    );
  });

  it("advises a smaller type when the count cannot shrink", () => {
    const cluster: ClusterInventory = {
      cluster: "c",
      nodes: [node("n1", "m5.2xlarge", 8, 32)],
      pods: [pod("n1", 1, 3)],
      volumes: [],
    };
    const advice = adviceFor(cluster, noQuotes, true);
    // m5.large (2 vCPU, 8 GiB) holds 1 vCPU / 3 GiB under 80%: (0.384 − 0.096) × 730 = 210.24
    expect(advice.find((a) => a.kind === "smaller-type")).toMatchObject({ savingsPerMonth: 210.24 });
    expect(advice.find((a) => a.kind === "smaller-type")?.message).toContain("m5.large holds");
    expect(advice.map((a) => a.savingsPerMonth)).toEqual([210.24, 55.48]);
  });

  it("advises lower requests only when Container Insights usage is far below them", () => {
    const usage = new Map([
      ["web/api", { cpu: 0.2, memory: 0.8 }],
      ["data/db", { cpu: 0.9, memory: 0.95 }],
    ]);
    const rightsize = adviceFor(twoNodeCluster, livePrices, true, usage).filter(
      (a) => a.kind === "rightsize-requests",
    );
    // web/api uses 20% of its 0.5 vCPU: keep 20% × 1.25 = 25% of it; memory at 80% is fine.
    // CPU cost 0.5 × (0.096 × 27/35 / 2) = 0.0185143/h; saves 75% of it = 0.0138857 × 730 = 10.14
    expect(rightsize).toEqual([expect.objectContaining({ target: "web/api", savingsPerMonth: 10.14 })]);
    expect(rightsize[0]?.message).toBe(
      "web/api uses 20% of its 0.50 vCPU and 80% of its 1.00 GiB requested; requests of use +25% would do",
    );
    expect(adviceFor(twoNodeCluster, livePrices, true).some((a) => a.kind === "rightsize-requests")).toBe(
      false,
    );
  });
});

describe("smaller-type advice", () => {
  it("never suggests a node below 4 GiB, which the kubelet and DaemonSets would fill", () => {
    const cluster: ClusterInventory = {
      cluster: "c",
      nodes: [
        {
          name: "n1",
          instanceType: "t3.large",
          capacityType: "ON_DEMAND",
          region: "us-east-1",
          zone: "us-east-1a",
          cpuCores: 2,
          memoryGiB: 8,
        },
      ],
      pods: [{ namespace: "a", name: "p", nodeName: "n1", cpuCores: 0.1, memoryGiB: 0.1 }],
      volumes: [],
    };
    const prices: PriceBook = { onDemand: new Map(), spot: new Map() };
    const advice = savingsAdvice(cluster, allocateCost(cluster, prices), prices, { production: true });
    // t3.micro and t3.small would hold the requests, but t3.medium (4 GiB) is the smallest offered:
    // (0.0832 − 0.0416) × 730 = 30.37
    expect(advice.find((a) => a.kind === "smaller-type")).toMatchObject({ savingsPerMonth: 30.37 });
    expect(advice.find((a) => a.kind === "smaller-type")?.message).toContain("t3.medium holds");
  });
});
