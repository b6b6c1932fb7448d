// reportCost against the real harness: the harness's fake EKS nodes (two on-demand, two spot, four
// instance types; tests/harness/nodes.ts), the dev overlay of k8s/ deployed for real, on-demand
// prices from the labelled Pricing fake and spot prices from moto. The expectation is computed
// by hand below, from the price list and the split documented in functions/cost/allocation.ts,
// and must match to the cent (asserted to a twentieth of a cent).
import { randomBytes } from "node:crypto";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { AppsV1Api, type V1PersistentVolumeList, type V1PodList } from "@kubernetes/client-node";
import { handleReportCost } from "../../../functions/handlers/reportCost/handler.js";
import { composeReportCost } from "../../../functions/handlers/reportCost/wiring.js";
import { HARNESS_ON_DEMAND_PRICES, type PricingFake, startPricingFake } from "../../fakes/pricingApi.js";
import { startSlackReceiver } from "../../fakes/slackReceiver.js";
import { adminKubeConfig, createNamespace, deleteNamespace, harness } from "../../harness/env.js";
import { FAKE_NODES } from "../../harness/nodes.js";
import { handled } from "../../support/handlerResult.js";
import { APP_NAMESPACE, DevDeployment, kubectl, kubectlJson } from "../k8s/kustomize.js";

const namespace = APP_NAMESPACE;
let dev: DevDeployment;
let pricing: PricingFake;

/** moto answers DescribeSpotPriceHistory with a fixed "0.00001" for every type and zone. */
const MOTO_SPOT = 0.00001;

/**
 * Per node: its price (on-demand from the list, spot from moto: never the on-demand rate) and
 * that price split 13.5 GiB-equivalents per vCPU. All four nodes have 2 vCPUs:
 * - 4 GiB nodes: CPU share 27 / (27 + 4) = 27/31, so per core = price × 27/31 / 2 and
 *   per GiB = price × 4/31 / 4 = price / 31;
 * - 8 GiB nodes: CPU share 27/35, per core = price × 27/35 / 2, per GiB = price / 35.
 */
const NODE = {
  "ip-10-0-1-11.ec2.internal": { type: "t3.medium", capacity: "ON_DEMAND", price: 0.0416, memory: 4 },
  "ip-10-0-2-12.ec2.internal": { type: "t3.large", capacity: "ON_DEMAND", price: 0.0832, memory: 8 },
  "ip-10-0-3-13.ec2.internal": { type: "m5.large", capacity: "SPOT", price: MOTO_SPOT, memory: 8 },
  "ip-10-0-1-14.ec2.internal": { type: "t4g.medium", capacity: "SPOT", price: MOTO_SPOT, memory: 4 },
} as const;
type NodeName = keyof typeof NODE;
const perCore = (n: NodeName) => (NODE[n].price * (27 / (27 + NODE[n].memory))) / 2;
const perGiB = (n: NodeName) => NODE[n].price / (27 + NODE[n].memory);
// t3.medium: 0.0181161/core, 0.0013419/GiB; t3.large: 0.0320914/core, 0.0023771/GiB;
// spot nodes: below 0.000005/core — what moto's price makes them.

// The dev overlay's pods and their requests (k8s/base): analytics 250m / 384 Mi (1 replica in
// dev), postgres 250m / 512 Mi; the schema Job's pod completes and then reserves nothing.
const ANALYTICS = { cpu: 0.25, memoryGiB: 0.375 };
const POSTGRES = { cpu: 0.25, memoryGiB: 0.5 };
/** The claim's 5 GiB gp3 volume: 5 × $0.08/GB-month ÷ 730 h = $0.00054795/h. */
const VOLUME_PER_HOUR = (5 * 0.08) / 730;

beforeAll(async () => {
  harness();
  pricing = await startPricingFake(HARNESS_ON_DEMAND_PRICES);
  // The SDK takes a service's own endpoint from the environment (AWS_ENDPOINT_URL_<SERVICE>).
  process.env.AWS_ENDPOINT_URL_PRICING = pricing.url;
  dev = await DevDeployment.apply();
  await dev.ready();
}, 200_000);

afterAll(async () => {
  await dev?.remove();
  delete process.env.AWS_ENDPOINT_URL_PRICING;
  await pricing?.close();
});

const HOURLY = { "detail-type": "Scheduled Event", source: "aws.events" };

function reportCost(event: unknown = HOURLY, env: Record<string, string> = {}) {
  const h = harness();
  const root = composeReportCost({
    ...process.env,
    // reportCost runs as the read-only delivery group, as its EKS access entry maps it
    KUBECONFIG: h.readerKubeconfig,
    AWS_ENDPOINT_URL: h.awsEndpoint,
    AWS_REGION: "us-east-1",
    PRODUCTION_CLUSTERS: "none",
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...env,
  });
  return handleReportCost(event, root).then(handled);
}

