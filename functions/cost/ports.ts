// Ports of the cost domain: where reportCost's inputs besides the cluster come from. The model
// (allocation.ts, advice.ts) works on the values these return; the adapters live in
// provider/pricing/ (Pricing API, EC2 spot history) and provider/cloudwatch/ (Container Insights).
import type { UsageOfRequest } from "./advice.js";
import type { PriceBook, PriceRequest } from "./prices.js";

/** Prices for what runs in a cluster and for the alternatives the advice weighs. */
export interface PriceBookSource {
  /**
   * Never throws for a price it could not get: that price is left out of the book (the model
   * falls back to the dated list price) and the failure is returned, one line each, for the log.
   */
  fetch(requests: PriceRequest[], now: Date): Promise<{ book: PriceBook; failures: string[] }>;
}

/** How much of its requests each Deployment really uses, for the right-sizing advice. */
export interface UsageSource {
  /** deployment key "ns/name" → use ÷ request; a Deployment without data has no entry. */
  usage(cluster: string, deployments: string[], now: Date): Promise<Map<string, UsageOfRequest>>;
}
