// Rollout speed against the harness (started here with the harness's own up/down when none is
// running; a harness started before tests/harness/kwok/stages.yaml had the slow-ready stage makes
// those pods Ready at once, which the real-rollout case detects and refuses: restart it):
// - reaction: event-to-patch over 200 warm invocations of the real onImagePush handler (handler
//   start → PATCH accepted by the real apiserver; target p50 ≤ 50 ms) on Deployments of 0 replicas:
//   what reacting and patching cost, with no pod to wait for;
// - real rollouts: 50 pushes, each delivered to the warm handler, to Deployments of 3 replicas
//   whose pods become Ready 2 s after they start (kwok's slow-ready stage) under the default
//   RollingUpdate strategy (max surge 1, max unavailable 0 at 3 replicas: one new pod at a time);
//   event → PATCH accepted, event → all 3 replicas Ready (as an admin watch sees the Deployment's
//   status, by the same rule the handler completes on) and event → invocation returned;
// - cold start through the EKS path: a new node process runs onImagePush's esbuild bundle with
//   EKS_CLUSTERS set (no KUBECONFIG), so the wiring calls eks:DescribeCluster (moto), signs the
//   STS-presigned token and reads the Slack webhook from an SSM SecureString, with the deployed
//   NODE_OPTIONS of serverless.yml; the bench-only seam (eksResolverSeam.ts) then routes the PATCH
//   to the harness, which cannot verify an EKS token (target: PATCH ≤ 800 ms);
// - minified bundle size per function (≤ 2.5 MB), and a fan-out of one push to 50 Deployments in
//   5 namespaces (all patched ≤ 2 s, bounded concurrency);
// - the anchors, which poll instead (Keel every 60 s by default, Argo CD Image Updater every
//   2 min): a push waits half an interval on average and a whole one at worst for them to notice;
// - what the bench leaves out, from published sources: EventBridge's delivery of the ECR event to
//   the function, and the Lambda environment's own start before the bundle is imported.
// Every rollout function runs with the stage's state table, as deployed (the quarantine check is
// on the way to the PATCH).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { AppsV1Api, type V1Deployment, Watch } from "@kubernetes/client-node";
import { handleImagePush, type ImagePushResult } from "../../functions/handlers/onImagePush/handler.js";
import { composeOnImagePush } from "../../functions/handlers/onImagePush/wiring.js";
import { ENABLED_LABEL } from "../../functions/rollout/ledger.js";
import { startSlackReceiver } from "../fakes/slackReceiver.js";
import {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  grantDeliveryAccess,
  type Harness,
} from "../harness/env.js";
import { afterNextPushSecond, ecrPushEvent, ensureRepository, pushImage } from "../support/ecrImages.js";
import { benchHarness } from "./benchHarness.js";
import {
  bundleFunction,
  bundleRunner,
  coldStart,
  cpuLimiter,
  cpuShareOf,
  currentLoad,
  deployedNodeOptions,
  deployedSizing,
  machineLoad,
  median,
  ms,
  percentile,
  printRows,
  Targets,
} from "./bundles.js";
import { deployedStage } from "./deployedStage.js";

const WARM_INVOCATIONS = 200;
const REPOSITORIES = 20;
const REAL_PUSHES = 50;
const REAL_DEPLOYMENTS = 10;
const REAL_REPLICAS = 3;
/** kwok's pod-slow-ready stage (tests/harness/kwok/stages.yaml): started → Ready. */
const READINESS_DELAY_MS = 2000;
const COLD_STARTS = 5;
const FAN_OUT_NAMESPACES = 5;
const FAN_OUT_PER_NAMESPACE = 10;
const SIZED = ["onImagePush", "reconcile"] as const;
const registry = (h: Harness) => `${h.accountId}.dkr.ecr.${h.region}.amazonaws.com`;

// The anchors' default poll intervals: Keel's keel.sh/pollSchedule defaults to @every 1m
// (https://keel.sh/docs/#polling); Argo CD Image Updater checks every 2m (its --interval flag,
// https://argocd-image-updater.readthedocs.io/en/stable/install/reference/). A push lands at a
// uniformly random moment of the interval, so the mean wait is half of it and the worst all of it.
const ANCHORS = [
  { name: "Keel", intervalSeconds: 60 },
  { name: "Argo CD Image Updater", intervalSeconds: 120 },
];

