// The cost a release adds or removes, for rollout messages: (new requests − old requests) ×
// price, with the node's price split into CPU and memory the same way the hourly report does.
import { unitPrices } from "./allocation.js";

export interface PodRequests {
  cpuCores: number;
  memoryGiB: number;
}

export interface ReleaseCostInput {
  replicas: number;
  before: PodRequests;
  after: PodRequests;
  /** A representative node of the Deployment: its size and its $/hour. */
  node: PodRequests & { pricePerHour: number };
}

/** $/hour the release adds (negative when it saves). */
export function releaseCostDeltaPerHour(input: ReleaseCostInput): number {
  const { perCore, perGiB } = unitPrices(input.node, input.node.pricePerHour);
  const cpu = (input.after.cpuCores - input.before.cpuCores) * input.replicas;
  const mem = (input.after.memoryGiB - input.before.memoryGiB) * input.replicas;
  return cpu * perCore + mem * perGiB;
}

/** "+$1.23/month" style, for a notification fact. */
export function formatCostDelta(perHour: number, hoursPerMonth = 730): string {
  const perMonth = perHour * hoursPerMonth;
  const sign = perMonth >= 0 ? "+" : "−";
  return `${sign}$${Math.abs(perMonth).toFixed(2)}/month`;
}
