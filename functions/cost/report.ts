// Shapes the model's per-cluster figures into the reportCost result and its EMF metrics.
import { type Advice, type AdviceOptions, savingsAdvice } from "./advice.js";
import { allocateCost, type ClusterCost } from "./allocation.js";
import type { CapacityType, ClusterInventory } from "./inventory.js";
import type { PriceBook, PriceSource } from "./prices.js";

export interface ClusterReport {
  cost: ClusterCost;
  advice: Advice[];
}

export interface NodeLine {
  cluster: string;
  instanceType: string;
  capacityType: CapacityType;
  zone: string;
  pricePerHour: number;
  priceSource: PriceSource;
  priceAsOf?: string;
  idleCostPerHour: number;
}

/** The reportCost handler's result; all money in USD, $/hour unless the name says month. */
export interface CostResult {
  generatedAt: string;
  clusterCostPerHour: number;
  idleCostPerHour: number;
  controlPlaneCostPerHour: number;
  storageCostPerHour: number;
  spotSavingsPerHour: number;
  savingsOpportunityPerMonth: number;
  byCluster: Record<string, number>;
  byNode: Record<string, NodeLine>;
  byNamespace: Record<string, number>;
  byDeployment: Record<string, number>;
  advice: (Advice & { cluster: string })[];
  problems: string[];
}

/**
 * Six decimals: a spot price (e.g. $0.0346/h) or one small pod's share (e.g. $0.0012/h) keeps its
 * digits, and sums over a month (× 730) stay right to the cent.
 */
export const round = (usd: number): number => Math.round(usd * 1_000_000) / 1_000_000;

function merge(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

function rounded(map: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(map)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, round(v)]),
  );
}

const total = (reports: ClusterReport[], pick: (c: ClusterCost) => number) =>
  round(reports.reduce((t, r) => t + pick(r.cost), 0));

export function costResult(reports: ClusterReport[], generatedAt: Date): CostResult {
  const byNamespace: Record<string, number> = {};
  const byDeployment: Record<string, number> = {};
  const byNode: Record<string, NodeLine> = {};
  for (const { cost } of reports) {
    merge(byNamespace, cost.byNamespace);
    merge(byDeployment, cost.byDeployment);
    for (const [name, node] of Object.entries(cost.byNode)) {
      byNode[name] = {
        cluster: cost.cluster,
        instanceType: node.instanceType,
        capacityType: node.capacityType,
        zone: node.zone,
        pricePerHour: round(node.pricePerHour),
        priceSource: node.priceSource,
        ...(node.priceAsOf ? { priceAsOf: node.priceAsOf } : {}),
        idleCostPerHour: round(node.idleCostPerHour),
      };
    }
  }
  const advice = reports.flatMap((r) => r.advice.map((a) => ({ ...a, cluster: r.cost.cluster })));
  return {
    generatedAt: generatedAt.toISOString(),
    clusterCostPerHour: total(reports, (c) => c.clusterCostPerHour),
    idleCostPerHour: total(reports, (c) => c.idleCostPerHour),
    controlPlaneCostPerHour: total(reports, (c) => c.controlPlaneCostPerHour),
    storageCostPerHour: total(reports, (c) => c.storageCostPerHour),
    spotSavingsPerHour: total(reports, (c) => c.spotSavingsPerHour),
    savingsOpportunityPerMonth: Math.round(advice.reduce((t, a) => t + a.savingsPerMonth, 0) * 100) / 100,
    byCluster: Object.fromEntries(reports.map((r) => [r.cost.cluster, round(r.cost.clusterCostPerHour)])),
    byNode,
    byNamespace: rounded(byNamespace),
    byDeployment: rounded(byDeployment),
    advice,
    problems: reports.flatMap((r) => r.cost.problems.map((p) => `${r.cost.cluster}: ${p}`)),
  };
}

export interface MetricPoint {
  name: "CostPerHour" | "IdleCostPerHour" | "SpotSavingsPerHour" | "SavingsOpportunityPerMonth";
  value: number;
  dimensions: Record<string, string>;
}

/** EMF points (namespace CoworkingDelivery): one per cluster, node, namespace and Deployment. */
export function costMetrics(reports: ClusterReport[]): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const { cost, advice } of reports) {
    const Cluster = cost.cluster;
    points.push(
      { name: "CostPerHour", value: round(cost.clusterCostPerHour), dimensions: { Cluster } },
      { name: "IdleCostPerHour", value: round(cost.idleCostPerHour), dimensions: { Cluster } },
      { name: "SpotSavingsPerHour", value: round(cost.spotSavingsPerHour), dimensions: { Cluster } },
      {
        name: "SavingsOpportunityPerMonth",
        value: Math.round(advice.reduce((t, a) => t + a.savingsPerMonth, 0) * 100) / 100,
        dimensions: { Cluster },
      },
    );
    for (const [Node, node] of Object.entries(cost.byNode)) {
      points.push({
        name: "CostPerHour",
        value: round(node.pricePerHour),
        dimensions: { Cluster, Node, InstanceType: node.instanceType, CapacityType: node.capacityType },
      });
    }
    for (const [Namespace, value] of Object.entries(cost.byNamespace)) {
      points.push({ name: "CostPerHour", value: round(value), dimensions: { Cluster, Namespace } });
    }
    for (const [Deployment, value] of Object.entries(cost.byDeployment)) {
      points.push({ name: "CostPerHour", value: round(value), dimensions: { Cluster, Deployment } });
    }
  }
  return points;
}

/** The pure plan for one cluster: allocation, then advice from it. */
export function planClusterReport(
  inventory: ClusterInventory,
  prices: PriceBook,
  options: AdviceOptions,
): ClusterReport {
  const cost = allocateCost(inventory, prices);
  return { cost, advice: savingsAdvice(inventory, cost, prices, options) };
}