// Left out of every figure here, estimated from published measurements:
// - EventBridge delivery (event on the bus → the Lambda target invoked). AWS documents no typical
//   figure (only the IngestionToInvocationStartLatency metric to watch it:
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring-events-best-practices.html);
//   a measurement of PutEvents → async Lambda invocation after EventBridge's February 2023 latency
//   upgrade (eu-west-1, 1,024 events) found p50 148 ms, p90 241 ms, p99 387 ms:
//   https://bitesizedserverless.com/bite/serverless-messaging-latency-compared/ . ECR's own
//   push → event-on-the-bus delay is not published at all.
// - Lambda's own start before the bundle is imported (execution environment, code download,
//   runtime bootstrap), on a cold start only. AWS: cold starts are typically under 1% of
//   invocations and range from under 100 ms to over 1 s
//   (https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/); a
//   measurement of nodejs20.x, 256 MB, with a near-empty package found an Init Duration of 242 ms
//   on average, 584 ms p90 (https://gist.github.com/adriantanasa/06a9cbc36744ef0bf946255e9e75efbe).
const EVENTBRIDGE = { p50: 148, p99: 387, source: "bitesizedserverless.com, 2023" };
const LAMBDA_INIT = { mean: 242, p90: 584, source: "nodejs20.x 256 MB, gist.github.com/adriantanasa" };

