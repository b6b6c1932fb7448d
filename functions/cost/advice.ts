// Savings advice computed from the cluster as it is, each item with its estimated $/month.
// Each item is estimated on its own (spot and Graviton advice for the same node overlap), so
// their sum is an upper bound of what acting on all of them would save.
import type { ClusterCost } from "./allocation.js";
import { unitPrices } from "./allocation.js";
import { gravitonEquivalent, INSTANCE_CATALOG, smallerSizes } from "./catalog.js";
import type { ClusterInventory } from "./inventory.js";
import { HOURS_PER_MONTH, onDemandQuote, type PriceBook, SPOT_FALLBACK_FRACTION, spotKey } from "./prices.js";

export type AdviceKind = "spot" | "consolidate" | "smaller-type" | "rightsize-requests" | "graviton";

export interface Advice {
  kind: AdviceKind;
  /** What it is about: an instance type group ("m5.large ON_DEMAND") or a Deployment ("ns/name"). */
  target: string;
  message: string;
  savingsPerMonth: number;
}

/** Use ÷ request, e.g. 0.3 = uses 30% of what it requests. */
export interface UsageOfRequest {
  cpu: number;
  memory: number;
}

export interface AdviceOptions {
  /** Spot advice is only given for non-production clusters. */
  production: boolean;
  /** Per Deployment ("ns/name"): its average use as a share of its requests (Container Insights), when available. */
  usage?: ReadonlyMap<string, UsageOfRequest>;
}

/** Below this share of requested capacity a node group is advised to shrink. */
export const UNDERUSED_REQUEST_SHARE = 0.4;
/** Consolidated or resized nodes are planned to this fill, leaving headroom for surges and daemons. */
export const TARGET_FILL = 0.8;
/** Requests above this multiple of use count as far exceeding it; new requests keep 25% headroom. */
export const OVER_REQUEST_FACTOR = 2;
export const USAGE_HEADROOM = 1.25;

const money = (perHour: number) => Math.round(perHour * HOURS_PER_MONTH * 100) / 100;
const pct = (share: number) => `${Math.round(share * 100)}%`;

interface Group {
  instanceType: string;
  capacityType: string;
  nodes: ClusterCost["byNode"][string][];
}

function groups(cost: ClusterCost): Group[] {
  const map = new Map<string, Group>();
  for (const node of Object.values(cost.byNode)) {
    const key = `${node.instanceType} ${node.capacityType}`;
    const group = map.get(key) ?? {
      instanceType: node.instanceType,
      capacityType: node.capacityType,
      nodes: [],
    };
    group.nodes.push(node);
    map.set(key, group);
  }
  return [...map.values()].sort((a, b) => (a.instanceType < b.instanceType ? -1 : 1));
}

/** What `type` would cost per hour for nodes bought like these (spot keeps their discount). */
function alternativePrice(group: Group, type: string, prices: PriceBook): number {
  const altOnDemand = onDemandQuote(type, prices).pricePerHour;
  const [first] = group.nodes;
  if (!first || first.onDemandPricePerHour === 0) return altOnDemand;
  return altOnDemand * (first.pricePerHour / first.onDemandPricePerHour);
}

function spotAdvice(group: Group, prices: PriceBook): Advice[] {
  if (group.capacityType !== "ON_DEMAND") return [];
  let savingsPerHour = 0;
  for (const node of group.nodes) {
    const spot = prices.spot.get(spotKey(node.zone, node.instanceType))?.pricePerHour;
    savingsPerHour += node.pricePerHour - (spot ?? node.pricePerHour * SPOT_FALLBACK_FRACTION);
  }
  if (savingsPerHour <= 0) return [];
  return [
    {
      kind: "spot",
      target: `${group.instanceType} ON_DEMAND`,
      message: `${group.nodes.length} on-demand ${group.instanceType} node(s) in a non-production cluster could run as spot`,
      savingsPerMonth: money(savingsPerHour),
    },
  ];
}

