// Rollout speed against the harness (started here with the harness's own up/down when none is
// running): event-to-patch over 200 warm invocations of the real onImagePush handler (handler
// start → PATCH accepted by the real apiserver; target p50 ≤ 50 ms), cold start of the esbuild
// bundle in a new node process (≤ 500 ms), minified bundle size per function (≤ 2.5 MB), and a
// fan-out of one push to 50 Deployments in 5 namespaces (all patched ≤ 2 s, bounded
// concurrency). Deployments run 0 replicas here: the figures are about reacting and patching,
// and the fake nodes hold 17 pods each. The anchors poll: Keel every 60 s, Argo CD Image
// Updater every 120 s, so their reaction to a push is up to that long.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { AppsV1Api } from "@kubernetes/client-node";
import { build } from "esbuild";
import { handleImagePush, type ImagePushResult } from "../../functions/handlers/onImagePush/handler.js";
import { composeOnImagePush } from "../../functions/handlers/onImagePush/wiring.js";
import { ENABLED_LABEL } from "../../functions/rollout/ledger.js";
import { startSlackReceiver } from "../fakes/slackReceiver.js";
import { down, up } from "../harness/cluster.js";
import {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  grantDeliveryAccess,
  type Harness,
  harness,
  harnessEnvironment,
} from "../harness/env.js";
import { afterNextPushSecond, ecrPushEvent, ensureRepository, pushImage } from "../support/ecrImages.js";

const WARM_INVOCATIONS = 200;
const REPOSITORIES = 20;
const COLD_STARTS = 5;
const FAN_OUT_NAMESPACES = 5;
const FAN_OUT_PER_NAMESPACE = 10;
const FUNCTIONS = ["onImagePush", "reconcile"] as const;
const registry = (h: Harness) => `${h.accountId}.dkr.ecr.${h.region}.amazonaws.com`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function deploymentsFor(
  h: Harness,
  namespace: string,
  names: { name: string; repositoryName: string; digest: string }[],
) {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  await Promise.all(
    names.map(({ name, repositoryName, digest }) =>
      apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name, labels: { app: name, [ENABLED_LABEL]: "true" } },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: {
                containers: [{ name: "api", image: `${registry(h)}/${repositoryName}:0.0.0@${digest}` }],
              },
            },
          },
        },
      }),
    ),
  );
}

function patched(result: ImagePushResult): number[] {
  return ("deployments" in result ? result.deployments : []).flatMap((report) =>
    report.eventToPatchMs === undefined ? [] : [report.eventToPatchMs],
  );
}

async function bundle(dir: string): Promise<Record<string, { path: string; bytes: number }>> {
  const bundles: Record<string, { path: string; bytes: number }> = {};
  for (const name of FUNCTIONS) {
    const path = join(dir, `${name}.mjs`);
    // The settings of serverless.yml's custom.esbuild, so the figures are the deployed ones.
    await build({
      entryPoints: [`functions/handlers/${name}/handler.ts`],
      outfile: path,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "node",
      target: "node24",
      mainFields: ["module", "main"],
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: "error",
    });
    bundles[name] = { path, bytes: (await stat(path)).size };
  }
  return bundles;
}

/** A new node process: import the bundle, invoke once. performance.now() counts from process start. */
function coldStart(
  runner: string,
  env: Record<string, string>,
): Promise<{ loadedMs: number; patchedMs: number; doneMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner], { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{"))
        return reject(new Error(`cold start run exited with ${code}: ${stdout}`));
      resolve(JSON.parse(line));
    });
  });
}