async function deploymentsFor(
  h: Harness,
  namespace: string,
  names: { name: string; repositoryName: string; digest: string }[],
  replicas = 0,
) {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  await Promise.all(
    names.map(({ name, repositoryName, digest }) =>
      apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name, labels: { app: name, [ENABLED_LABEL]: "true" } },
          spec: {
            replicas,
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

/**
 * When each Deployment's rollout of an image completed, as an admin watch sees it: every replica
 * updated, available and no old one left, by the rule the handler completes a rollout on
 * (functions/rollout/plan.ts, rolloutProgress). Keyed by `<name> <image>`, epoch ms.
 */
async function watchCompletions(namespace: string): Promise<{ readyAt: Map<string, number>; stop(): void }> {
  const readyAt = new Map<string, number>();
  let stopped = false;
  let request: AbortController | undefined;
  const watch = new Watch(adminKubeConfig());
  const start = async (): Promise<void> => {
    request = await watch.watch(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      {},
      (_type, deployment: V1Deployment) => {
        const seenAt = Date.now();
        const name = deployment.metadata?.name ?? "";
        const image = deployment.spec?.template.spec?.containers[0]?.image ?? "";
        const desired = deployment.spec?.replicas ?? 1;
        const status = deployment.status ?? {};
        const done =
          (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
          (status.updatedReplicas ?? 0) === desired &&
          (status.availableReplicas ?? 0) === desired &&
          (status.replicas ?? 0) === desired;
        const key = `${name} ${image}`;
        if (done && !readyAt.has(key)) readyAt.set(key, seenAt);
      },
      () => {
        if (!stopped) void start(); // the apiserver ends watches after a while: resume
      },
    );
  };
  await start();
  return {
    readyAt,
    stop: () => {
      stopped = true;
      request?.abort();
    },
  };
}

export default async function run(): Promise<void> {
  const loadAtStart = currentLoad();
  const bench = await benchHarness();
  const { h } = bench;
  const slack = await startSlackReceiver();
  const work = await mkdtemp(join(tmpdir(), "rollout-bench-"));
  const suffix = Math.random().toString(16).slice(2, 8);
  const namespaces: string[] = [];
  const ecr = new ECRClient({ region: h.region, endpoint: h.awsEndpoint });
  let completions: Awaited<ReturnType<typeof watchCompletions>> | undefined;
  try {
    const stage = await deployedStage(h, suffix, slack.url);
    const namespace = `bench-e2p-${suffix}`;
    const realNamespace = `bench-real-${suffix}`;
    const fanOut = Array.from({ length: FAN_OUT_NAMESPACES }, (_, index) => `bench-fan${index}-${suffix}`);
    for (const name of [namespace, realNamespace, ...fanOut]) {
      await createNamespace(name);
      await grantDeliveryAccess(name);
      namespaces.push(name);
    }
    // Local mode (the harness's kubeconfig) for the warm handlers: they run in this process.
    const functionEnv: Record<string, string> = {
      ...(process.env as Record<string, string>),
      KUBECONFIG: h.deliveryKubeconfig,
      ROLLOUT_NAMESPACES: namespace,
      REGISTRY_ACCOUNT_IDS: h.accountId,
      ROLLOUT_WAIT_SECONDS: "60",
      SLACK_WEBHOOK_URL: slack.url,
      SNS_TOPIC_ARN: stage.topicArn,
      STATE_TABLE_NAME: stage.stateTableName,
      METRICS_SINK: "cloudwatch",
    };
    for (const name of ["SLACK_WEBHOOK_PARAMETER", "EKS_CLUSTERS"]) delete functionEnv[name];

    // 1. reaction, 0 replicas: REPOSITORIES Deployments, one repository each; every round pushes a
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

    // 2. real rollouts: REAL_DEPLOYMENTS Deployments of REAL_REPLICAS slow-ready pods, one
    // repository each (its name carries kwok's slow-ready marker into every image reference).
    const realRepositories = Array.from(
      { length: REAL_DEPLOYMENTS },
      (_, index) => `bench-slow-ready-${suffix}-${index}`,
    );
    const realInitial = await Promise.all(
      realRepositories.map(async (repositoryName) => {
        await ensureRepository(ecr, repositoryName);
        return pushImage(ecr, repositoryName, "0.0.0", `${repositoryName}:0`);
      }),
    );
    completions = await watchCompletions(realNamespace);
    const createdAt = Date.now();
    await deploymentsFor(
      h,
      realNamespace,
      realInitial.map((image, index) => ({
        name: `api-${index}`,
        repositoryName: image.repositoryName,
        digest: image.digest,
      })),
      REAL_REPLICAS,
    );
    const realRoot = composeOnImagePush({ ...functionEnv, ROLLOUT_NAMESPACES: realNamespace });
    // Every Deployment up (its first pods Ready) and the root warm before the first timed push.
    await handleImagePush(realRoot, { not: "an event" });
    const initialReady = Date.now() + 60_000;
    while (
      realInitial.some((image, index) => !completions?.readyAt.has(`api-${index} ${pinned(h, image)}`))
    ) {
      if (Date.now() > initialReady) throw new Error("the slow-ready Deployments never became Ready");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A harness started with an older stages.yaml makes these pods Ready at once: the figures
    // would then describe no readiness wait at all.
    const firstReady = Math.min(
      ...realInitial.map((image, index) => completions?.readyAt.get(`api-${index} ${pinned(h, image)}`) ?? 0),
    );
    if (firstReady - createdAt < READINESS_DELAY_MS) {
      throw new Error(
        `slow-ready pods were Ready ${firstReady - createdAt} ms after their Deployment was created: this harness's kwok lacks the pod-slow-ready stage (tests/harness/kwok/stages.yaml); restart the harness`,
      );
    }
    const real = { patch: [] as number[], ready: [] as number[], returned: [] as number[] };
    for (let round = 1; real.patch.length < REAL_PUSHES; round++) {
      await afterNextPushSecond();
      const images = await Promise.all(
        realRepositories.map((repositoryName) =>
          pushImage(ecr, repositoryName, `1.${round}.0`, `${repositoryName}:${round}`),
        ),
      );
      for (const [index, image] of images.entries()) {
        const eventAt = Date.now();
        const result = await handleImagePush(realRoot, ecrPushEvent(image, h));
        const returnedAt = Date.now();
        const report = ("deployments" in result ? result.deployments : []).find(
          (line) => line.name === `api-${index}`,
        );
        if (report?.eventToPatchMs === undefined || report.outcome !== "succeeded") {
          throw new Error(`expected a rollout that succeeded, got ${JSON.stringify(result)}`);
        }
        const readyAt = completions.readyAt.get(`api-${index} ${pinned(h, image)}`);
        if (readyAt === undefined) throw new Error(`no Ready seen for api-${index} ${image.tag}`);
        real.patch.push(report.eventToPatchMs);
        real.ready.push(readyAt - eventAt);
        real.returned.push(returnedAt - eventAt);
      }
    }
    completions.stop();

    // 3. cold start through the EKS path: a new process per run, a push to a 0-replica Deployment
    const bundles = Object.fromEntries(
      await Promise.all(SIZED.map(async (name) => [name, await bundleFunction(name, work)] as const)),
    );
    const seamBundle = await bundleFunction("onImagePush", work, { eksSeam: true });
    const runner = await bundleRunner(work);
    type Cold = {
      loadedMs: number;
      describedMs: number;
      tokenMs: number;
      patchedMs: number;
      doneMs: number;
      rssMiB: number;
    };
    const { memoryMB, timeoutSeconds } = deployedSizing("onImagePush");
    const limiter = await cpuLimiter();
    let coldRun = 0;
    const coldStarts = async (cpuShare?: number): Promise<Cold[]> => {
      const colds: Cold[] = [];
      for (let run = 1; run <= COLD_STARTS; run++) {
        coldRun++;
        await afterNextPushSecond();
        const repositoryName = repositories[coldRun % REPOSITORIES] as string;
        const image = await pushImage(
          ecr,
          repositoryName,
          `2.${coldRun}.0`,
          `${repositoryName}:cold${coldRun}`,
        );
        const record = await coldStart({
          runner,
          bundle: seamBundle.path,
          functionName: "onImagePush",
          events: [ecrPushEvent({ ...image, repositoryName }, h)],
          env: stage.functionEnv("onImagePush", { ROLLOUT_NAMESPACES: namespace }),
          timeoutSeconds,
          memoryMB,
          ...(cpuShare === undefined || limiter === undefined ? {} : { cpuShare, limiter }),
          workDir: work,
        });
        const [first] = record.invocations;
        const latency = first?.result === undefined ? [] : patched(first.result as ImagePushResult);
        if (!first || latency.length !== 1 || record.seam.tokenMs === undefined) {
          throw new Error(`cold start patched nothing or made no token: ${JSON.stringify(record)}`);
        }
        colds.push({
          loadedMs: record.loadedMs,
          describedMs: record.seam.describedMs ?? Number.NaN,
          tokenMs: record.seam.tokenMs,
          patchedMs: first.startMs + (latency[0] ?? Number.NaN),
          doneMs: first.endMs,
          rssMiB: record.maxRssKiB / 1024,
        });
      }
      return colds;
    };
    const colds = await coldStarts();
    // The same at the CPU share Lambda gives the deployed memory size (bundles.ts), when this
    // machine can hold a process to it.
    const throttled = limiter ? await coldStarts(cpuShareOf(memoryMB)) : [];

    // 4. fan-out: one push, 50 Deployments in 5 namespaces
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

    const realP50 = percentile(real.patch, 50);
    const targets = new Targets();
    const reactionP50 = percentile(samples, 50);
    // Lambda-like when the CPU share could be applied, else the unthrottled figure.
    const coldPatch = median((throttled.length > 0 ? throttled : colds).map((c) => c.patchedMs));
    console.log(
      `Rollout speed: onImagePush against the harness (kube-apiserver + kwok, moto); ${machineLoad(loadAtStart)}`,
    );
    printRows(`Reaction, Deployments of 0 replicas, warm handler (n=${samples.length})`, [
      [
        "event → PATCH accepted, p50",
        `${reactionP50.toFixed(1)} ms${targets.mark(reactionP50 <= 50, "reaction p50 over 50 ms")}`,
        "≤ 50 ms",
      ],
      ["event → PATCH accepted, p99", `${percentile(samples, 99).toFixed(1)} ms`, ""],
    ]);
    printRows(
      `Real rollout: ${REAL_REPLICAS} replicas Ready ${READINESS_DELAY_MS / 1000} s after they start, default RollingUpdate, warm handler (n=${real.patch.length})`,
      [
        [
          "event → PATCH accepted, p50",
          `${realP50.toFixed(1)} ms${targets.mark(realP50 <= 50, "real rollout: event → PATCH p50 over 50 ms")}`,
          "≤ 50 ms",
        ],
        ["event → PATCH accepted, p99", `${percentile(real.patch, 99).toFixed(1)} ms`, ""],
        [
          `event → all ${REAL_REPLICAS} replicas Ready (admin watch), p50`,
          ms(percentile(real.ready, 50)),
          `floor ${(REAL_REPLICAS * READINESS_DELAY_MS) / 1000} s: one new pod at a time`,
        ],
        ["event → all replicas Ready, p99", ms(percentile(real.ready, 99)), ""],
        ["event → invocation returned (completion, notices), p50", ms(percentile(real.returned, 50)), ""],
        ["event → invocation returned, p99", ms(percentile(real.returned, 99)), ""],
      ],
    );
    /** Both the unthrottled figure and the one at the deployed size's CPU share must hold. */
    const coldRows = (runs: Cold[], what: string): [string, string, string][] => {
      const at = (pick: (c: Cold) => number) => median(runs.map(pick));
      const patched = at((c) => c.patchedMs);
      return [
        ["process start → bundle imported", ms(at((c) => c.loadedMs)), ""],
        ["process start → eks:DescribeCluster answered", ms(at((c) => c.describedMs)), ""],
        ["process start → STS-presigned token ready", ms(at((c) => c.tokenMs)), ""],
        [
          "process start → PATCH accepted",
          ms(patched) + targets.mark(patched <= 800, `cold start ${what}: PATCH after 800 ms`),
          "≤ 800 ms",
        ],
        ["process start → first invoke returned", ms(at((c) => c.doneMs)), ""],
        ["peak RSS", `${at((c) => c.rssMiB).toFixed(0)} MiB`, `< ${memoryMB} MB (deployed)`],
      ];
    };
    printRows(
      `Cold start through the EKS path, deployed environment (NODE_OPTIONS="${deployedNodeOptions()}"), unthrottled (median of ${COLD_STARTS})`,
      coldRows(colds, "unthrottled"),
    );
    if (limiter) {
      printRows(
        `The same at the CPU share of the deployed ${memoryMB} MB (${(cpuShareOf(memoryMB) * 100).toFixed(0)}% of a CPU, ${limiter.kind}; median of ${COLD_STARTS})`,
        coldRows(throttled, `at ${memoryMB} MB's CPU share`),
      );
    } else {
      console.log(`(no cgroup CPU quota here: the cold start at ${memoryMB} MB's CPU share is not measured)`);
    }
    printRows("Bundles and fan-out", [
      ...SIZED.map((name): [string, string, string] => [
        `${name}: minified bundle + linked source map`,
        `${mb(bundles[name]?.bytes)} + ${mb(bundles[name]?.mapBytes)}${targets.mark(
          (bundles[name]?.bytes ?? 0) <= 2_500_000,
          `${name}'s bundle over 2.5 MB`,
        )}`,
        "bundle ≤ 2.5 MB",
      ]),
      [
        `fan-out to ${fanPatches.length} Deployments in ${FAN_OUT_NAMESPACES} namespaces: last PATCH accepted`,
        ms(Math.max(...fanPatches)) +
          targets.mark(Math.max(...fanPatches) <= 2000, "fan-out: a PATCH after 2 s"),
        "≤ 2 s",
      ],
      ["fan-out: whole invocation (patch, watch, complete, notify)", ms(fanTotal), ""],
    ]);
    printRows("Not measured here: estimates from published figures (sources in rollout.bench.ts)", [
      [
        `EventBridge delivery, p50 / p99 (${EVENTBRIDGE.source})`,
        `${EVENTBRIDGE.p50} / ${EVENTBRIDGE.p99} ms`,
        "",
      ],
      [
        `Lambda's start before the import, cold, mean / p90 (${LAMBDA_INIT.source})`,
        `${LAMBDA_INIT.mean} / ${LAMBDA_INIT.p90} ms`,
        "",
      ],
      ["push → PATCH, warm: EventBridge p50 + event → PATCH p50", ms(EVENTBRIDGE.p50 + realP50), ""],
      [
        `push → PATCH, cold: EventBridge p50 + Lambda start mean + cold PATCH${throttled.length > 0 ? ` at ${memoryMB} MB` : ""}`,
        ms(EVENTBRIDGE.p50 + LAMBDA_INIT.mean + coldPatch),
        "high: node's own start is in the last two",
      ],
    ]);
    printRows(
      "Anchors: they poll the registry, so a push waits for the next poll (uniform: mean half an interval)",
      ANCHORS.map(({ name, intervalSeconds }): [string, string, string] => [
        `${name}, every ${intervalSeconds} s by default: mean / worst reaction`,
        `${intervalSeconds / 2} s / ${intervalSeconds} s`,
        "",
      ]),
    );
    if (fanPatches.length !== FAN_OUT_NAMESPACES * FAN_OUT_PER_NAMESPACE) {
      throw new Error(
        `fan-out patched ${fanPatches.length} Deployments, expected ${FAN_OUT_NAMESPACES * FAN_OUT_PER_NAMESPACE}`,
      );
    }
    targets.assertMet();
  } finally {
    completions?.stop();
    await slack.close();
    await Promise.all(namespaces.map((name) => deleteNamespace(name).catch(() => undefined)));
    await rm(work, { recursive: true, force: true });
    await bench.release();
  }
}

/** Decimal megabytes, as the 2.5 MB budget (2,500,000 bytes) is counted. */
const mb = (bytes: number | undefined) => `${((bytes ?? 0) / 1_000_000).toFixed(2)} MB`;

/** The image reference a rollout of `image` writes: `<registry>/<repository>:<tag>@<digest>`. */
const pinned = (h: Harness, image: { repositoryName: string; tag: string; digest: string }) =>
  `${registry(h)}/${image.repositoryName}:${image.tag}@${image.digest}`;
