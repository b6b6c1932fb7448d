import { allocateCost, cpuShare } from "../../../functions/cost/allocation.js";
import type { PriceBook } from "../../../functions/cost/prices.js";
import { livePrices, twoNodeCluster } from "./fixtures.js";

describe("allocateCost", () => {
  const cost = allocateCost(twoNodeCluster, livePrices);

  it("splits a node's price 13.5 GiB-equivalents per vCPU", () => {
    expect(cpuShare(2, 8)).toBeCloseTo(27 / 35, 12);
    expect(cpuShare(2, 4)).toBeCloseTo(27 / 31, 12);
  });

  it("charges pods by their requests at their node's CPU and memory rates", () => {
    // n1 m5.large $0.096: CPU part 0.096×27/35 over 2 cores = 0.0370286/core; memory 0.096×8/35 over 8 GiB = 0.0027429/GiB
    const n1Core = (0.096 * 27) / 35 / 2;
    const n1GiB = (0.096 * 8) / 35 / 8;
    const api = 0.5 * n1Core + 1 * n1GiB; // 0.0212571
    const job = 0.25 * n1Core + 0.5 * n1GiB; // 0.0106286
    // n2 t3.medium spot $0.0125: db asks for half its CPU and half its memory, so half the node
    const db = 0.0125 / 2;
    const pv = (20 * 0.08) / 730; // gp3 $0.08/GB-month, 730 h/month = 0.0021918
    expect(cost.byDeployment["web/api"]).toBeCloseTo(api, 9);
    expect(cost.byDeployment["data/db"]).toBeCloseTo(db, 9);
    expect(cost.byNamespace.web).toBeCloseTo(api + job, 9);
    expect(cost.byNamespace.data).toBeCloseTo(db + pv, 9);
    expect(cost.byNode.n1?.idleCostPerHour).toBeCloseTo(0.096 - api - job, 9);
    expect(cost.idleCostPerHour).toBeCloseTo(0.096 - api - job + (0.0125 - db), 9);
    expect(cost.clusterCostPerHour).toBeCloseTo(0.096 + 0.0125 + 0.1 + pv, 9);
    expect(cost.storageCostPerHour).toBeCloseTo(pv, 9);
  });

  it("prices spot nodes at their spot quote and counts what spot saves against on-demand", () => {
    expect(cost.byNode.n2).toMatchObject({ pricePerHour: 0.0125, priceSource: "spot-price-history" });
    expect(cost.byNode.n1).toMatchObject({ pricePerHour: 0.096, priceSource: "pricing-api" });
    expect(cost.spotSavingsPerHour).toBeCloseTo(0.0416 - 0.0125, 9);
  });

  it("never prices a spot node at the on-demand rate when the spot API gave nothing", () => {
    const noSpot: PriceBook = { onDemand: livePrices.onDemand, spot: new Map() };
    const node = allocateCost(twoNodeCluster, noSpot).byNode.n2;
    // fallback: t3.medium on-demand fallback $0.0416 × 0.35
    expect(node).toMatchObject({ priceSource: "fallback", priceAsOf: "2025-06-01" });
    expect(node?.pricePerHour).toBeCloseTo(0.0416 * 0.35, 9);
    expect(node?.pricePerHour).toBeLessThan(0.0416);
  });

  it("falls back to the dated table, flagged, only for what the Pricing API did not answer", () => {
    const noApi: PriceBook = { onDemand: new Map(), spot: livePrices.spot };
    const n1 = allocateCost(twoNodeCluster, noApi).byNode.n1;
    expect(n1).toMatchObject({ pricePerHour: 0.096, priceSource: "fallback", priceAsOf: "2025-06-01" });
  });

  it("reports, rather than invents, a price for an unknown instance type", () => {
    const odd = {
      ...twoNodeCluster,
      nodes: twoNodeCluster.nodes.slice(0, 1).map((n) => ({ ...n, instanceType: "x9z.huge" })),
    };
    const result = allocateCost(odd, { onDemand: new Map(), spot: new Map() });
    expect(result.byNode.n1).toMatchObject({ pricePerHour: 0, priceSource: "unknown" });
    expect(result.problems).toEqual([
      "node n1: no price for x9z.huge",
      "1 pods on nodes that could not be priced",
    ]);
  });

  it("never charges more than the node when requests exceed capacity", () => {
    const over = {
      ...twoNodeCluster,
      pods: [
        { namespace: "a", name: "p", nodeName: "n2", cpuCores: 3, memoryGiB: 4 },
        { namespace: "a", name: "q", nodeName: "n2", cpuCores: 1, memoryGiB: 4 },
      ],
    };
    const result = allocateCost(over, livePrices);
    expect(result.byNamespace.a).toBeCloseTo(0.0125, 12);
    expect(result.byNode.n2?.idleCostPerHour).toBeCloseTo(0, 12);
  });
});
