// Cost report at scale: 1,000 nodes and 10,000 pods, as the Kubernetes API returns
// them, through the whole pure path: inventory parsing, price selection, allocation, advice
// (with Container Insights usage for every Deployment), result shaping and the EMF points.
// Budget: a 256 MB Lambda, 10 s. The workload runs in a child process of its own so that its
// peak RSS is the report's, not the bench runner's; the API calls are not part of the figure.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { V1Node, V1PersistentVolume, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { PriceBook, PriceQuote } from "../../functions/cost/prices.js";
import { pricesToFetch, spotKey } from "../../functions/cost/prices.js";
import { costMetrics, costResult, planClusterReport } from "../../functions/cost/report.js";
import { inventoryFromKubernetes } from "../../functions/provider/kubernetes/kubernetesInventory.js";

const NODES = 1_000;
const PODS = 10_000;
const DEPLOYMENTS = 1_000;
const BUDGET_MB = 256;
const BUDGET_MS = 10_000;
const TYPES = [
  ["t3.large", "2", "8Gi", 0.0832],
  ["m5.xlarge", "4", "16Gi", 0.192],
  ["c5.2xlarge", "8", "16Gi", 0.34],
  ["r5.large", "2", "16Gi", 0.126],
] as const;
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

function cluster() {
  const nodes: V1Node[] = Array.from({ length: NODES }, (_, i) => {
    const [type, cpu, memory] = TYPES[i % TYPES.length] ?? TYPES[0];
    return {
      metadata: {
        name: `ip-10-0-${Math.floor(i / 250)}-${i % 250}.ec2.internal`,
        labels: {
          "node.kubernetes.io/instance-type": type,
          "eks.amazonaws.com/capacityType": i % 3 === 0 ? "SPOT" : "ON_DEMAND",
          "topology.kubernetes.io/zone": ZONES[i % ZONES.length] ?? "us-east-1a",
          "topology.kubernetes.io/region": "us-east-1",
        },
      },
      status: { capacity: { cpu, memory, pods: "110" } },
    };
  });
  const replicaSets: V1ReplicaSet[] = Array.from({ length: DEPLOYMENTS }, (_, d) => ({
    metadata: {
      namespace: `team-${d % 50}`,
      name: `app-${d}-5d8f7c9b4`,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: `app-${d}`, uid: `d${d}` }],
    },
  }));
  const pods: V1Pod[] = Array.from({ length: PODS }, (_, p) => {
    const d = p % DEPLOYMENTS;
    return {
      metadata: {
        namespace: `team-${d % 50}`,
        name: `app-${d}-5d8f7c9b4-${p}`,
        labels: { app: `app-${d}`, "pod-template-hash": "5d8f7c9b4" },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: `app-${d}-5d8f7c9b4`, uid: `r${d}` },
        ],
      },
      spec: {
        nodeName: nodes[p % NODES]?.metadata?.name ?? "",
        containers: [
          {
            name: "app",
            image: "x",
            resources: { requests: { cpu: `${100 + (p % 4) * 50}m`, memory: "256Mi" } },
          },
          { name: "sidecar", image: "y", resources: { requests: { cpu: "10m", memory: "32Mi" } } },
        ],
      },
      status: { phase: "Running" },
    };
  });
  const volumes: V1PersistentVolume[] = Array.from({ length: 500 }, (_, v) => ({
    metadata: { name: `pv-${v}` },
    spec: { capacity: { storage: "20Gi" }, claimRef: { namespace: `team-${v % 50}`, name: `data-${v}` } },
    status: { phase: "Bound" },
  }));
  return { nodes, pods, replicaSets, replicaSetsReadable: true, volumes };
}

function priceBook(): PriceBook {
  const onDemand = new Map<string, PriceQuote>(
    TYPES.map(([type, , , usd]) => [type, { pricePerHour: usd, source: "pricing-api" }]),
  );
  const spot = new Map<string, PriceQuote>();
  for (const [type, , , usd] of TYPES) {
    for (const zone of ZONES)
      spot.set(spotKey(zone, type), { pricePerHour: usd * 0.3, source: "spot-price-history" });
  }
  return { onDemand, spot };
}

/** Runs in the child: builds the input, then times the pure path and reports peak memory. */
function workload(): void {
  const objects = cluster();
  const book = priceBook();
  const usage = new Map(
    Array.from({ length: DEPLOYMENTS }, (_, d) => [`team-${d % 50}/app-${d}`, { cpu: 0.3, memory: 0.9 }]),
  );
  const started = performance.now();
  const { inventory } = inventoryFromKubernetes("bench", objects);
  pricesToFetch(inventory);
  const report = planClusterReport(inventory, book, { production: false, usage });
  const result = costResult([report], new Date());
  const points = costMetrics([report]);
  const json = JSON.stringify(result);
  const ms = performance.now() - started;
  process.stdout.write(
    `${JSON.stringify({
      ms,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
      nodes: inventory.nodes.length,
      pods: inventory.pods.length,
      deployments: Object.keys(result.byDeployment).length,
      advice: result.advice.length,
      metricPoints: points.length,
      resultKb: json.length / 1024,
      clusterCostPerHour: result.clusterCostPerHour,
    })}\n`,
  );
}

export default async function run(): Promise<void> {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${BUDGET_MB}`, "--import", "tsx", fileURLToPath(import.meta.url)],
    { env: { ...process.env, COST_BENCH_WORKLOAD: "1" }, encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`cost workload failed: ${child.stderr}`);
  const figures = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as Record<string, number>;
  const ms = figures.ms ?? Number.NaN;
  const rss = figures.maxRssMb ?? Number.NaN;
  console.log("Cost report, pure model + result shaping (child process, --max-old-space-size=256)");
  console.table([
    {
      nodes: figures.nodes,
      pods: figures.pods,
      deployments: figures.deployments,
      "advice items": figures.advice,
      "EMF points": figures.metricPoints,
      "result KiB": Math.round(figures.resultKb ?? 0),
      "time ms": Math.round(ms),
      "peak RSS MB": Math.round(rss),
      "heap used MB": Math.round(figures.heapUsedMb ?? 0),
    },
  ]);
  const ok = ms <= BUDGET_MS && rss <= BUDGET_MB;
  console.log(`budget ${BUDGET_MB} MB / ${BUDGET_MS / 1000} s: ${ok ? "within" : "EXCEEDED"}`);
  if (!ok) throw new Error(`cost report over budget: ${Math.round(ms)} ms, ${Math.round(rss)} MB peak RSS`);
}

if (process.env.COST_BENCH_WORKLOAD === "1") workload();