it("prices every harness node: on-demand from the Pricing API, spot from the spot price history", async () => {
  const result = await reportCost();

  expect(Object.keys(NODE).sort()).toEqual(FAKE_NODES.map((n) => n.name).sort());
  for (const [name, node] of Object.entries(NODE)) {
    expect(result.byNode[name]).toMatchObject({
      instanceType: node.type,
      capacityType: node.capacity,
      pricePerHour: node.price,
      priceSource: node.capacity === "SPOT" ? "spot-price-history" : "pricing-api",
    });
  }
  // spot saves (on-demand − spot) per spot node: (0.096 − 0.00001) + (0.0336 − 0.00001) = 0.12958
  expect(result.spotSavingsPerHour).toBeCloseTo(0.096 - MOTO_SPOT + (0.0336 - MOTO_SPOT), 6);
  // the Pricing API was asked with the documented filters, never for Windows or reservations
  expect(pricing.requests[0]?.filters).toMatchObject({
    operatingSystem: "Linux",
    tenancy: "Shared",
    preInstalledSw: "NA",
    capacitystatus: "Used",
    regionCode: "us-east-1",
  });
}, 60_000);

it("matches the hand-computed cluster, namespace and Deployment cost to the cent", async () => {
  const result = await reportCost();
  const pods = await kubectlJson<V1PodList>([
    "get",
    "pods",
    "-n",
    namespace,
    "--field-selector=status.phase=Running",
  ]);
  const nodeOf = (prefix: string) => {
    const pod = pods.items.find((p) => p.metadata?.name?.startsWith(prefix));
    return pod?.spec?.nodeName as NodeName;
  };
  // Where the scheduler put them is its choice; the cost follows the node's rates.
  const analyticsNode = nodeOf("analytics-");
  const postgresNode = nodeOf("postgres-0");
  expect(Object.keys(NODE)).toContain(analyticsNode);
  expect(Object.keys(NODE)).toContain(postgresNode);

  const analytics = ANALYTICS.cpu * perCore(analyticsNode) + ANALYTICS.memoryGiB * perGiB(analyticsNode);
  const postgres = POSTGRES.cpu * perCore(postgresNode) + POSTGRES.memoryGiB * perGiB(postgresNode);
  expect(result.byDeployment[`${namespace}/analytics`]).toBeCloseTo(analytics, 3);
  expect(result.byNamespace[namespace]).toBeCloseTo(analytics + postgres + VOLUME_PER_HOUR, 3);

  // Cluster: the four nodes (0.0416 + 0.0832 + 0.00001 + 0.00001 = 0.12482) + EKS control plane
  // 0.10 + every PersistentVolume at gp3 $0.08/GB-month (ours and any other test's, listed).
  const volumes = await kubectlJson<V1PersistentVolumeList>(["get", "persistentvolumes"]);
  const gib = (q: string) => Number(q.replace(/Gi$/, ""));
  const storage = volumes.items.reduce(
    (t, v) => t + (gib(v.spec?.capacity?.storage ?? "0Gi") * 0.08) / 730,
    0,
  );
  expect(result.clusterCostPerHour).toBeCloseTo(0.0416 + 0.0832 + 2 * MOTO_SPOT + 0.1 + storage, 3);

  // Every node dollar is either requested by a pod or idle.
  const claimed = Object.values(result.byNamespace).reduce((t, v) => t + v, 0) - storage;
  expect(result.idleCostPerHour + claimed).toBeCloseTo(0.0416 + 0.0832 + 2 * MOTO_SPOT, 4);
}, 60_000);

it("advises spot for the on-demand nodes of a non-production cluster, and Graviton, in $/month", async () => {
  const result = await reportCost();
  const spot = result.advice.filter((a) => a.kind === "spot").map((a) => [a.target, a.savingsPerMonth]);
  // (on-demand − moto spot) × 730: t3.medium (0.0416 − 0.00001) × 730 = 30.36, t3.large 60.73
  expect(spot).toEqual(
    expect.arrayContaining([
      ["t3.large ON_DEMAND", Math.round((0.0832 - MOTO_SPOT) * 730 * 100) / 100],
      ["t3.medium ON_DEMAND", Math.round((0.0416 - MOTO_SPOT) * 730 * 100) / 100],
    ]),
  );
  // t3.large → t4g.large: (0.0832 − 0.0672) × 730 = 11.68
  expect(result.advice).toContainEqual(
    expect.objectContaining({ kind: "graviton", target: "t3.large ON_DEMAND", savingsPerMonth: 11.68 }),
  );
  expect(result.savingsOpportunityPerMonth).toBeCloseTo(
    result.advice.reduce((t, a) => t + a.savingsPerMonth, 0),
    2,
  );
}, 60_000);