export default async function run(): Promise<void> {
  let h: Harness;
  let started = false;
  try {
    h = harness();
  } catch {
    console.log("starting the harness…");
    h = await up({ ownerPid: process.pid });
    started = true;
  }
  Object.assign(process.env, harnessEnvironment(h), { POWERTOOLS_LOG_LEVEL: "ERROR" });
  const slack = await startSlackReceiver();
  const work = await mkdtemp(join(tmpdir(), "rollout-bench-"));
  const suffix = Math.random().toString(16).slice(2, 8);
  const namespaces: string[] = [];
  const ecr = new ECRClient({ region: h.region, endpoint: h.awsEndpoint });
  try {
    const namespace = `bench-e2p-${suffix}`;
    const fanOut = Array.from({ length: FAN_OUT_NAMESPACES }, (_, index) => `bench-fan${index}-${suffix}`);
    for (const name of [namespace, ...fanOut]) {
      await createNamespace(name);
      await grantDeliveryAccess(name);
      namespaces.push(name);
    }
    const functionEnv: Record<string, string> = {
      ...(process.env as Record<string, string>),
      KUBECONFIG: h.deliveryKubeconfig,
      ROLLOUT_NAMESPACES: namespace,
      REGISTRY_ACCOUNT_IDS: h.accountId,
      ROLLOUT_WAIT_SECONDS: "30",
      SLACK_WEBHOOK_URL: slack.url,
      METRICS_SINK: "cloudwatch",
    };
    for (const name of ["SLACK_WEBHOOK_PARAMETER", "SNS_TOPIC_ARN", "EKS_CLUSTERS"]) delete functionEnv[name];

    // event-to-patch, warm: REPOSITORIES Deployments, one repository each; every round pushes a
    // newer image to each repository and delivers its event to the same warm handler.
    const repositories = Array.from({ length: REPOSITORIES }, (_, index) => `bench-${suffix}-${index}`);
    const initial = await Promise.all(
      repositories.map(async (repositoryName) => {
        await ensureRepository(ecr, repositoryName);
        return pushImage(ecr, repositoryName, "0.0.0", `${repositoryName}:0`);
      }),
    );
    await deploymentsFor(
      h,
      namespace,
      initial.map((image, index) => ({
        name: `api-${index}`,
        repositoryName: image.repositoryName,
        digest: image.digest,
      })),
    );
    const root = composeOnImagePush(functionEnv);
    const samples: number[] = [];
    const rounds = 1 + WARM_INVOCATIONS / REPOSITORIES; // the first round warms up
    for (let round = 1; round <= rounds; round++) {
      await afterNextPushSecond();
      const images = await Promise.all(
        repositories.map((repositoryName) =>
          pushImage(ecr, repositoryName, `1.${round}.0`, `${repositoryName}:${round}`),
        ),
      );
      for (const image of images) {
        const result = await handleImagePush(root, ecrPushEvent(image, h));
        const latencies = patched(result);
        if (latencies.length !== 1) throw new Error(`expected one patch, got ${JSON.stringify(result)}`);
        if (round > 1) samples.push(...latencies);
      }
    }

    // cold start: a new process imports the bundle and handles a push once
    const bundles = await bundle(work);
    const runner = join(work, "coldStart.mjs");
    await writeFile(
      runner,
      `const { handler } = await import(${JSON.stringify(bundles.onImagePush?.path)});
const loadedMs = performance.now();
const result = await handler(JSON.parse(process.env.BENCH_EVENT));
const doneMs = performance.now();
const patch = result.deployments.find((report) => report.eventToPatchMs !== undefined);
if (!patch) { console.error(JSON.stringify(result)); process.exit(1); }
console.log(JSON.stringify({ loadedMs, patchedMs: loadedMs + patch.eventToPatchMs, doneMs }));
`,
    );
    const colds: { loadedMs: number; patchedMs: number; doneMs: number }[] = [];
    for (let run = 1; run <= COLD_STARTS; run++) {
      await afterNextPushSecond();
      const repositoryName = repositories[run % REPOSITORIES] as string;
      const image = await pushImage(ecr, repositoryName, `2.${run}.0`, `${repositoryName}:cold${run}`);
      colds.push(
        await coldStart(runner, {
          ...functionEnv,
          // emf, as deployed: metrics leave as log lines, with no API call on the way out
          METRICS_SINK: "emf",
          BENCH_EVENT: JSON.stringify(ecrPushEvent({ ...image, repositoryName }, h)),
        }),
      );
    }

    // fan-out: one push, 50 Deployments in 5 namespaces
    const fanRepository = `bench-${suffix}-fan`;
    await ensureRepository(ecr, fanRepository);
    const fanInitial = await pushImage(ecr, fanRepository, "0.0.0", `${fanRepository}:0`);
    for (const fanNamespace of fanOut) {
      await deploymentsFor(
        h,
        fanNamespace,
        Array.from({ length: FAN_OUT_PER_NAMESPACE }, (_, index) => ({
          name: `api-${index}`,
          repositoryName: fanRepository,
          digest: fanInitial.digest,
        })),
      );
    }
    const fanRoot = composeOnImagePush({ ...functionEnv, ROLLOUT_NAMESPACES: fanOut.join(",") });
    await handleImagePush(fanRoot, { not: "an event" }); // warm the composition root, no side effect
    await afterNextPushSecond();
    const fanImage = await pushImage(ecr, fanRepository, "1.0.0", `${fanRepository}:1`);
    const fanStart = performance.now();
    const fanResult = await handleImagePush(
      fanRoot,
      ecrPushEvent({ ...fanImage, repositoryName: fanRepository }, h),
    );
    const fanTotal = performance.now() - fanStart;
    const fanPatches = patched(fanResult);

    const coldMedian = (pick: (cold: (typeof colds)[number]) => number) => percentile(colds.map(pick), 50);
    const rows: [string, string, string][] = [
      [
        `event-to-patch p50 (warm, n=${samples.length})`,
        `${percentile(samples, 50).toFixed(1)} ms`,
        "≤ 50 ms",
      ],
      ["event-to-patch p99 (warm)", `${percentile(samples, 99).toFixed(1)} ms`, ""],
      [
        `cold start: process start → handler loaded (median of ${COLD_STARTS})`,
        `${coldMedian((c) => c.loadedMs).toFixed(0)} ms`,
        "",
      ],
      [
        "cold start: process start → PATCH accepted",
        `${coldMedian((c) => c.patchedMs).toFixed(0)} ms`,
        "≤ 500 ms",
      ],
      [
        "cold start: process start → first invoke returned",
        `${coldMedian((c) => c.doneMs).toFixed(0)} ms`,
        "",
      ],
      ...FUNCTIONS.map((name): [string, string, string] => [
        `bundle ${name} (esbuild, minified)`,
        `${((bundles[name]?.bytes ?? 0) / 1024 / 1024).toFixed(2)} MB`,
        "≤ 2.5 MB",
      ]),
      [
        `fan-out: ${fanPatches.length} Deployments in ${FAN_OUT_NAMESPACES} namespaces, last PATCH accepted`,
        `${Math.max(...fanPatches).toFixed(0)} ms`,
        "≤ 2 s",
      ],
      ["fan-out: whole invocation (patch, watch, complete, notify)", `${fanTotal.toFixed(0)} ms`, ""],
      ["anchor: Keel reacts on its poll", "up to 60 s", ""],
      ["anchor: Argo CD Image Updater reacts on its poll", "up to 120 s", ""],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log("Rollout speed (onImagePush against the harness: kube-apiserver + kwok, moto ECR)");
    for (const [label, value, target] of rows) {
      console.log(`  ${label.padEnd(width)}  ${value.padStart(10)}  ${target}`);
    }
    if (fanPatches.length !== FAN_OUT_NAMESPACES * FAN_OUT_PER_NAMESPACE) {
      throw new Error(
        `fan-out patched ${fanPatches.length} Deployments, expected ${FAN_OUT_NAMESPACES * FAN_OUT_PER_NAMESPACE}`,
      );
    }
  } finally {
    await slack.close();
    await Promise.all(namespaces.map((name) => deleteNamespace(name).catch(() => undefined)));
    await rm(work, { recursive: true, force: true });
    if (started) await down(h.dir);
  }
}
