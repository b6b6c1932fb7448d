// Per-function sizing: each Lambda function serverless.yml deploys, bundled as it packages it
// (bundles.ts), runs in a fresh node process (functionRunner.ts) against the harness with its
// typical event twice: the first invocation is the cold one, the second the warm one. The
// environment is the deployed one (deployedStage.ts: EKS_CLUSTERS through the bench's EKS seam,
// the Slack webhook from an SSM SecureString, the state table, the topic, EMF metrics, the deployed
// NODE_OPTIONS), so a cold start pays DescribeCluster, the token and the SSM
// read like in Lambda. Figures: peak RSS (process.resourceUsage().maxRSS), process start → bundle
// imported, the first and the warm invocation's duration, and CPU time (process.cpuUsage()).
//
// Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). When this machine lets
// the bench create a cgroup with a CPU quota, every function's cold start is run again at the CPU
// share of each candidate size; otherwise (and next to it, to check the model) the cold start is
// modelled as wall − cpu + cpu × 1,769/size and labelled an estimate.
//
// Typical events: onImagePush, an ECR push that rolls out to 3 opted-in Deployments of 2 replicas;
// reconcile, its schedule over the namespace; onPipelineEvent, a pipeline execution that succeeded
// (CodePipeline's API is the labelled FAKE of tests/fakes); weeklyDigest and publishAlarms, their
// schedules (publishAlarms over 8 Deployments; composite alarms are the FAKE in front of moto's
// CloudWatch); onAlarmStateChange, a Deployment's composite alarm going to ALARM inside the bake
// window of a release made just before (a rollback); reportCost, the hourly schedule over the
// harness's 4 nodes (on-demand prices from the Pricing FAKE, spot prices from moto).

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { AppsV1Api } from "@kubernetes/client-node";
import { handleImagePush } from "../../functions/handlers/onImagePush/handler.js";
import { composeOnImagePush } from "../../functions/handlers/onImagePush/wiring.js";
import { Annotation, ENABLED_LABEL, readLedger } from "../../functions/rollout/ledger.js";
import { type CodePipelineFake, startCodePipelineFake } from "../fakes/codePipelineApi.js";
import { type CompositeAlarmsFake, startCompositeAlarmsFake } from "../fakes/compositeAlarms.js";
import { HARNESS_ON_DEMAND_PRICES, type PricingFake, startPricingFake } from "../fakes/pricingApi.js";
import { startSlackReceiver } from "../fakes/slackReceiver.js";
import { codePipelineEvent, PIPELINE } from "../fixtures/codepipeline/events.js";
import { execution } from "../fixtures/codepipeline/executions.js";
import {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  grantDeliveryAccess,
  grantReaderAccess,
  type Harness,
} from "../harness/env.js";
import { afterNextPushSecond, ecrPushEvent, ensureRepository, pushImage } from "../support/ecrImages.js";
import { benchHarness } from "./benchHarness.js";
import {
  type Bundle,
  bundleFunction,
  bundleRunner,
  type CpuLimiter,
  coldStart,
  cpuLimiter,
  cpuShareOf,
  currentLoad,
  deployedNodeOptions,
  deployedSizing,
  functionNames,
  machineLoad,
  median,
  modelledAt,
  printTable,
  Targets,
} from "./bundles.js";
import { type DeployedStage, deployedStage } from "./deployedStage.js";
import type { RunRecord } from "./functionRunner.js";

/** Cold starts per function, unthrottled and at each size; the tables show their medians. */
const RUNS = 3;
/** Candidate memory sizes, MB; 1,769 is one vCPU. */
const SIZES = [128, 256, 512, 1024, 1769];
const REPLICAS = 2;

interface Scenario {
  /** Environment beyond the deployed one (the namespace, the FAKEs' endpoints). */
  env: Record<string, string>;
  /** The two events of one cold process: the first (cold) and the second (warm). */
  events(): Promise<unknown[]>;
  /** Throws when a result is not what its event should have done. */
  check(result: unknown): void;
  /** The function's key moment in a result, ms from the invocation's start (onImagePush: the last PATCH). */
  milestone?(result: unknown): number;
}

