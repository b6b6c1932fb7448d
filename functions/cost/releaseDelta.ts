// The cost a release adds or removes, for rollout messages: (new requests − old requests) ×
// price, with the node's price split into CPU and memory the same way the hourly report does.
// Rollout messages price a configured reference instance type from the dated fallback list
// prices: no AWS call in the rollout path, and the message says it is a list-price estimate.
import { unitPrices } from "./allocation.js";
import { FALLBACK_PRICES_AS_OF, INSTANCE_CATALOG } from "./catalog.js";
import type { PodRequests } from "./inventory.js";
import { HOURS_PER_MONTH } from "./prices.js";

// PodRequests belongs to the inventory; re-exported for the rollout model, which imports it here.
export type { PodRequests } from "./inventory.js";

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

function signed(value: number): string {
  return value >= 0 ? "+" : "−";
}

/** "+$1.23/month" style, for a notification fact. */
export function formatCostDelta(perHour: number, hoursPerMonth = HOURS_PER_MONTH): string {
  // Rounded to cents first, so a float residue never renders as "−$0.00".
  const cents = Math.round(perHour * hoursPerMonth * 100);
  return `${signed(cents)}$${(Math.abs(cents) / 100).toFixed(2)}/month`;
}

export interface ReleaseCostEstimate {
  replicas: number;
  /** Requests per pod of the replaced template; undefined when the ledger record predates them. */
  before: PodRequests | undefined;
  after: PodRequests;
  /** Priced at its fallback list price, e.g. t3a.medium. */
  referenceInstanceType: string;
}

function isPodRequests(value: PodRequests | undefined): value is PodRequests {
  return Number.isFinite(value?.cpuCores) && Number.isFinite(value?.memoryGiB);
}

/**
 * "+$12.34/month (requests +250m CPU, +256Mi per pod × 2; estimate at list price t3a.medium,
 * 2025-06-01)"; undefined when the replaced requests or the reference price are unknown.
 */
export function describeReleaseCost(estimate: ReleaseCostEstimate): string | undefined {
  const spec = INSTANCE_CATALOG.get(estimate.referenceInstanceType);
  if (spec === undefined || !isPodRequests(estimate.before)) return undefined;
  const perHour = releaseCostDeltaPerHour({
    replicas: estimate.replicas,
    before: estimate.before,
    after: estimate.after,
    node: { cpuCores: spec.vcpu, memoryGiB: spec.memoryGiB, pricePerHour: spec.fallbackOnDemandPerHour },
  });
  const milliCores = Math.round((estimate.after.cpuCores - estimate.before.cpuCores) * 1000);
  const mebibytes = Math.round((estimate.after.memoryGiB - estimate.before.memoryGiB) * 1024);
  const changes = [
    ...(milliCores !== 0 ? [`${signed(milliCores)}${Math.abs(milliCores)}m CPU`] : []),
    ...(mebibytes !== 0 ? [`${signed(mebibytes)}${Math.abs(mebibytes)}Mi`] : []),
  ];
  const requests =
    changes.length === 0
      ? "requests unchanged"
      : `requests ${changes.join(", ")} per pod × ${estimate.replicas}`;
  const price = `estimate at list price ${estimate.referenceInstanceType}, ${FALLBACK_PRICES_AS_OF}`;
  return `${formatCostDelta(perHour)} (${requests}; ${price})`;
}
