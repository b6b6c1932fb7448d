// PriceBookSource (cost/ports.ts) on AWS: fills the cost model's PriceBook from the Pricing API
// and EC2 spot history. A failing API is not fatal: what it did not answer is left out, the
// model prices it from the dated fallback table (flagged "fallback"), and the failure is
// returned for the log.
import type { PriceBookSource } from "../../cost/ports.js";
import type { PriceBook, PriceQuote, PriceRequest } from "../../cost/prices.js";
import type { OnDemandPrices } from "./onDemandPrices.js";
import type { SpotPrices } from "./spotPrices.js";

export class AwsPriceBookSource implements PriceBookSource {
  constructor(
    private readonly onDemand: OnDemandPrices,
    private readonly spotIn: (region: string) => SpotPrices,
  ) {}

  async fetch(requests: PriceRequest[], now: Date): Promise<{ book: PriceBook; failures: string[] }> {
    const onDemand = new Map<string, PriceQuote>();
    const spot = new Map<string, PriceQuote>();
    const failures: string[] = [];
    for (const request of requests) {
      // One line per region, not one per type: a Pricing outage fails every type the same way.
      const failed: string[] = [];
      let firstError = "";
      const quotes = await Promise.all(
        request.onDemandTypes.map(async (type) => {
          try {
            return [type, await this.onDemand.price(request.region, type)] as const;
          } catch (error) {
            if (failed.push(type) === 1) firstError = (error as Error).message.split("\n")[0] ?? "";
            return [type, undefined] as const;
          }
        }),
      );
      if (failed.length > 0) {
        failures.push(`on-demand prices in ${request.region} (${failed.sort().join(", ")}): ${firstError}`);
      }
      for (const [type, quote] of quotes) if (quote) onDemand.set(type, quote);
      try {
        for (const [key, quote] of await this.spotIn(request.region).prices(request.spot, now))
          spot.set(key, quote);
      } catch (error) {
        failures.push(`spot prices in ${request.region}: ${(error as Error).message}`);
      }
    }
    return { book: { onDemand, spot }, failures };
  }
}
