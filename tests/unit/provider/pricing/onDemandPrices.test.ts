import { hourlyOnDemandPrice } from "../../../../functions/provider/pricing/onDemandPrices.js";

// One PriceList entry in the shape the Price List API documents (a JSON string per product).
const entry = (unit: string, usd: string) =>
  JSON.stringify({
    product: { sku: "ABC", attributes: { instanceType: "m5.large", operatingSystem: "Linux" } },
    terms: {
      OnDemand: {
        "ABC.JRTCKXETXF": {
          effectiveDate: "2026-11-01T00:00:00Z",
          priceDimensions: { "ABC.JRTCKXETXF.6YS6EN2CT7": { unit, pricePerUnit: { USD: usd } } },
        },
      },
    },
  });

describe("hourlyOnDemandPrice", () => {
  it("reads terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD of the hourly dimension", () => {
    expect(hourlyOnDemandPrice(entry("Hrs", "0.0960000000"))).toEqual({
      pricePerHour: 0.096,
      source: "pricing-api",
      asOf: "2026-11-01",
    });
  });

  it("has no price for zero, non-hourly or term-less entries", () => {
    expect(hourlyOnDemandPrice(entry("Hrs", "0.0000000000"))).toBeUndefined();
    expect(hourlyOnDemandPrice(entry("Quantity", "120"))).toBeUndefined();
    expect(hourlyOnDemandPrice(JSON.stringify({ product: {} }))).toBeUndefined();
  });
});
