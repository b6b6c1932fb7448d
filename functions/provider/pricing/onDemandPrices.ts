// On-demand EC2 prices from the AWS Price List Query API (GetProducts), cached per region and
// instance type for the life of the Lambda container: list prices change a few times a year.
// GetProducts' PriceList is an array of JSON *strings*, each a product with its terms.
import { GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import type { PriceQuote } from "../../cost/prices.js";
import { DEFAULT_RETRY, retry } from "../../shared/retry.js";
import { toDeliveryError } from "../aws/awsErrors.js";

const CACHE_TTL_MS = 24 * 3600 * 1000;

interface PriceListItem {
  terms?: {
    OnDemand?: Record<
      string,
      {
        effectiveDate?: string;
        priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }>;
      }
    >;
  };
}

/** The hourly USD price in one PriceList entry, or undefined when it has none. */
export function hourlyOnDemandPrice(priceListEntry: string): PriceQuote | undefined {
  const item = JSON.parse(priceListEntry) as PriceListItem;
  for (const term of Object.values(item.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dimension.pricePerUnit?.USD);
      if (dimension.unit === "Hrs" && Number.isFinite(usd) && usd > 0) {
        return {
          pricePerHour: usd,
          source: "pricing-api",
          ...(term.effectiveDate ? { asOf: term.effectiveDate.slice(0, 10) } : {}),
        };
      }
    }
  }
  return undefined;
}

export class OnDemandPrices {
  readonly #cache = new Map<string, { quote: PriceQuote | undefined; at: number }>();

  constructor(
    private readonly client: PricingClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Linux, shared tenancy, no pre-installed software, capacity actually used (not reservations). */
  async price(region: string, instanceType: string): Promise<PriceQuote | undefined> {
    const key = `${region}/${instanceType}`;
    const cached = this.#cache.get(key);
    if (cached && this.now() - cached.at < CACHE_TTL_MS) return cached.quote;
    const filter = (Field: string, Value: string) => ({ Type: "TERM_MATCH" as const, Field, Value });
    const response = await retry(async () => {
      try {
        return await this.client.send(
          new GetProductsCommand({
            ServiceCode: "AmazonEC2",
            FormatVersion: "aws_v1",
            MaxResults: 100,
            Filters: [
              filter("instanceType", instanceType),
              filter("regionCode", region),
              filter("operatingSystem", "Linux"),
              filter("tenancy", "Shared"),
              filter("preInstalledSw", "NA"),
              filter("capacitystatus", "Used"),
            ],
          }),
        );
      } catch (error) {
        throw toDeliveryError(error, "pricing:GetProducts");
      }
    }, DEFAULT_RETRY);
    // Typed as a union with the SDK's JSON-string wrapper; on the wire it is an array of strings.
    const entries = (response.PriceList ?? []) as unknown as unknown[];
    const quote = entries.map((entry) => hourlyOnDemandPrice(String(entry))).find((q) => q !== undefined);
    this.#cache.set(key, { quote, at: this.now() });
    return quote;
  }
}
