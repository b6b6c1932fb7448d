import { costMetrics, costResult, planClusterReport } from "../../../functions/cost/report.js";
import { livePrices, twoNodeCluster } from "./fixtures.js";

describe("costResult and costMetrics", () => {
  const report = planClusterReport(twoNodeCluster, livePrices, { production: true });

  it("has the documented fields, rounded to hundredths of a cent", () => {
    const result = costResult([report], new Date("2026-01-01T00:00:00Z"));
    // 0.096 + 0.0125 + 0.1 + 20 × 0.08 / 730 = 0.2106918
    expect(result.clusterCostPerHour).toBe(0.2107);
    expect(result.byNode.n2).toEqual({
      cluster: "dev",
      instanceType: "t3.medium",
      capacityType: "SPOT",
      zone: "us-east-1b",
      pricePerHour: 0.0125,
      priceSource: "spot-price-history",
      idleCostPerHour: 0.0063,
    });
    expect(Object.keys(result.byNamespace)).toEqual(["data", "web"]);
    expect(result.byDeployment).toEqual({ "data/db": 0.0063, "web/api": 0.0213 });
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
      value: 0.0213,
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