function shrinkAdvice(group: Group, prices: PriceBook): Advice[] {
  const [first] = group.nodes;
  if (!first) return [];
  const cpu = group.nodes.reduce((t, n) => t + n.cpuCores, 0);
  const mem = group.nodes.reduce((t, n) => t + n.memoryGiB, 0);
  const reqCpu = group.nodes.reduce((t, n) => t + n.requestedCpuCores, 0);
  const reqMem = group.nodes.reduce((t, n) => t + n.requestedMemoryGiB, 0);
  const share = Math.max(reqCpu / cpu, reqMem / mem);
  if (share >= UNDERUSED_REQUEST_SHARE) return [];
  const target = `${group.instanceType} ${group.capacityType}`;
  const pricePerNode = group.nodes.reduce((t, n) => t + n.pricePerHour, 0) / group.nodes.length;
  const needed = Math.max(
    1,
    Math.ceil(Math.max(reqCpu / first.cpuCores, reqMem / first.memoryGiB) / TARGET_FILL),
  );
  if (needed < group.nodes.length) {
    return [
      {
        kind: "consolidate",
        target,
        message: `${group.nodes.length} × ${group.instanceType}: ${pct(share)} requested; ${needed} would hold their requests at ${pct(TARGET_FILL)} fill`,
        savingsPerMonth: money((group.nodes.length - needed) * pricePerNode),
      },
    ];
  }
  // As few nodes as now are needed, so each node could be smaller: the cheapest smaller size of
  // the family that holds the busiest node's requests at the target fill.
  const busiestCpu = Math.max(...group.nodes.map((n) => n.requestedCpuCores));
  const busiestMem = Math.max(...group.nodes.map((n) => n.requestedMemoryGiB));
  const fits = smallerSizes(group.instanceType).find((type) => {
    const spec = INSTANCE_CATALOG.get(type);
    return spec && busiestCpu <= spec.vcpu * TARGET_FILL && busiestMem <= spec.memoryGiB * TARGET_FILL;
  });
  if (!fits) return [];
  const savingsPerHour = group.nodes.length * (pricePerNode - alternativePrice(group, fits, prices));
  if (savingsPerHour <= 0) return [];
  return [
    {
      kind: "smaller-type",
      target,
      message: `${group.nodes.length} × ${group.instanceType}: ${pct(share)} requested; ${fits} holds each node's requests at ${pct(TARGET_FILL)} fill`,
      savingsPerMonth: money(savingsPerHour),
    },
  ];
}

function gravitonAdvice(group: Group, prices: PriceBook): Advice[] {
  const graviton = gravitonEquivalent(group.instanceType);
  if (!graviton) return [];
  const current = group.nodes.reduce((t, n) => t + n.pricePerHour, 0);
  const savingsPerHour = current - group.nodes.length * alternativePrice(group, graviton, prices);
  if (savingsPerHour <= 0) return [];
  return [
    {
      kind: "graviton",
      target: `${group.instanceType} ${group.capacityType}`,
      message: `${group.nodes.length} × ${group.instanceType} could be ${graviton} (Graviton, arm64; needs multi-arch images)`,
      savingsPerMonth: money(savingsPerHour),
    },
  ];
}

function requestAdvice(inventory: ClusterInventory, cost: ClusterCost, options: AdviceOptions): Advice[] {
  if (!options.usage || options.usage.size === 0) return [];
  const requested = new Map<string, { cpu: number; mem: number; cpuCost: number; memCost: number }>();
  for (const pod of inventory.pods) {
    const node = cost.byNode[pod.nodeName];
    if (!pod.deployment || !node || !options.usage.has(pod.deployment)) continue;
    const rate = unitPrices(node, node.pricePerHour);
    const entry = requested.get(pod.deployment) ?? { cpu: 0, mem: 0, cpuCost: 0, memCost: 0 };
    entry.cpu += pod.cpuCores;
    entry.mem += pod.memoryGiB;
    entry.cpuCost += rate.perCore * pod.cpuCores;
    entry.memCost += rate.perGiB * pod.memoryGiB;
    requested.set(pod.deployment, entry);
  }
  const advice: Advice[] = [];
  for (const [deployment, req] of [...requested].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const usage = options.usage.get(deployment);
    if (!usage) continue;
    const cpuOver = usage.cpu * OVER_REQUEST_FACTOR < 1;
    const memOver = usage.memory * OVER_REQUEST_FACTOR < 1;
    if (!cpuOver && !memOver) continue;
    const keepCpu = cpuOver ? usage.cpu * USAGE_HEADROOM : 1;
    const keepMem = memOver ? usage.memory * USAGE_HEADROOM : 1;
    const savingsPerHour = req.cpuCost * (1 - keepCpu) + req.memCost * (1 - keepMem);
    advice.push({
      kind: "rightsize-requests",
      target: deployment,
      message: `${deployment} uses ${pct(usage.cpu)} of its ${req.cpu.toFixed(2)} vCPU and ${pct(usage.memory)} of its ${req.mem.toFixed(2)} GiB requested; requests of use +${pct(USAGE_HEADROOM - 1)} would do`,
      savingsPerMonth: money(savingsPerHour),
    });
  }
  return advice;
}

export function savingsAdvice(
  inventory: ClusterInventory,
  cost: ClusterCost,
  prices: PriceBook,
  options: AdviceOptions,
): Advice[] {
  const perGroup = groups(cost).flatMap((group) => [
    ...(options.production ? [] : spotAdvice(group, prices)),
    ...shrinkAdvice(group, prices),
    ...gravitonAdvice(group, prices),
  ]);
  // Below a cent a month is not advice.
  return [...perGroup, ...requestAdvice(inventory, cost, options)]
    .filter((a) => a.savingsPerMonth >= 0.01)
    .sort((a, b) => b.savingsPerMonth - a.savingsPerMonth);
}
