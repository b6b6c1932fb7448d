// FAKE. Not AWS. The Price List Query API has no emulator (moto does not implement it), so this
// is the smallest local stand-in for exactly one operation, AWSPriceListService.GetProducts,
// speaking the AWS JSON 1.1 protocol (POST /, X-Amz-Target: AWSPriceListService.GetProducts).
// Response shape as the Price List API Reference documents it:
//   { "FormatVersion": "aws_v1", "PriceList": [ "<product JSON as a string>", ... ], "NextToken"? }
// Each PriceList entry is a JSON *string* holding { product: { attributes }, terms: { OnDemand:
// { "<sku>.<offerTermCode>": { priceDimensions: { "<rateCode>": { unit: "Hrs", pricePerUnit:
// { USD: "0.0960000000" } } }, effectiveDate } } } }. Filters are TERM_MATCH on attributes.
// Besides the Linux/shared/used product of each type, the catalogue holds a Windows product and
// an unused-reservation product with other prices, so a query without the right filters gets
// the wrong price. Tests point the SDK here with AWS_ENDPOINT_URL_PRICING.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface PricingFake {
  url: string;
  /** instanceType → USD/hour (Linux, shared tenancy, us-east-1) */
  prices: Map<string, number>;
  /** GetProducts requests received, with their filters. */
  requests: { filters: Record<string, string> }[];
  /** While true, every request fails with HTTP 503 ServiceUnavailableException. */
  failing: boolean;
  close(): Promise<void>;
}

const EFFECTIVE_DATE = "2026-11-01T00:00:00Z";

function product(instanceType: string, attributes: Record<string, string>, usd: number, sku: string): string {
  const term = `${sku}.JRTCKXETXF`;
  return JSON.stringify({
    product: {
      productFamily: "Compute Instance",
      sku,
      attributes: { servicecode: "AmazonEC2", instanceType, ...attributes },
    },
    serviceCode: "AmazonEC2",
    terms: {
      OnDemand: {
        [term]: {
          offerTermCode: "JRTCKXETXF",
          sku,
          effectiveDate: EFFECTIVE_DATE,
          termAttributes: {},
          priceDimensions: {
            [`${term}.6YS6EN2CT7`]: {
              rateCode: `${term}.6YS6EN2CT7`,
              unit: "Hrs",
              beginRange: "0",
              endRange: "Inf",
              description: `$${usd} per On Demand ${attributes.operatingSystem} ${instanceType} Instance Hour`,
              appliesTo: [],
              pricePerUnit: { USD: usd.toFixed(10) },
            },
          },
        },
      },
    },
    version: "20261101000000",
    publicationDate: EFFECTIVE_DATE,
  });
}

function catalogue(prices: Map<string, number>): { attributes: Record<string, string>; json: string }[] {
  const entries: { attributes: Record<string, string>; json: string }[] = [];
  let n = 0;
  for (const [instanceType, usd] of prices) {
    const base = {
      instanceType,
      regionCode: "us-east-1",
      location: "US East (N. Virginia)",
      tenancy: "Shared",
      preInstalledSw: "NA",
      licenseModel: "No License required",
    };
    const variants: [Record<string, string>, number][] = [
      [{ ...base, operatingSystem: "Linux", capacitystatus: "Used" }, usd],
      [{ ...base, operatingSystem: "Windows", capacitystatus: "Used" }, usd * 2 + 0.5],
      [{ ...base, operatingSystem: "Linux", capacitystatus: "UnusedCapacityReservation" }, usd * 3 + 1],
    ];
    for (const [attributes, price] of variants) {
      entries.push({ attributes, json: product(instanceType, attributes, price, `FAKESKU${++n}`) });
    }
  }
  return entries;
}

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  response.end(JSON.stringify(payload));
}

/**
 * On-demand list prices (USD/hour, Linux, us-east-1) for the harness's node types and the
 * alternatives the cost advice weighs (smaller sizes, Graviton equivalents): what the tests and the
 * benches have this FAKE serve.
 */
export const HARNESS_ON_DEMAND_PRICES: Readonly<Record<string, number>> = {
  "t3.micro": 0.0104,
  "t3.small": 0.0208,
  "t3.medium": 0.0416,
  "t3.large": 0.0832,
  "m5.large": 0.096,
  "m6g.large": 0.077,
  "t4g.micro": 0.0084,
  "t4g.small": 0.0168,
  "t4g.medium": 0.0336,
  "t4g.large": 0.0672,
};

export async function startPricingFake(prices: Record<string, number>): Promise<PricingFake> {
  const fake: Omit<PricingFake, "url" | "close"> = {
    prices: new Map(Object.entries(prices)),
    requests: [],
    failing: false,
  };
  const server = createServer(async (request, response) => {
    const target = request.headers["x-amz-target"];
    const input = JSON.parse((await body(request)) || "{}") as {
      ServiceCode?: string;
      Filters?: { Type: string; Field: string; Value: string }[];
    };
    if (fake.failing) {
      send(response, 503, { __type: "ServiceUnavailableException", message: "fake outage" });
      return;
    }
    if (target !== "AWSPriceListService.GetProducts") {
      send(response, 400, {
        __type: "InvalidParameterException",
        message: `unsupported operation ${target}`,
      });
      return;
    }
    const filters = Object.fromEntries((input.Filters ?? []).map((f) => [f.Field, f.Value]));
    fake.requests.push({ filters });
    const matches =
      input.ServiceCode === "AmazonEC2"
        ? catalogue(fake.prices).filter((entry) =>
            Object.entries(filters).every(([field, value]) => entry.attributes[field] === value),
          )
        : [];
    send(response, 200, { FormatVersion: "aws_v1", PriceList: matches.map((m) => m.json) });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }) as PricingFake;
}