interface World {
  h: Harness;
  stage: DeployedStage;
  namespace: string;
  suffix: string;
  ecr: ECRClient;
  cloudWatch: CompositeAlarmsFake;
  pricing: PricingFake;
  codePipeline: CodePipelineFake;
}

const scheduled = (h: Harness, rule: string) => ({
  version: "0",
  id: randomUUID(),
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: h.accountId,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  region: h.region,
  resources: [`arn:aws:events:${h.region}:${h.accountId}:rule/${rule}`],
  detail: {},
});

/** The documented "CloudWatch Alarm State Change" event, as tests/integration/alarms builds it. */
function alarmStateChange(h: Harness, alarmName: string, at: Date): Record<string, unknown> {
  const cloudWatchTime = (date: Date) => date.toISOString().replace("Z", "+0000");
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    account: h.accountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: h.region,
    resources: [`arn:aws:cloudwatch:${h.region}:${h.accountId}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: "ALARM", reason: "Threshold Crossed: bench", timestamp: cloudWatchTime(at) },
      previousState: { value: "OK", reason: "", timestamp: cloudWatchTime(new Date(at.getTime() - 60_000)) },
      configuration: { description: "", alarmRule: "ALARM(...)" },
    },
  };
}

function handled(result: unknown): Record<string, unknown> {
  const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
  if (outcome !== "handled") throw new Error(`expected a handled event, got ${JSON.stringify(result)}`);
  return result as Record<string, unknown>;
}

async function createDeployments(w: World, names: { name: string; image: string }[], annotations = {}) {
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  await Promise.all(
    names.map(({ name, image }) =>
      apps.createNamespacedDeployment({
        namespace: w.namespace,
        body: {
          metadata: { name, labels: { app: name, [ENABLED_LABEL]: "true" }, annotations },
          spec: {
            replicas: REPLICAS,
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "api", image }] } },
          },
        },
      }),
    ),
  );
}

const registry = (h: Harness) => `${h.accountId}.dkr.ecr.${h.region}.amazonaws.com`;

/** Repositories each with `perRepository` opted-in Deployments on 0.0.0; returns the repositories. */
async function repositoriesWithDeployments(
  w: World,
  prefix: string,
  count: number,
  perRepository: number,
  annotations: Record<string, string> = {},
): Promise<string[]> {
  const repositories = Array.from(
    { length: count },
    (_, index) => `bench-lambda-${w.suffix}-${prefix}${index}`,
  );
  for (const [at, repositoryName] of repositories.entries()) {
    await ensureRepository(w.ecr, repositoryName);
    const image = await pushImage(w.ecr, repositoryName, "0.0.0", `${repositoryName}:0`);
    await createDeployments(
      w,
      Array.from({ length: perRepository }, (_, index) => ({
        name: `${prefix}${at}-${index}`,
        image: `${registry(w.h)}/${repositoryName}:0.0.0@${image.digest}`,
      })),
      annotations,
    );
  }
  return repositories;
}

async function scenarios(w: World): Promise<Record<string, Scenario>> {
  const { h, stage, namespace } = w;
  const env = {
    ROLLOUT_NAMESPACES: namespace,
    PIPELINES: PIPELINE,
    AWS_ENDPOINT_URL_CLOUDWATCH: w.cloudWatch.url,
    AWS_ENDPOINT_URL_PRICING: w.pricing.url,
    AWS_ENDPOINT_URL_CODEPIPELINE: w.codePipeline.url,
  };
  let version = 0;
  const pushAll = async (repositories: string[]) => {
    version++;
    await afterNextPushSecond(); // ECR orders pushes by the second
    return Promise.all(
      repositories.map((repositoryName) =>
        pushImage(w.ecr, repositoryName, `1.${version}.0`, `${repositoryName}:${version}`),
      ),
    );
  };

  // onImagePush: one push per invocation, each to its own repository of 3 Deployments
  const pushed = await repositoriesWithDeployments(w, "push", 2, 3);
  const rolledOut = (result: unknown) => {
    const { deployments } = handled(result) as { deployments: { action: string; outcome?: string }[] };
    const started = deployments.filter((report) => report.action === "patched");
    if (started.length !== 3 || started.some((report) => report.outcome !== "succeeded")) {
      throw new Error(`expected 3 rollouts that succeeded, got ${JSON.stringify(deployments)}`);
    }
  };

  // onAlarmStateChange: releases made here (the real handler, local mode) just before each run,
  // whose composite alarms then fire inside their bake window
  const alarmed = await repositoriesWithDeployments(w, "alarm", 2, 1, { [Annotation.bakeSeconds]: "3600" });
  const releaser = composeOnImagePush({
    ...(process.env as Record<string, string>),
    KUBECONFIG: h.deliveryKubeconfig,
    ROLLOUT_NAMESPACES: namespace,
    REGISTRY_ACCOUNT_IDS: h.accountId,
    ROLLOUT_WAIT_SECONDS: "60",
    STATE_TABLE_NAME: stage.stateTableName,
    SNS_TOPIC_ARN: stage.topicArn, // a sink, so the console sink prints nothing here
    METRICS_SINK: "cloudwatch",
    POWERTOOLS_LOG_LEVEL: "ERROR",
  });
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);

  return {
    onImagePush: {
      env,
      events: async () => (await pushAll(pushed)).map((image) => ecrPushEvent(image, h)),
      check: rolledOut,
      milestone: (result) =>
        Math.max(
          ...(result as { deployments: { eventToPatchMs?: number }[] }).deployments.flatMap((report) =>
            report.eventToPatchMs === undefined ? [] : [report.eventToPatchMs],
          ),
        ),
    },
    reconcile: {
      env,
      events: async () => [scheduled(h, "reconcile"), scheduled(h, "reconcile")],
      check: handled,
    },
    onPipelineEvent: {
      env,
      events: async () =>
        [randomUUID(), randomUUID()].map((executionId) => {
          w.codePipeline.put(execution("Succeeded", { executionId }));
          return codePipelineEvent("pipeline-succeeded", { executionId, id: randomUUID() });
        }),
      check: (result) => {
        if (handled(result).event === undefined)
          throw new Error(`nothing reported: ${JSON.stringify(result)}`);
      },
    },
    weeklyDigest: {
      env,
      events: async () => [scheduled(h, "weeklyDigest"), scheduled(h, "weeklyDigest")],
      check: handled,
    },
    publishAlarms: {
      env,
      events: async () => [scheduled(h, "publishAlarms"), scheduled(h, "publishAlarms")],
      check: handled,
    },
    onAlarmStateChange: {
      env,
      events: async () => {
        const images = await pushAll(alarmed);
        const events: unknown[] = [];
        for (const [index, image] of images.entries()) {
          const result = handled(await handleImagePush(releaser, ecrPushEvent(image, h)));
          const name =
            (result.deployments as { name: string; action: string }[]).find(
              (report) => report.action === "patched",
            )?.name ?? "";
          const deployment = await apps.readNamespacedDeployment({ namespace, name });
          const completedAt = readLedger(deployment.metadata?.annotations ?? {}).rollout?.completedAt;
          if (!completedAt) throw new Error(`release ${index} of the alarm scenario did not complete`);
          const alarm = `coworking-${stage.clusterName}/${namespace}/${name}/health`;
          // publishAlarms, measured before, normally made it; else it is kept as PutCompositeAlarm would.
          if (!w.cloudWatch.composites.has(alarm)) {
            w.cloudWatch.composites.set(alarm, {
              AlarmName: alarm,
              AlarmArn: `arn:aws:cloudwatch:${h.region}:${h.accountId}:alarm:${alarm}`,
              AlarmRule: `ALARM("${alarm.replace(/\/health$/, "/cpu")}")`,
              ActionsEnabled: true,
              AlarmActions: [stage.topicArn],
              OKActions: [stage.topicArn],
              StateValue: "OK",
              StateReason: "created by the bench",
              StateUpdatedTimestamp: new Date(completedAt),
              StateTransitionedTimestamp: new Date(completedAt),
              AlarmConfigurationUpdatedTimestamp: new Date(completedAt),
              Tags: [],
            });
          }
          w.cloudWatch.setState(alarm, "ALARM", new Date(completedAt), "Threshold Crossed: bench");
          events.push(alarmStateChange(h, alarm, new Date(completedAt)));
        }
        return events;
      },
      check: (result) => {
        if (handled(result).action !== "rollback")
          throw new Error(`expected a rollback: ${JSON.stringify(result)}`);
      },
    },
    reportCost: {
      env,
      events: async () => [scheduled(h, "reportCost"), scheduled(h, "reportCost")],
      check: handled,
    },
  };
}

interface Figures {
  /** process start → the first invocation's milestone, when the scenario has one */
  milestoneMs: number;
  loadedMs: number;
  firstMs: number;
  coldMs: number;
  warmMs: number;
  coldCpuMs: number;
  warmCpuMs: number;
  rssMiB: number;
}

function figures(record: RunRecord, scenario: Scenario): Figures {
  const [first, warm] = record.invocations;
  if (!first || !warm) throw new Error("a run without its two invocations");
  for (const invocation of record.invocations) scenario.check(invocation.result);
  return {
    milestoneMs: scenario.milestone ? first.startMs + scenario.milestone(first.result) : Number.NaN,
    loadedMs: record.loadedMs,
    firstMs: first.endMs - first.startMs,
    coldMs: first.endMs,
    warmMs: warm.endMs - warm.startMs,
    coldCpuMs: record.loadedCpuMs + first.cpuMs,
    warmCpuMs: warm.cpuMs,
    rssMiB: record.maxRssKiB / 1024,
  };
}

const medianOf = (runs: Figures[], pick: (figures: Figures) => number) => median(runs.map(pick));
const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "n/a");
/** Decimal megabytes, as the 2.5 MB budget (2,500,000 bytes) is counted. */
const mb = (bytes: number | undefined) => ((bytes ?? 0) / 1_000_000).toFixed(2);

export default async function run(): Promise<void> {
  const loadAtStart = currentLoad();
  const bench = await benchHarness();
  const targets = new Targets();
  const { h } = bench;
  const suffix = Math.random().toString(16).slice(2, 8);
  const namespace = `bench-lambda-${suffix}`;
  const work = await mkdtemp(join(tmpdir(), "lambda-bench-"));
  const slack = await startSlackReceiver();
  const cloudWatch = await startCompositeAlarmsFake(h.awsEndpoint, h.accountId, h.region);
  const pricing = await startPricingFake(HARNESS_ON_DEMAND_PRICES);
  const codePipeline = await startCodePipelineFake();
  let namespaced = false;
  try {
    await createNamespace(namespace);
    namespaced = true;
    await grantDeliveryAccess(namespace);
    await grantReaderAccess(namespace);
    const stage = await deployedStage(h, suffix, slack.url);
    const world: World = {
      h,
      stage,
      namespace,
      suffix,
      ecr: new ECRClient({ region: h.region, endpoint: h.awsEndpoint }),
      cloudWatch,
      pricing,
      codePipeline,
    };
    const byName = await scenarios(world);
    // A function serverless.yml gained since its scenario was written here is listed, not guessed at.
    const names = functionNames().filter((name) => byName[name] !== undefined);
    const unmeasured = functionNames().filter((name) => byName[name] === undefined);
    const runner = await bundleRunner(work);
    const limiter: CpuLimiter | undefined = await cpuLimiter();
    const bundles: Record<string, Bundle> = {};
    const unthrottled: Record<string, Figures[]> = {};
    const atSize: Record<string, Record<number, Figures[]>> = {};
    for (const name of names) {
      const scenario = byName[name] as Scenario;
      const bundle = await bundleFunction(name, work, { eksSeam: true });
      bundles[name] = bundle;
      const sizing = deployedSizing(name);
      const once = async (cpuShare?: number) => {
        const record = await coldStart({
          runner,
          bundle: bundle.path,
          functionName: name,
          events: await scenario.events(),
          env: stage.functionEnv(name, scenario.env),
          ...sizing,
          ...(cpuShare === undefined ? {} : { cpuShare, limiter }),
          workDir: work,
        });
        return figures(record, scenario);
      };
      const runs: Figures[] = [];
      const sized: Record<number, Figures[]> = {};
      for (let index = 0; index < RUNS; index++) runs.push(await once());
      for (const size of limiter ? SIZES : []) {
        sized[size] = [];
        for (let index = 0; index < RUNS; index++) sized[size].push(await once(cpuShareOf(size)));
      }
      unthrottled[name] = runs;
      atSize[name] = sized;
    }

    // What --enable-source-maps costs (Node then reads and keeps the 7 MB linked map at import):
    // onImagePush again with the other setting than the deployed one.
    const deployedOptions = deployedNodeOptions();
    const mapsOnDeployed = deployedOptions.includes("--enable-source-maps");
    const otherOptions = mapsOnDeployed
      ? deployedOptions.replace("--enable-source-maps", "").trim()
      : `${deployedOptions} --enable-source-maps`.trim();
    const otherRuns: Figures[] = [];
    const pushScenario = byName.onImagePush as Scenario;
    for (let index = 0; index < RUNS; index++) {
      const record = await coldStart({
        runner,
        bundle: bundles.onImagePush?.path ?? "",
        functionName: "onImagePush",
        events: await pushScenario.events(),
        env: { ...stage.functionEnv("onImagePush", pushScenario.env), NODE_OPTIONS: otherOptions },
        ...deployedSizing("onImagePush"),
        workDir: work,
      });
      otherRuns.push(figures(record, pushScenario));
    }

    console.log(
      `Lambda sizing: each function's bundle in a fresh node process, deployed environment (EKS path, ` +
        `SSM Slack webhook, EMF, NODE_OPTIONS="${deployedNodeOptions()}"), its typical event twice; median of ${RUNS} unthrottled ` +
        `runs (times in ms, memory in MiB); ${machineLoad(loadAtStart)}`,
    );
    printTable(
      [
        "function",
        "deployed MB / s",
        "bundle + map MB",
        "peak RSS",
        "start → imported",
        "1st invoke",
        "start → 1st returned",
        "warm invoke",
        "CPU cold",
        "CPU warm",
      ],
      names.map((name) => {
        const runs = unthrottled[name] ?? [];
        const sizing = deployedSizing(name);
        return [
          name,
          `${sizing.memoryMB} / ${sizing.timeoutSeconds}`,
          `${mb(bundles[name]?.bytes)} + ${mb(bundles[name]?.mapBytes)}`,
          fmt(Math.max(...runs.map((figure) => figure.rssMiB))),
          fmt(medianOf(runs, (figure) => figure.loadedMs)),
          fmt(medianOf(runs, (figure) => figure.firstMs)),
          fmt(medianOf(runs, (figure) => figure.coldMs)),
          fmt(medianOf(runs, (figure) => figure.warmMs)),
          fmt(medianOf(runs, (figure) => figure.coldCpuMs)),
          fmt(medianOf(runs, (figure) => figure.warmCpuMs)),
        ];
      }),
      [false, true, true, true, true, true, true, true, true, true],
    );
    if (unmeasured.length > 0) {
      console.log(`not measured (no typical event in lambda.bench.ts yet): ${unmeasured.join(", ")}`);
    }
    const deployed = unthrottled.onImagePush ?? [];
    const sourceMaps = (runs: Figures[]) =>
      `start → imported ${fmt(medianOf(runs, (figure) => figure.loadedMs))} ms, start → last PATCH ` +
      `${fmt(medianOf(runs, (figure) => figure.milestoneMs))} ms, CPU cold ` +
      `${fmt(medianOf(runs, (figure) => figure.coldCpuMs))} ms, peak RSS ${fmt(Math.max(...runs.map((figure) => figure.rssMiB)))} MiB`;
    console.log(`\nonImagePush as deployed, NODE_OPTIONS="${deployedOptions}": ${sourceMaps(deployed)}`);
    console.log(`onImagePush with NODE_OPTIONS="${otherOptions}": ${sourceMaps(otherRuns)}`);

    const model = (name: string, size: number) => {
      const runs = unthrottled[name] ?? [];
      return modelledAt(
        size,
        medianOf(runs, (figure) => figure.coldMs),
        medianOf(runs, (figure) => figure.coldCpuMs),
      );
    };
    /** † when a run at that size peaked above it: Lambda would have stopped the function. */
    const overflow = (runs: Figures[], size: number) =>
      Math.max(...runs.map((figure) => figure.rssMiB)) * 1.048576 > size ? " †" : "";
    console.log(
      limiter
        ? `\nCold start (process start → first invocation returned, ms) at each size's CPU share (size/1,769 of a CPU, ${limiter.kind}), median of ${RUNS}; in parentheses the model wall − cpu + cpu × 1,769/size from the unthrottled runs, an estimate; † peak RSS above the size`
        : "\nCold start (process start → first invocation returned, ms) at each size's CPU share: ESTIMATE only (no cgroup CPU quota here), wall − cpu + cpu × 1,769/size from the unthrottled runs",
    );
    printTable(
      ["function", ...SIZES.map((size) => `${size} MB`)],
      names.map((name) => [
        name,
        ...SIZES.map((size) => {
          const runs = atSize[name]?.[size] ?? [];
          return runs.length > 0
            ? `${fmt(medianOf(runs, (figure) => figure.coldMs))} (${fmt(model(name, size))})${overflow(runs, size)}`
            : `~${fmt(model(name, size))}`;
        }),
      ]),
      [false, ...SIZES.map(() => true)],
    );
    if (limiter) {
      console.log(
        `\nonImagePush cold, process start → last PATCH accepted at each size's CPU share (median of ${RUNS}; target ≤ 800 ms)`,
      );
      printTable(
        SIZES.map((size) => `${size} MB`),
        [
          SIZES.map((size) =>
            fmt(medianOf(atSize.onImagePush?.[size] ?? [], (figure) => figure.milestoneMs)),
          ),
        ],
        SIZES.map(() => true),
      );
      const deployedMB = deployedSizing("onImagePush").memoryMB;
      const atDeployed = medianOf(atSize.onImagePush?.[deployedMB] ?? [], (figure) => figure.milestoneMs);
      console.log(
        `at the deployed ${deployedMB} MB: ${fmt(atDeployed)} ms${targets.mark(atDeployed <= 800, `onImagePush's cold start at the deployed ${deployedMB} MB: last PATCH after 800 ms`)}`,
      );
      console.log(`\nWarm invocation at each size's CPU share (ms, median of ${RUNS})`);
      printTable(
        ["function", ...SIZES.map((size) => `${size} MB`)],
        names.map((name) => [
          name,
          ...SIZES.map((size) => fmt(medianOf(atSize[name]?.[size] ?? [], (figure) => figure.warmMs))),
        ]),
        [false, ...SIZES.map(() => true)],
      );
    }
    targets.assertMet();
  } finally {
    if (namespaced) await deleteNamespace(namespace).catch(() => undefined);
    await Promise.all([slack.close(), cloudWatch.close(), pricing.close(), codePipeline.close()]);
    await rm(work, { recursive: true, force: true });
    await bench.release();
  }
}
