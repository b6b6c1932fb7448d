import { costMetrics, costResult, planClusterReport } from "../../../functions/cost/report.js";
import { livePrices, twoNodeCluster } from "./fixtures.js";

describe("costResult and costMetrics", () => {
  const report = planClusterReport(twoNodeCluster, livePrices, { production: true });

  it("has the documented fields, rounded to millionths of a dollar", () => {
    const result = costResult([report], new Date("2026-01-01T00:00:00Z"));
    // 0.096 + 0.0125 + 0.1 + 20 × 0.08 / 730 = 0.21069178
    expect(result.clusterCostPerHour).toBe(0.210692);
    expect(result.byNode.n2).toEqual({
      cluster: "dev",
      instanceType: "t3.medium",
      capacityType: "SPOT",
      zone: "us-east-1b",
      pricePerHour: 0.0125,
      priceSource: "spot-price-history",
      idleCostPerHour: 0.00625,
    });
    expect(Object.keys(result.byNamespace)).toEqual(["data", "web"]);
    // web/api: 0.5 × 0.0370286 + 1 × 0.0027429 = 0.0212571
    expect(result.byDeployment).toEqual({ "data/db": 0.00625, "web/api": 0.021257 });
    expect(result.savingsOpportunityPerMonth).toBe(15.62); // graviton 13.87 + 1.75
    expect(result.generatedAt).toBe("2026-01-01T00:00:00.000Z");
  });

  it("emits cost per cluster, node (with type and capacity), namespace and Deployment", () => {
    const points = costMetrics([report]);
    expect(points).toContainEqual({
      name: "CostPerHour",
      value: 0.096,
      dimensions: { Cluster: "dev", Node: "n1", InstanceType: "m5.large", CapacityType: "ON_DEMAND" },
    });
    expect(points).toContainEqual({
      name: "CostPerHour",
      value: 0.021257,
      dimensions: { Cluster: "dev", Deployment: "web/api" },
    });
    expect(points).toContainEqual({
      name: "SpotSavingsPerHour",
      value: 0.0291,
      dimensions: { Cluster: "dev" },
    });
    expect(points.filter((p) => p.name === "CostPerHour")).toHaveLength(1 + 2 + 2 + 2);
  });
});
