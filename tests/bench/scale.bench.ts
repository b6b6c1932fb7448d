// The rollout functions at fleet scale, against the harness (started here with the harness's own
// up/down when none is running). Every invocation is the function's esbuild bundle (serverless.yml's
// settings, bundles.ts) in a fresh node process on the EKS path (deployedStage.ts), as deployed,
// with the V8 heap Lambda's Node.js runtime gives a 256 MB function (scaleInvoke.ts): its duration,
// CPU time and peak RSS are the function's own, for sizing its Lambda memory and timeout. AWS calls
// go through a proxy (tests/support/faultyEcr.ts) that pages DescribeImages as ECR does (moto
// answers every image at once) and counts the calls.
// 1. reconcile, 1,000 opted-in Deployments (1 replica) in 100 namespaces over 200 repositories, 10
//    of them with 1,100+ images; one newer image pushed to every repository with no push event
//    delivered; ROLLOUT_NAMESPACES=* (one cluster-wide LIST). Run 1: wall time (≤ 60 s), peak RSS
//    (≤ 256 MB), DescribeImages listing calls (= the repositories' pages), every Deployment's spec
//    on the newest image. Between runs the cluster finishes the rollouts (the next scheduled run is
//    5 min later; the bench waits at most that long); run 2 finishes what run 1 left in progress,
//    and everything should end complete. Further runs (at most MAX_RUNS) say how many it takes.
// 2. the same with one more image per repository, 20% of ECR calls throttled and 10% of PATCHes
//    answered 429 with Retry-After 1 s (tests/support/throttlingApiserver.ts): every Deployment on
//    the newest image within 2 runs, and none ever on an image older than before or another.
// 3. fan-out: one push event to onImagePush, 500 Deployments (1 replica) in 50 namespaces sharing a
//    repository: every PATCH accepted ≤ 10 s after the invocation started.
// Setup (images, bench-only kwok nodes, namespaces, Deployments Available) is timed apart, and so
// is the cluster rolling the Deployments out, which is the harness's controller-manager's business
// (its client QPS, printed): the bench waits for it only between runs.
// ROLLOUT_WAIT_SECONDS is 20 (SCALE_WAIT_SECONDS overrides it): how long a run watches rollouts;
// it starts new ones until its own end (the function's timeout less the margin to report) and
// leaves what is still rolling out to the next run.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { CoreV1Api } from "@kubernetes/client-node";
import type { ImagePushResult } from "../../functions/handlers/onImagePush/handler.js";
import type { ReconcileResult } from "../../functions/handlers/reconcile/handler.js";
import { mapBounded } from "../../functions/rollout/fleet.js";
import type { DeploymentReport } from "../../functions/rollout/report.js";
import { startSlackReceiver } from "../fakes/slackReceiver.js";
import { adminKubeConfig, deleteNamespace, type Harness } from "../harness/env.js";
import { afterNextPushSecond, ecrPushEvent, type PushedImage } from "../support/ecrImages.js";
import { startFaultyEcr } from "../support/faultyEcr.js";
import { deleteStateTable } from "../support/stateTable.js";
import { startThrottlingApiserver } from "../support/throttlingApiserver.js";
import { benchHarness } from "./benchHarness.js";
import {
  bundleFunction,
  bundleRunner,
  cpuShareOf,
  deployedSizing,
  modelledAt,
  percentile,
  printRows,
  Targets,
} from "./bundles.js";
import { deployedStage } from "./deployedStage.js";
import { SEAM_KUBECONFIG } from "./eksResolverSeam.js";
import {
  benchNodes,
  createBenchNodes,
  createDeployments,
  type DeploymentSpec,
  deleteBenchNodes,
  type Observed,
  observe,
  pinnedImage,
  prepareNamespaces,
  pushEach,
  pushHistory,
  SCALE_LABEL,
  waitComplete,
} from "./scaleFleet.js";
import { type Invoked, invokeOnce } from "./scaleInvoke.js";

