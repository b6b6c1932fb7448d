// Prices the cost model works from. The adapters (Pricing GetProducts, EC2
// DescribeSpotPriceHistory) fill a PriceBook with what they could get; choosing a quote per
// node, and falling back, is decided here so it is testable without AWS.
import { FALLBACK_PRICES_AS_OF, gravitonEquivalent, INSTANCE_CATALOG, smallerSizes } from "./catalog.js";
import type { ClusterInventory, NodeInfo } from "./inventory.js";

export type PriceSource = "pricing-api" | "spot-price-history" | "fallback" | "unknown";

export interface PriceQuote {
  pricePerHour: number;
  source: PriceSource;
  /** When the quote was published or observed (ISO date), where known. */
  asOf?: string;
}

export interface PriceBook {
  /** instanceType → on-demand Linux price in the cluster's region. */
  onDemand: ReadonlyMap<string, PriceQuote>;
  /** spotKey(zone, instanceType) → latest spot price in that zone. */
  spot: ReadonlyMap<string, PriceQuote>;
}

export const spotKey = (zone: string, instanceType: string): string => `${zone}/${instanceType}`;

/** EKS standard-support control plane, per cluster. */
export const EKS_CONTROL_PLANE_PER_HOUR = 0.1;
/** AWS bills a "month" of storage as 730 hours. */
export const HOURS_PER_MONTH = 730;
/** EBS $/GB-month (us-east-1); AWS's GB here is 2^30 bytes, so GiB from the PV capacity. */
export const EBS_PER_GB_MONTH: Record<string, number> = {
  gp3: 0.08,
  gp2: 0.1,
  io1: 0.125,
  io2: 0.125,
  st1: 0.045,
  sc1: 0.015,
};

/**
 * When no spot quote could be had, a spot node is charged this fraction of the fallback
 * on-demand price (spot discounts for these families run 60-70%), never the on-demand rate:
 * charging a spot node the on-demand rate would overstate its cost about threefold.
 */
export const SPOT_FALLBACK_FRACTION = 0.35;

export interface PriceRequest {
  region: string;
  onDemandTypes: string[];
  spot: { zone: string; instanceType: string }[];
}

/**
 * Which prices the model will ask for: every node's own type (on-demand, and spot in its zone),
 * plus the alternatives the advice compares against (Graviton equivalents, smaller sizes).
 */
export function pricesToFetch(inventory: ClusterInventory): PriceRequest[] {
  const byRegion = new Map<
    string,
    { onDemand: Set<string>; spot: Map<string, { zone: string; instanceType: string }> }
  >();
  for (const node of inventory.nodes) {
    const entry = byRegion.get(node.region) ?? { onDemand: new Set(), spot: new Map() };
    byRegion.set(node.region, entry);
    entry.onDemand.add(node.instanceType);
    const graviton = gravitonEquivalent(node.instanceType);
    if (graviton) entry.onDemand.add(graviton);
    for (const smaller of smallerSizes(node.instanceType)) entry.onDemand.add(smaller);
    entry.spot.set(spotKey(node.zone, node.instanceType), {
      zone: node.zone,
      instanceType: node.instanceType,
    });
  }
  return [...byRegion].map(([region, { onDemand, spot }]) => ({
    region,
    onDemandTypes: [...onDemand].sort(),
    spot: [...spot.values()],
  }));
}

export function onDemandQuote(instanceType: string, book: PriceBook): PriceQuote {
  const live = book.onDemand.get(instanceType);
  if (live) return live;
  const spec = INSTANCE_CATALOG.get(instanceType);
  return spec
    ? { pricePerHour: spec.fallbackOnDemandPerHour, source: "fallback", asOf: FALLBACK_PRICES_AS_OF }
    : { pricePerHour: 0, source: "unknown" };
}

/** The price this node costs: its spot price if it is spot, its on-demand price otherwise. */
export function nodeQuote(node: NodeInfo, book: PriceBook): PriceQuote {
  if (node.capacityType === "ON_DEMAND") return onDemandQuote(node.instanceType, book);
  const live = book.spot.get(spotKey(node.zone, node.instanceType));
  if (live) return live;
  const spec = INSTANCE_CATALOG.get(node.instanceType);
  return spec
    ? {
        pricePerHour: spec.fallbackOnDemandPerHour * SPOT_FALLBACK_FRACTION,
        source: "fallback",
        asOf: FALLBACK_PRICES_AS_OF,
      }
    : { pricePerHour: 0, source: "unknown" };
}
