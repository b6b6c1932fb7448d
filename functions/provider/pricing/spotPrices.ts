// Current spot prices from EC2 DescribeSpotPriceHistory: with StartTime = now, EC2 returns the
// price in effect for each zone and instance type. The newest entry per zone and type wins.
import { DescribeSpotPriceHistoryCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { PriceQuote } from "../../cost/prices.js";
import { spotKey } from "../../cost/prices.js";
import { DEFAULT_RETRY, retry } from "../../shared/retry.js";
import { toDeliveryError } from "../aws/awsErrors.js";

export class SpotPrices {
  constructor(private readonly client: EC2Client) {}

  /** spotKey(zone, type) → latest Linux/UNIX spot price, for the zones and types asked. */
  async prices(
    wanted: { zone: string; instanceType: string }[],
    now: Date,
  ): Promise<Map<string, PriceQuote>> {
    const found = new Map<string, { quote: PriceQuote; at: number }>();
    if (wanted.length === 0) return new Map();
    const zones = [...new Set(wanted.map((w) => w.zone))];
    const types = [...new Set(wanted.map((w) => w.instanceType))];
    const asked = new Set(wanted.map((w) => spotKey(w.zone, w.instanceType)));
    let NextToken: string | undefined;
    do {
      const page = await retry(async () => {
        try {
          return await this.client.send(
            new DescribeSpotPriceHistoryCommand({
              InstanceTypes: types as never,
              ProductDescriptions: ["Linux/UNIX"],
              StartTime: now,
              Filters: [{ Name: "availability-zone", Values: zones }],
              ...(NextToken ? { NextToken } : {}),
            }),
          );
        } catch (error) {
          throw toDeliveryError(error, "ec2:DescribeSpotPriceHistory");
        }
      }, DEFAULT_RETRY);
      for (const entry of page.SpotPriceHistory ?? []) {
        const price = Number(entry.SpotPrice);
        // "Linux/UNIX" in a VPC; some endpoints still write "Linux/UNIX (Amazon VPC)".
        if (!entry.ProductDescription?.startsWith("Linux/UNIX") || !Number.isFinite(price)) continue;
        const key = spotKey(entry.AvailabilityZone ?? "", entry.InstanceType ?? "");
        const at = entry.Timestamp?.getTime() ?? 0;
        if (!asked.has(key) || (found.get(key)?.at ?? -1) >= at) continue;
        found.set(key, {
          quote: {
            pricePerHour: price,
            source: "spot-price-history",
            ...(entry.Timestamp ? { asOf: entry.Timestamp.toISOString() } : {}),
          },
          at,
        });
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return new Map([...found].map(([key, { quote }]) => [key, quote]));
  }
}