const NAMESPACES = 100;
const PER_NAMESPACE = 10;
const REPOSITORIES = 200;
const BIG_REPOSITORIES = 10;
/** Images already in each big repository: more than one 1,000-image page. */
const BIG_HISTORY = 1_100;
const SMALL_HISTORY = 5;
const FAN_NAMESPACES = 50;
const FAN_PER_NAMESPACE = 10;
const REPLICAS = 1;
/** How long each invocation watches rollouts before leaving them to the next run. */
const WAIT_SECONDS = Number(process.env.SCALE_WAIT_SECONDS ?? 20);
/** The memory the targets are for: every run gets the heap Lambda's runtime gives this size. */
const MEMORY_MB = 256;
const RUN_TARGET_MS = 60_000;
/** reconcile's schedule (serverless.yml, rate(5 minutes)): the longest the bench waits for the cluster between runs. */
const SCHEDULE_MS = 5 * 60_000;
/** Runs of cases 1 and 2 at most, to say how many it takes when 2 are not enough. */
const MAX_RUNS = 4;
const ECR_THROTTLE = 0.2;
const PATCH_429 = 0.1;
/** DescribeImages page size the production adapter asks for. */
const PAGE_SIZE = 1000;
/** Pods for 1,500 Deployments of 1 replica and their surge pods, with room to spare. */
const BENCH_NODES = 12;
const PODS_PER_NODE = 250;
const SEED = 20261130;

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "n/a");
const megabytes = (value: number) => `${value.toFixed(0)} MB`;
const count = (value: number, of?: number) =>
  of === undefined
    ? value.toLocaleString("en-US")
    : `${value.toLocaleString("en-US")}/${of.toLocaleString("en-US")}`;

/** The controller-manager's --kube-api-qps, from its command line (its default when absent). */
function controllerQps(h: Harness): string {
  try {
    const [pid] = readFileSync(join(h.dir, "pids", "kube-controller-manager.pid"), "utf8")
      .trim()
      .split(" ");
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const flag = args.find((arg) => arg.startsWith("--kube-api-qps="));
    return flag ? (flag.split("=")[1] ?? "?") : "20 (default)";
  } catch {
    return "unknown";
  }
}

/** The event reconcile's schedule rule delivers (its content is no instruction to the function). */
const scheduledEvent = (h: Harness) => ({
  version: "0",
  id: randomUUID(),
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: h.accountId,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  region: h.region,
  resources: [`arn:aws:events:${h.region}:${h.accountId}:rule/reconcile`],
  detail: {},
});

function linesOf(invoked: Invoked): DeploymentReport[] {
  const result = invoked.invocation.result as ReconcileResult | ImagePushResult | undefined;
  return result && "deployments" in result ? result.deployments : [];
}

/** What a run's result lines say, by action (deferred starts apart from other skips). */
function tally(lines: DeploymentReport[]): string {
  const tallied: Record<string, number> = {};
  for (const line of lines) {
    const key = line.deferred ? `deferred (${line.deferred})` : line.action;
    tallied[key] = (tallied[key] ?? 0) + 1;
  }
  return (
    Object.entries(tallied)
      .map(([action, n]) => `${action} ${n}`)
      .join(", ") || "none (the invocation threw)"
  );
}

const firstLine = (text: string | undefined) => (text ?? "").split("\n")[0]?.slice(0, 140) ?? "";

