// The cost model: what each node costs, split into a CPU part and a memory part, charged to pods
// by their requests; what nobody requested is idle. Pure and linear in nodes + pods.
//
// CPU/memory split. A node's price is split as if 1 vCPU costs as much as 13.5 GiB of memory.
// That ratio comes from EC2's own price list: c5.large ($0.085/h, 2 vCPU, 4 GiB) and m5.large
// ($0.096/h, 2 vCPU, 8 GiB) differ only by 4 GiB, so memory ≈ $0.00275/GiB-h and a vCPU ≈
// (0.085 − 4 × 0.00275) / 2 = $0.037/h, i.e. 13.5 GiB. (r5.large, 2 vCPU/16 GiB, predicts $0.118
// against $0.126 listed: close enough for attribution.) A fixed ratio keeps a pod's cost
// independent of which node it landed on, except through that node's own price, and the split
// never changes the node total: it only decides whose request pays for which part.
import type { CapacityType, ClusterInventory, NodeInfo } from "./inventory.js";
import {
  EBS_PER_GB_MONTH,
  EKS_CONTROL_PLANE_PER_HOUR,
  HOURS_PER_MONTH,
  nodeQuote,
  onDemandQuote,
  type PriceBook,
  type PriceSource,
} from "./prices.js";

export const GIB_PER_VCPU_PRICE_WEIGHT = 13.5;

export interface NodeCost {
  instanceType: string;
  capacityType: CapacityType;
  zone: string;
  pricePerHour: number;
  priceSource: PriceSource;
  priceAsOf?: string;
  /** On-demand price of the same type, for spot savings and advice. */
  onDemandPricePerHour: number;
  cpuCores: number;
  memoryGiB: number;
  requestedCpuCores: number;
  requestedMemoryGiB: number;
  idleCostPerHour: number;
}

export interface ClusterCost {
  cluster: string;
  clusterCostPerHour: number;
  nodesCostPerHour: number;
  controlPlaneCostPerHour: number;
  storageCostPerHour: number;
  idleCostPerHour: number;
  spotSavingsPerHour: number;
  byNode: Record<string, NodeCost>;
  byNamespace: Record<string, number>;
  byDeployment: Record<string, number>;
  problems: string[];
}

/** The share of a node's hourly price that pays for its CPU (the rest pays for memory). */
export function cpuShare(cpuCores: number, memoryGiB: number): number {
  const cpuWeight = cpuCores * GIB_PER_VCPU_PRICE_WEIGHT;
  return cpuWeight / (cpuWeight + memoryGiB);
}

/** $/hour of one core and one GiB on this node. */
export function unitPrices(node: Pick<NodeInfo, "cpuCores" | "memoryGiB">, pricePerHour: number) {
  const share = cpuShare(node.cpuCores, node.memoryGiB);
  return {
    perCore: (pricePerHour * share) / node.cpuCores,
    perGiB: (pricePerHour * (1 - share)) / node.memoryGiB,
  };
}

function add(map: Record<string, number>, key: string, value: number): void {
  map[key] = (map[key] ?? 0) + value;
}

export function allocateCost(inventory: ClusterInventory, prices: PriceBook): ClusterCost {
  const problems: string[] = [];
  const byNode: Record<string, NodeCost> = {};
  for (const node of inventory.nodes) {
    const quote = nodeQuote(node, prices);
    if (quote.source === "unknown") problems.push(`node ${node.name}: no price for ${node.instanceType}`);
    byNode[node.name] = {
      instanceType: node.instanceType,
      capacityType: node.capacityType,
      zone: node.zone,
      pricePerHour: quote.pricePerHour,
      priceSource: quote.source,
      ...(quote.asOf ? { priceAsOf: quote.asOf } : {}),
      onDemandPricePerHour: onDemandQuote(node.instanceType, prices).pricePerHour,
      cpuCores: node.cpuCores,
      memoryGiB: node.memoryGiB,
      requestedCpuCores: 0,
      requestedMemoryGiB: 0,
      idleCostPerHour: 0,
    };
  }

  let podsOnUnknownNodes = 0;
  for (const pod of inventory.pods) {
    const node = byNode[pod.nodeName];
    if (node) {
      node.requestedCpuCores += pod.cpuCores;
      node.requestedMemoryGiB += pod.memoryGiB;
    } else podsOnUnknownNodes++;
  }
  if (podsOnUnknownNodes > 0) problems.push(`${podsOnUnknownNodes} pods on nodes that could not be priced`);

  // Requests beyond capacity (possible only against allocatable quirks) share the node, never exceed it.
  const rates = new Map<string, { perCore: number; perGiB: number }>();
  for (const [name, node] of Object.entries(byNode)) {
    const { perCore, perGiB } = unitPrices(node, node.pricePerHour);
    const cpuBase = Math.max(node.cpuCores, node.requestedCpuCores);
    const memBase = Math.max(node.memoryGiB, node.requestedMemoryGiB);
    const rate = {
      perCore: (perCore * node.cpuCores) / cpuBase,
      perGiB: (perGiB * node.memoryGiB) / memBase,
    };
    rates.set(name, rate);
    node.idleCostPerHour =
      node.pricePerHour - rate.perCore * node.requestedCpuCores - rate.perGiB * node.requestedMemoryGiB;
  }

  const byNamespace: Record<string, number> = {};
  const byDeployment: Record<string, number> = {};
  for (const pod of inventory.pods) {
    const rate = rates.get(pod.nodeName);
    if (!rate) continue;
    const cost = rate.perCore * pod.cpuCores + rate.perGiB * pod.memoryGiB;
    add(byNamespace, pod.namespace, cost);
    if (pod.deployment) add(byDeployment, pod.deployment, cost);
  }

  let storageCostPerHour = 0;
  let unclaimedStorage = 0;
  for (const volume of inventory.volumes) {
    const perMonth = EBS_PER_GB_MONTH[volume.volumeType] ?? EBS_PER_GB_MONTH.gp3 ?? 0;
    const cost = (volume.sizeGiB * perMonth) / HOURS_PER_MONTH;
    storageCostPerHour += cost;
    if (volume.namespace) add(byNamespace, volume.namespace, cost);
    else unclaimedStorage += cost;
  }

  const nodes = Object.values(byNode);
  const nodesCostPerHour = nodes.reduce((t, n) => t + n.pricePerHour, 0);
  return {
    cluster: inventory.cluster,
    clusterCostPerHour: nodesCostPerHour + EKS_CONTROL_PLANE_PER_HOUR + storageCostPerHour,
    nodesCostPerHour,
    controlPlaneCostPerHour: EKS_CONTROL_PLANE_PER_HOUR,
    storageCostPerHour,
    idleCostPerHour: nodes.reduce((t, n) => t + n.idleCostPerHour, 0) + unclaimedStorage,
    spotSavingsPerHour: nodes
      .filter((n) => n.capacityType === "SPOT" && n.onDemandPricePerHour > 0)
      .reduce((t, n) => t + (n.onDemandPricePerHour - n.pricePerHour), 0),
    byNode,
    byNamespace,
    byDeployment,
    problems,
  };
}
