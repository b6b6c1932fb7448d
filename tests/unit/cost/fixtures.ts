// A two-node cluster small enough to price by hand: one on-demand m5.large, one spot t3.medium,
// three pods (two of them from Deployments) and one bound 20 GiB gp3 volume.
import type { ClusterInventory } from "../../../functions/cost/inventory.js";
import type { PriceBook } from "../../../functions/cost/prices.js";

export const twoNodeCluster: ClusterInventory = {
  cluster: "dev",
  nodes: [
    {
      name: "n1",
      instanceType: "m5.large",
      capacityType: "ON_DEMAND",
      region: "us-east-1",
      zone: "us-east-1a",
      cpuCores: 2,
      memoryGiB: 8,
    },
    {
      name: "n2",
      instanceType: "t3.medium",
      capacityType: "SPOT",
      region: "us-east-1",
      zone: "us-east-1b",
      cpuCores: 2,
      memoryGiB: 4,
    },
  ],
  pods: [
    { namespace: "web", name: "api-1", nodeName: "n1", cpuCores: 0.5, memoryGiB: 1, deployment: "web/api" },
    { namespace: "web", name: "job", nodeName: "n1", cpuCores: 0.25, memoryGiB: 0.5 },
    { namespace: "data", name: "db-1", nodeName: "n2", cpuCores: 1, memoryGiB: 2, deployment: "data/db" },
  ],
  volumes: [{ name: "pv-1", sizeGiB: 20, volumeType: "gp3", namespace: "data" }],
};

/** Live quotes as the adapters would return them. */
export const livePrices: PriceBook = {
  onDemand: new Map([
    ["m5.large", { pricePerHour: 0.096, source: "pricing-api" }],
    ["t3.medium", { pricePerHour: 0.0416, source: "pricing-api" }],
    ["m6g.large", { pricePerHour: 0.077, source: "pricing-api" }],
    ["t4g.medium", { pricePerHour: 0.0336, source: "pricing-api" }],
  ]),
  spot: new Map([
    ["us-east-1b/t3.medium", { pricePerHour: 0.0125, source: "spot-price-history" }],
    ["us-east-1a/m5.large", { pricePerHour: 0.035, source: "spot-price-history" }],
  ]),
};