it("falls back to the dated price table, flagged, when the Pricing API fails", async () => {
  pricing.failing = true;
  try {
    const result = await reportCost();
    expect(result.byNode["ip-10-0-2-12.ec2.internal"]).toMatchObject({
      pricePerHour: 0.0832,
      priceSource: "fallback",
      priceAsOf: "2025-06-01",
    });
    // spot nodes still come from the spot history, never from a table
    expect(result.byNode["ip-10-0-3-13.ec2.internal"]).toMatchObject({ priceSource: "spot-price-history" });
    expect(result.problems.some((p) => p.includes("pricing:GetProducts"))).toBe(true);
  } finally {
    pricing.failing = false;
  }
}, 60_000);

it("sends the savings advice to the notification sinks on the weekly run only", async () => {
  const slack = await startSlackReceiver();
  try {
    await reportCost(HOURLY, { SLACK_WEBHOOK_URL: slack.url });
    expect(slack.received).toHaveLength(0);
    const result = await reportCost({ notifyAdvice: true }, { SLACK_WEBHOOK_URL: slack.url });
    expect(slack.received).toHaveLength(1);
    const text = JSON.stringify(slack.received[0]?.payload);
    expect(text).toContain("cost.advice");
    expect(text).toContain(`$${result.savingsOpportunityPerMonth.toFixed(2)}/month`);
    expect(text).toContain("could run as spot");
  } finally {
    await slack.close();
  }
}, 60_000);

it("advises lower requests for a Deployment whose Container Insights use is far below them", async () => {
  // A Deployment of its own, pinned to the on-demand t3.large: 1 vCPU / 2 GiB requested.
  const other = `cost-sized-${randomBytes(3).toString("hex")}`;
  await createNamespace(other);
  try {
    const labels = { app: "oversized" };
    await adminKubeConfig()
      .makeApiClient(AppsV1Api)
      .createNamespacedDeployment({
        namespace: other,
        body: {
          metadata: { name: "oversized", labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                nodeSelector: { "node.kubernetes.io/instance-type": "t3.large" },
                containers: [
                  { name: "app", image: "app:1", resources: { requests: { cpu: "1", memory: "2Gi" } } },
                ],
              },
            },
          },
        },
      });
    await kubectl(["rollout", "status", "deployment/oversized", "-n", other, "--timeout=60s"]);
    const cluster = (await reportCost()).byNode["ip-10-0-2-12.ec2.internal"]?.cluster ?? "";
    // What Container Insights would have published: CPU used 10% of the node, reserved 50% (uses
    // 20% of its request); memory used 20%, reserved 25% (80%: not over-requested).
    const dimensions = [
      { Name: "ClusterName", Value: cluster },
      { Name: "Namespace", Value: other },
      { Name: "PodName", Value: "oversized" },
    ];
    const metric = (MetricName: string, Value: number) => ({
      MetricName,
      Dimensions: dimensions,
      Value,
      Unit: "Percent" as const,
      Timestamp: new Date(Date.now() - 600_000),
    });
    await new CloudWatchClient({ region: "us-east-1", endpoint: harness().awsEndpoint }).send(
      new PutMetricDataCommand({
        Namespace: "ContainerInsights",
        MetricData: [
          metric("pod_cpu_utilization", 10),
          metric("pod_cpu_reserved_capacity", 50),
          metric("pod_memory_utilization", 20),
          metric("pod_memory_reserved_capacity", 25),
        ],
      }),
    );

    const result = await reportCost();

    // CPU part of 1 vCPU on t3.large: 0.0832 × 27/35 / 2 = 0.0320914/h; keep 20% × 1.25 = 25% of it,
    // saving 75%: 0.0240686/h × 730 = 17.57/month. Memory stays.
    expect(result.advice).toContainEqual(
      expect.objectContaining({
        kind: "rightsize-requests",
        target: `${other}/oversized`,
        savingsPerMonth: Math.round(((0.0832 * 27) / 35 / 2) * 0.75 * 730 * 100) / 100,
      }),
    );
    expect(
      result.advice.some((a) => a.kind === "rightsize-requests" && a.target.startsWith(`${namespace}/`)),
    ).toBe(false);
  } finally {
    await deleteNamespace(other).catch(() => undefined);
  }
}, 90_000);