export default async function run(): Promise<void> {
  const bench = await benchHarness();
  const { h } = bench;
  const benchStarted = Date.now();
  const kc = adminKubeConfig();
  const slack = await startSlackReceiver();
  const work = await mkdtemp(join(tmpdir(), "scale-bench-"));
  const suffix = Math.random().toString(16).slice(2, 8);
  const ecr = new ECRClient({ region: h.region, endpoint: h.awsEndpoint });
  const ecrProxy = await startFaultyEcr({ upstream: h.awsEndpoint, seed: SEED });
  const apiProxy = await startThrottlingApiserver({
    from: h.deliveryKubeconfig,
    kubeconfigPath: join(work, "throttled.kubeconfig"),
    seed: SEED,
  });
  const nodes = benchNodes(BENCH_NODES, PODS_PER_NODE);
  const namespaces = Array.from({ length: NAMESPACES }, (_, index) => `scale-${suffix}-${index}`);
  const fanNamespaces = Array.from({ length: FAN_NAMESPACES }, (_, index) => `scale-fan-${suffix}-${index}`);
  const repositories = Array.from({ length: REPOSITORIES }, (_, index) => `bench-scale-${suffix}-${index}`);
  const fanRepository = `bench-scale-${suffix}-fan`;
  let stateTable: string | undefined;
  const targets = new Targets();
  const check = (ok: boolean, what: string) => targets.mark(ok, what);
  const sections: { title: string; rows: [string, string, string][] }[] = [];
  const section = (title: string) => {
    const rows: [string, string, string][] = [];
    sections.push({ title, rows });
    return rows;
  };
  const print = () => {
    for (const { title, rows } of sections) if (rows.length > 0) printRows(title, rows);
  };

  try {
    const stage = await deployedStage(h, suffix, slack.url);
    stateTable = stage.stateTableName;
    const [reconcileBundle, pushBundle, runner] = await Promise.all([
      bundleFunction("reconcile", work, { eksSeam: true }),
      bundleFunction("onImagePush", work, { eksSeam: true }),
      bundleRunner(work),
    ]);
    const envOf = (name: string, extra: Record<string, string> = {}) =>
      stage.functionEnv(name, {
        ROLLOUT_NAMESPACES: "*",
        ROLLOUT_WAIT_SECONDS: String(WAIT_SECONDS),
        AWS_ENDPOINT_URL: ecrProxy.url,
        ...extra,
      });
    let invocations = 0;
    const reconcileOnce = (extra: Record<string, string> = {}) => {
      ecrProxy.resetCounts();
      return invokeOnce({
        runner,
        bundle: reconcileBundle.path,
        functionName: "reconcile",
        event: scheduledEvent(h),
        env: envOf("reconcile", extra),
        timeoutSeconds: deployedSizing("reconcile").timeoutSeconds,
        memoryMB: MEMORY_MB,
        workDir: work,
        label: `reconcile-${++invocations}`,
      });
    };
    /** The rows every run gets: time, CPU, the CPU-share model, peak RSS, what it did. */
    const runRows = (
      rows: [string, string, string][],
      name: string,
      invoked: Invoked,
      timeTarget: boolean,
      caseName: string,
    ) => {
      const deployedMemory = deployedSizing(invoked.functionName).memoryMB;
      const lines = linesOf(invoked);
      const patches = lines.flatMap((line) =>
        line.eventToPatchMs === undefined ? [] : [line.eventToPatchMs],
      );
      rows.push(
        [
          `${name}: invocation (handler called → returned) / process start → exit`,
          `${seconds(invoked.invokeMs)} / ${seconds(invoked.processMs)}${
            timeTarget ? check(invoked.invokeMs <= RUN_TARGET_MS, `${caseName} ${name} took over 60 s`) : ""
          }`,
          timeTarget ? "≤ 60 s" : "",
        ],
        [
          `${name}: peak RSS (heap as Lambda sizes it for ${MEMORY_MB} MB)`,
          megabytes(invoked.rssMiB) +
            check(invoked.rssMiB <= MEMORY_MB, `${caseName} ${name} peak RSS over ${MEMORY_MB} MB`),
          `≤ ${MEMORY_MB} MB`,
        ],
        [
          `${name}: CPU time; modelled at Lambda's CPU share of ${MEMORY_MB} / ${deployedMemory} MB (${cpuShareOf(MEMORY_MB).toFixed(2)} / ${cpuShareOf(deployedMemory).toFixed(2)} vCPU)`,
          `${seconds(invoked.cpuMs)}; ${seconds(modelledAt(MEMORY_MB, invoked.invokeMs, invoked.cpuMs))} / ${seconds(modelledAt(deployedMemory, invoked.invokeMs, invoked.cpuMs))}`,
          "(model: CPU time stretched)",
        ],
        [`${name}: result lines`, tally(lines), ""],
        [
          `${name}: ECR calls: DescribeImages listing pages / by image id / other; throttled`,
          (() => {
            const c = ecrProxy.counts;
            const pages = [...c.pagesPerRepository.values()].reduce((sum, n) => sum + n, 0);
            const other = c.ecrCalls - c.describeImagesListings - c.describeImagesById;
            return `${count(pages)} / ${count(c.describeImagesById)} / ${count(other)}; ${count(c.throttled)}`;
          })(),
          "",
        ],
      );
      if (patches.length > 0) {
        rows.push([
          `${name}: ${count(patches.length)} PATCHes accepted, first / last after the invocation started`,
          `${seconds(Math.min(...patches))} / ${seconds(Math.max(...patches))}`,
          "",
        ]);
      }
      if (invoked.invocation.error) {
        rows.push([
          `${name}: threw (after reporting; the next run retries)`,
          firstLine(invoked.invocation.error),
          "",
        ]);
      }
    };

    // --- setup: images in moto while the cluster gets its nodes and namespaces ---------------
    const setupRows = section(
      `Scale: setup (harness controller-manager --kube-api-qps ${controllerQps(h)}; ROLLOUT_WAIT_SECONDS ${WAIT_SECONDS})`,
    );
    const setupStarted = Date.now();
    const historyOf = (repository: string) =>
      repositories.indexOf(repository) < BIG_REPOSITORIES ? BIG_HISTORY : SMALL_HISTORY;
    const [historyPushed] = await Promise.all([
      pushHistory(ecr, [...repositories, fanRepository], historyOf),
      createBenchNodes(kc, nodes),
      prepareNamespaces([...namespaces, ...fanNamespaces], suffix),
    ]);
    const imagesMs = Date.now() - setupStarted;
    // The image each Deployment runs: pushed after the history, so the fleet starts converged.
    await afterNextPushSecond();
    const base = await pushEach(ecr, [...repositories, fanRepository], "0.1.0");
    const imagesIn = new Map(repositories.map((name) => [name, historyOf(name) + 1]));
    const assigned = new Map<string, string>(); // `<namespace>/<name>` → repository
    const specs: DeploymentSpec[] = namespaces.flatMap((namespace, n) =>
      Array.from({ length: PER_NAMESPACE }, (_, index) => {
        const repository = repositories[(n * PER_NAMESPACE + index) % REPOSITORIES] as string;
        assigned.set(`${namespace}/api-${index}`, repository);
        const image = pinnedImage(h, base.get(repository) as PushedImage);
        return { namespace, name: `api-${index}`, image, replicas: REPLICAS };
      }),
    );
    const deploymentsStarted = Date.now();
    await createDeployments(kc, specs, suffix);
    const fleet = new Set(assigned.keys());
    const available = await waitComplete(kc, suffix, fleet, 20 * 60_000);
    if (available.left > 0) throw new Error(`${available.left} Deployments never became Available`);
    setupRows.push(
      [
        `${REPOSITORIES + 1} repositories, ${count(historyPushed + REPOSITORIES + 1)} images (PutImage); ${BENCH_NODES} kwok nodes of ${PODS_PER_NODE} pods; ${NAMESPACES + FAN_NAMESPACES} namespaces with the writer's RBAC`,
        seconds(imagesMs),
        "",
      ],
      [
        `${count(fleet.size)} Deployments × ${REPLICAS} replica created and Available`,
        seconds(Date.now() - deploymentsStarted),
        "",
      ],
      ["setup in all", seconds(Date.now() - setupStarted), "(not a target)"],
    );

    const newestOf = (
      observed: Map<string, Observed>,
      keys: Iterable<string>,
      newest: Map<string, PushedImage>,
    ) => {
      let on = 0;
      for (const key of keys) {
        if (observed.get(key)?.digest === newest.get(assigned.get(key) ?? fanRepository)?.digest) on++;
      }
      return on;
    };
    const endedComplete = (observed: Map<string, Observed>, newest: Map<string, PushedImage>) =>
      [...fleet].filter((key) => {
        const seen = observed.get(key);
        return (
          seen?.complete === true &&
          seen.digest === newest.get(assigned.get(key) ?? "")?.digest &&
          (seen.phase === "baking" || seen.phase === "succeeded")
        );
      }).length;

    // --- 1. reconcile at scale ---------------------------------------------------------------
    const scaleRows = section(
      `Scale 1: reconcile, ${count(fleet.size)} Deployments × ${REPLICAS} replica in ${NAMESPACES} namespaces, ${REPOSITORIES} repositories (${BIG_REPOSITORIES} of ${count(BIG_HISTORY + 2)} images), a newer image in each, no push event; ROLLOUT_NAMESPACES=*`,
    );
    await afterNextPushSecond();
    const newest1 = await pushEach(ecr, repositories, "1.0.0");
    for (const name of repositories) imagesIn.set(name, (imagesIn.get(name) ?? 0) + 1);
    const pagesTarget = repositories.reduce(
      (sum, name) => sum + Math.max(1, Math.ceil((imagesIn.get(name) ?? 0) / PAGE_SIZE)),
      0,
    );
    const run1 = await reconcileOnce();
    const pagesSeen = repositories.reduce(
      (sum, name) => sum + (ecrProxy.counts.pagesPerRepository.get(name) ?? 0),
      0,
    );
    const byId1 = ecrProxy.counts.describeImagesById;
    const after1 = await observe(kc, suffix);
    const on1 = newestOf(after1, fleet, newest1);
    const inProgress1 = linesOf(run1).filter((line) => line.outcome === "in_progress").length;
    runRows(scaleRows, "run 1", run1, true, "case 1");
    scaleRows.push(
      [
        `run 1: DescribeImages listing calls (pages of ${[...ecrProxy.counts.pageSizes].join("/") || "?"})`,
        count(pagesSeen) + check(pagesSeen === pagesTarget, "case 1: DescribeImages listing calls ≠ Σ pages"),
        `= Σ pages over the repositories = ${pagesTarget}`,
      ],
      [
        "run 1: DescribeImages by image id (push time of a running image no ledger records yet)",
        count(byId1),
        "(outside the target)",
      ],
      [
        "run 1: Deployments whose spec names the newest image",
        count(on1, fleet.size) +
          check(on1 === fleet.size, "case 1: not every Deployment names the newest image after run 1"),
        "all",
      ],
      ["run 1: rollouts left in progress for the next run", count(inProgress1), ""],
    );
    let convergedAt = on1 === fleet.size ? 1 : undefined;
    let completeAt: number | undefined;
    for (let n = 2; n <= MAX_RUNS && completeAt === undefined; n++) {
      const settled = await waitComplete(kc, suffix, fleet, SCHEDULE_MS);
      scaleRows.push([
        `before run ${n}: the cluster rolls the patched Deployments out (controller-manager, kwok)`,
        `${seconds(settled.ms)}${settled.left > 0 ? `, ${settled.left} not done` : ""}`,
        "(not a target; ≤ 5 min schedule)",
      ]);
      const invoked = await reconcileOnce();
      runRows(scaleRows, `run ${n}`, invoked, true, "case 1");
      const observed = await observe(kc, suffix);
      const on = newestOf(observed, fleet, newest1);
      const ended = endedComplete(observed, newest1);
      if (n === 2) {
        const finished = linesOf(invoked).filter(
          (line) => line.action === "finished" && line.outcome === "succeeded",
        ).length;
        scaleRows.push([
          "run 2: rollouts it finished, of those run 1 left in progress",
          count(finished, inProgress1) +
            check(finished === inProgress1, "case 1: run 2 did not finish every rollout run 1 left"),
          "all",
        ]);
      }
      scaleRows.push(
        [`run ${n}: Deployments whose spec names the newest image`, count(on, fleet.size), ""],
        [
          `run ${n}: complete on the newest image, ledger baking or succeeded`,
          count(ended, fleet.size) +
            (n === 2 ? check(ended === fleet.size, "case 1: not everything ended complete after run 2") : ""),
          n === 2 ? "all" : "",
        ],
      );
      if (convergedAt === undefined && on === fleet.size) convergedAt = n;
      if (ended === fleet.size) completeAt = n;
    }
    scaleRows.push(
      [
        "runs until every Deployment named the newest image / ended complete",
        `${convergedAt ?? `> ${MAX_RUNS}`} / ${completeAt ?? `> ${MAX_RUNS}`}`,
        "1 / 2",
      ],
      ["Slack messages received (all runs)", count(slack.received.length), ""],
    );

    // --- 2. the same, throttled ----------------------------------------------------------------
    const throttledRows = section(
      `Scale 2: the same, one more image per repository; ${ECR_THROTTLE * 100}% of ECR calls ThrottlingException, ${PATCH_429 * 100}% of PATCHes 429 with Retry-After 1 s`,
    );
    const wait2 = await waitComplete(kc, suffix, fleet, SCHEDULE_MS);
    await afterNextPushSecond();
    const newest2 = await pushEach(ecr, repositories, "2.0.0");
    const before = await observe(kc, suffix);
    const ecrTotals = { throttled: 0, calls: 0 };
    ecrProxy.setThrottle(ECR_THROTTLE);
    apiProxy.setFraction(PATCH_429);
    const patchesBefore = apiProxy.seen.PATCH ?? 0;
    const refusedBefore = apiProxy.refused;
    throttledRows.push([
      "before run 1: the cluster rolls out what case 1 left",
      seconds(wait2.ms),
      "(not a target)",
    ]);
    let runsNeeded: number | undefined;
    for (let n = 1; n <= MAX_RUNS && runsNeeded === undefined; n++) {
      if (n > 1) {
        const settled = await waitComplete(kc, suffix, fleet, SCHEDULE_MS);
        throttledRows.push([
          `before run ${n}: the cluster rolls them out`,
          seconds(settled.ms),
          "(not a target)",
        ]);
      }
      const invoked = await reconcileOnce({ [SEAM_KUBECONFIG]: apiProxy.kubeconfig });
      ecrTotals.throttled += ecrProxy.counts.throttled;
      ecrTotals.calls += ecrProxy.counts.ecrCalls;
      runRows(throttledRows, `run ${n}`, invoked, true, "case 2");
      const observed = await observe(kc, suffix);
      let wrong = 0;
      for (const key of fleet) {
        const digest = observed.get(key)?.digest;
        // The image it ran before or the newest, nothing else: an older one would be a downgrade.
        if (digest !== before.get(key)?.digest && digest !== newest2.get(assigned.get(key) ?? "")?.digest)
          wrong++;
      }
      const on = newestOf(observed, fleet, newest2);
      throttledRows.push(
        [`run ${n}: Deployments whose spec names the newest image`, count(on, fleet.size), ""],
        [
          `run ${n}: Deployments on an image older than before, or on another`,
          count(wrong) +
            check(wrong === 0, `case 2 run ${n}: a Deployment was downgraded or got a wrong image`),
          "0",
        ],
      );
      if (on === fleet.size) runsNeeded = n;
    }
    ecrProxy.setThrottle(0);
    apiProxy.setFraction(0);
    throttledRows.push(
      [
        "runs until every Deployment named the newest image",
        (runsNeeded === undefined ? `> ${MAX_RUNS}` : String(runsNeeded)) +
          check(runsNeeded !== undefined && runsNeeded <= 2, "case 2 did not converge within 2 runs"),
        "≤ 2",
      ],
      [
        "ECR calls answered ThrottlingException / seen",
        `${count(ecrTotals.throttled)} / ${count(ecrTotals.calls)}`,
        "",
      ],
      [
        "PATCHes answered 429 / seen",
        `${count(apiProxy.refused - refusedBefore)} / ${count((apiProxy.seen.PATCH ?? 0) - patchesBefore)}`,
        "",
      ],
    );

    // --- 3. fan-out ------------------------------------------------------------------------------
    const fanRows = section(
      `Scale 3: fan-out, one push event to onImagePush, ${count(FAN_NAMESPACES * FAN_PER_NAMESPACE)} Deployments × ${REPLICAS} replica in ${FAN_NAMESPACES} namespaces on one repository (${count(fleet.size)} more opted in elsewhere); ROLLOUT_NAMESPACES=*`,
    );
    const fanSpecs: DeploymentSpec[] = fanNamespaces.flatMap((namespace) =>
      Array.from({ length: FAN_PER_NAMESPACE }, (_, index) => ({
        namespace,
        name: `api-${index}`,
        image: pinnedImage(h, base.get(fanRepository) as PushedImage),
        replicas: REPLICAS,
      })),
    );
    await createDeployments(kc, fanSpecs, suffix);
    const fanKeys = new Set(fanSpecs.map(({ namespace, name }) => `${namespace}/${name}`));
    const quiet = await waitComplete(kc, suffix, new Set([...fleet, ...fanKeys]), SCHEDULE_MS);
    await afterNextPushSecond();
    const [fanImage] = (await pushEach(ecr, [fanRepository], "1.0.0")).values();
    if (!fanImage) throw new Error("no fan-out image pushed");
    ecrProxy.resetCounts();
    const fan = await invokeOnce({
      runner,
      bundle: pushBundle.path,
      functionName: "onImagePush",
      event: ecrPushEvent(fanImage, h),
      env: envOf("onImagePush"),
      timeoutSeconds: deployedSizing("onImagePush").timeoutSeconds,
      memoryMB: MEMORY_MB,
      workDir: work,
      label: "fan-out",
    });
    const fanLines = linesOf(fan).filter((line) => fanKeys.has(`${line.namespace}/${line.name}`));
    const toPatch = fanLines.flatMap((line) =>
      line.eventToPatchMs === undefined ? [] : [line.eventToPatchMs],
    );
    const fanMax = toPatch.length > 0 ? Math.max(...toPatch) : Number.NaN;
    const fanOn = newestOf(await observe(kc, suffix), fanKeys, new Map([[fanRepository, fanImage]]));
    fanRows.push(
      [
        "before the push: the cluster quiet (earlier rollouts done, these Deployments Available)",
        `${seconds(quiet.ms)}${quiet.left > 0 ? `, ${quiet.left} not done` : ""}`,
        "(not a target)",
      ],
      [
        "PATCHes accepted",
        count(toPatch.length, fanKeys.size) +
          check(toPatch.length === fanKeys.size, "case 3: not every Deployment was patched"),
        "all",
      ],
      [
        "event → PATCH accepted, max",
        seconds(fanMax) +
          check(fanMax <= 10_000, "case 3: a PATCH was accepted more than 10 s after the event"),
        "≤ 10 s",
      ],
      [
        "event → PATCH accepted, min / p50",
        `${seconds(Math.min(...toPatch))} / ${seconds(percentile(toPatch, 50))}`,
        "",
      ],
      ["Deployments whose spec names the pushed image", count(fanOn, fanKeys.size), ""],
    );
    runRows(fanRows, "onImagePush", fan, false, "case 3");
    if (fan.invocation.error) check(false, "case 3: the invocation threw");

    const totals = section("Scale: bench");
    totals.push([
      "bench run so far (setup, cases, waits; cleanup follows)",
      seconds(Date.now() - benchStarted),
      "< 10 min",
    ]);
    print();
    sections.length = 0;
    targets.assertMet();
  } finally {
    if (sections.length > 0) {
      console.log("(the bench stopped early; the figures so far)");
      print();
    }
    const cleanupStarted = Date.now();
    await Promise.all([slack.close(), ecrProxy.close(), apiProxy.close()]);
    await Promise.all(
      [...namespaces, ...fanNamespaces].map((name) => deleteNamespace(name).catch(() => undefined)),
    );
    await mapBounded([...repositories, fanRepository], 10, (repositoryName) =>
      ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true })).catch(() => undefined),
    );
    if (stateTable) await deleteStateTable(stateTable).catch(() => undefined);
    if (bench.started) {
      await bench.release();
    } else {
      // A shared harness: give the namespace controller a moment to take the pods off the bench
      // nodes; pods still bound to a node once it is deleted are removed by the pod GC.
      const core = kc.makeApiClient(CoreV1Api);
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const left = (await core.listNamespace({ labelSelector: `${SCALE_LABEL}=${suffix}` })).items;
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      await deleteBenchNodes(kc, nodes);
    }
    await rm(work, { recursive: true, force: true });
    console.log(
      `scale bench: cleanup ${seconds(Date.now() - cleanupStarted)}, in all ${seconds(Date.now() - benchStarted)}`,
    );
  }
}
