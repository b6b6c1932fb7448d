// npm run sandbox [-- --keep]
// The whole delivery loop on one machine: the harness (kube-apiserver + kwok fake EKS nodes, moto
// for ECR), a sample opted-in Deployment, demo images pushed into the emulator's ECR, and their
// "ECR Image Action" events fired through the real onImagePush handler in local mode. Two good
// releases roll out; an image that never becomes Ready is rolled back and quarantined, and a
// reconcile run afterwards leaves it alone. Last, a pipeline run (CodePipeline's API is the local
// fake of tests/fakes) builds a commit: it starts, the image tagged with that commit rolls out
// naming the execution and the commit, and it succeeds. Notifications go to Slack as the deployed
// loop sends them with a bot token, one thread per release: Slack is the FAKE Web API of
// tests/fakes, and each release's thread (parent line and replies) is printed at the end.
// Reuses a running harness when its environment is set (eval "$(npm run -s cluster -- env)").
import { randomBytes } from "node:crypto";
import { ECRClient } from "@aws-sdk/client-ecr";
import { AppsV1Api, type V1Deployment, Watch } from "@kubernetes/client-node";
import {
  type ImagePushResult,
  handler as onImagePush,
} from "../../functions/handlers/onImagePush/handler.js";
import { handler as onPipelineEvent } from "../../functions/handlers/onPipelineEvent/handler.js";
import { type ReconcileResult, handler as reconcile } from "../../functions/handlers/reconcile/handler.js";
import { localContext } from "../../functions/local/lambdaContext.js";
import { Annotation, ENABLED_LABEL } from "../../functions/rollout/ledger.js";
import { type SlackWebApiFake, startSlackWebApiFake } from "../fakes/slackWebApi.js";
import { build } from "../harness/build.js";
import { down, recordCurrent, up } from "../harness/cluster.js";
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
import { startPipelineRun } from "../support/pipelineRun.js";
import { createStateTable, deleteStateTable } from "../support/stateTable.js";

const REPOSITORY = "coworking/analytics";
const DEPLOYMENT = "analytics";
/** Short, so the never-ready release fails (ProgressDeadlineExceeded) within the demo. */
const PROGRESS_DEADLINE_SECONDS = 20;
const INVOCATION_TIMEOUT_SECONDS = 120;

const say = (line = "") => process.stdout.write(`${line}\n`);
const heading = (title: string) => say(`\n━━ ${title} ${"━".repeat(Math.max(0, 76 - title.length))}`);
const short = (digest: string) => digest.replace("sha256:", "").slice(0, 12);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startOrReuseHarness(keep: boolean): Promise<{ h: Harness; started: boolean }> {
  try {
    return { h: harness(), started: false };
  } catch {
    say("building the harness if needed (first run only), then starting it…");
    await build();
    // Owned by this process unless kept: a harness whose owner is gone is cleaned by the next `up`.
    const h = await up(keep ? {} : { ownerPid: process.pid });
    if (keep) await recordCurrent(h.dir);
    Object.assign(process.env, harnessEnvironment(h));
    return { h, started: true };
  }
}

/**
 * Local mode, as docs/local.md describes it: the delivery identity's kubeconfig, moto, and Slack
 * through the Web API with a bot token, at the FAKE Web API, its threads in a state table on moto.
 */
function useLocalMode(h: Harness, namespace: string, slack: SlackWebApiFake, stateTable: string): void {
  for (const name of [
    "SLACK_WEBHOOK_URL",
    "SLACK_WEBHOOK_PARAMETER",
    "SLACK_BOT_TOKEN_PARAMETER",
    "SLACK_SIGNING_SECRET_PARAMETER",
    "SNS_TOPIC_ARN",
    "EKS_CLUSTERS",
  ]) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_CHANNEL: "#deploys",
    SLACK_API_URL: slack.url,
    STATE_TABLE_NAME: stateTable,
    NOTIFY_PIPELINE_STARTED: "true",
    KUBECONFIG: h.deliveryKubeconfig,
    AWS_ENDPOINT_URL: h.awsEndpoint,
    AWS_REGION: h.region,
    REGISTRY_ACCOUNT_IDS: h.accountId,
    ROLLOUT_NAMESPACES: namespace,
    ROLLOUT_WAIT_SECONDS: "90",
    METRICS_SINK: "cloudwatch",
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "ERROR",
  });
}

function sampleDeployment(image: string): V1Deployment {
  const labels = { app: DEPLOYMENT };
  return {
    metadata: {
      name: DEPLOYMENT,
      labels: { ...labels, [ENABLED_LABEL]: "true" },
      annotations: {
        [Annotation.policy]: "all",
        [Annotation.autoRollback]: "true",
        [Annotation.bakeSeconds]: "60",
      },
    },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "api", image }] } },
    },
  };
}

/** One line per visible change of the Deployment: image, replica counts, Progressing reason. */
function progressLine(deployment: V1Deployment): string {
  const image = deployment.spec?.template.spec?.containers[0]?.image ?? "";
  const [, tag = "?", digest = ""] = /:([^:@/]+)@(sha256:[0-9a-f]+)$/.exec(image) ?? [];
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 0;
  const progressing = status.conditions?.find((condition) => condition.type === "Progressing");
  return (
    `  ⋯ ${DEPLOYMENT}  ${tag} (${short(digest)})  updated ${status.updatedReplicas ?? 0}/${desired}` +
    `  ready ${status.readyReplicas ?? 0}/${desired}  Progressing=${progressing?.status ?? "?"}` +
    ` (${progressing?.reason ?? "-"})`
  );
}

async function watchProgress(namespace: string): Promise<AbortController> {
  let last = "";
  return new Watch(adminKubeConfig()).watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    {},
    (_type, deployment: V1Deployment) => {
      const line = progressLine(deployment);
      if (line !== last) say(line);
      last = line;
    },
    () => {},
  );
}

/** The fixture event, happening now (its time, and the execution's start a few minutes ago). */
function happeningNow(event: Record<string, unknown>, startedSecondsAgo: number): Record<string, unknown> {
  const detail = event.detail as Record<string, unknown>;
  return {
    ...event,
    time: new Date().toISOString(),
    detail: { ...detail, "start-time": new Date(Date.now() - startedSecondsAgo * 1000).toISOString() },
  };
}

/** What reached Slack since the last step: new threads, replies, and parents edited. */
function slackSince(slack: SlackWebApiFake, seen: { messages: number; edits: number }): void {
  for (const message of slack.messages.slice(seen.messages)) {
    say(
      message.threadTs === undefined
        ? `  slack: new thread in #deploys: ${message.text}`
        : `  slack: reply${message.broadcast ? " (also sent to the channel)" : ""}: ${message.text}`,
    );
  }
  const edits = slack.messages.reduce((sum, message) => sum + message.edits, 0);
  if (edits > seen.edits)
    say(`  slack: ${edits - seen.edits} message(s) edited (a parent's state, a progress reply)`);
  seen.messages = slack.messages.length;
  seen.edits = edits;
}

function printResult(result: ImagePushResult | ReconcileResult): void {
  say(`  result: ${result.outcome}${"reason" in result ? ` (${result.reason})` : ""}`);
  for (const report of "deployments" in result ? result.deployments : []) {
    const change = report.from && report.to ? `  ${report.from} → ${report.to}` : "";
    say(
      `    ${report.namespace}/${report.name}: ${report.action}${report.outcome ? `, ${report.outcome}` : ""}${change}`,
    );
    say(`      why: ${report.reason}`);
  }
}

async function main(keep: boolean): Promise<void> {
  const { h, started } = await startOrReuseHarness(keep);
  const namespace = `sandbox-${randomBytes(2).toString("hex")}`;
  const run = randomBytes(4).toString("hex"); // fresh digests on every run
  const ecr = new ECRClient({ region: h.region, endpoint: h.awsEndpoint });
  const apps = adminKubeConfig().makeApiClient(AppsV1Api);
  const registry = `${h.accountId}.dkr.ecr.${h.region}.amazonaws.com/${REPOSITORY}`;
  let watch: AbortController | undefined;
  let pipelineRun: Awaited<ReturnType<typeof startPipelineRun>> | undefined;
  let slack: SlackWebApiFake | undefined;
  let stateTable: string | undefined;
  const seen = { messages: 0, edits: 0 };
  try {
    heading(`setup: namespace ${namespace}, ECR repository ${REPOSITORY}`);
    await createNamespace(namespace);
    await grantDeliveryAccess(namespace);
    await ensureRepository(ecr, REPOSITORY);
    const initial = await pushImage(ecr, REPOSITORY, "1.0.0", `${run}:1.0.0`);
    const pinned = `${registry}:1.0.0@${initial.digest}`;
    await apps.createNamespacedDeployment({ namespace, body: sampleDeployment(pinned) });
    say(
      `  Deployment ${namespace}/${DEPLOYMENT} opted in (policy all, auto-rollback, 2 replicas) running ${pinned}`,
    );
    slack = await startSlackWebApiFake();
    stateTable = await createStateTable("coworking-sandbox-state");
    useLocalMode(h, namespace, slack, stateTable);
    // Before the first handler runs: the functions read PIPELINES once, at cold start.
    pipelineRun = await startPipelineRun();
    watch = await watchProgress(namespace);
    await pause(3000);

    const demo = [
      { tag: "1.0.1", story: "a good patch release" },
      { tag: "1.1.0", story: "a good minor release" },
      { tag: "1.2.0-never-ready", story: "an image whose pods never become Ready: rolled back" },
    ];
    for (const { tag, story } of demo) {
      await afterNextPushSecond(); // keep pushes ordered by imagePushedAt
      const image = await pushImage(ecr, REPOSITORY, tag, `${run}:${tag}`);
      heading(`push ${REPOSITORY}:${tag} (${short(image.digest)}): ${story}`);
      const result = await onImagePush(
        ecrPushEvent(image, h),
        localContext("onImagePush", INVOCATION_TIMEOUT_SECONDS, h.region),
      );
      printResult(result);
      slackSince(slack, seen);
    }

    heading("reconcile: the quarantined digest is not rolled out again");
    printResult(await reconcile({}, localContext("reconcile", INVOCATION_TIMEOUT_SECONDS, h.region)));
    slackSince(slack, seen);

    heading("the ledger on the Deployment (the cluster is the ledger)");
    const final = await apps.readNamespacedDeployment({ namespace, name: DEPLOYMENT });
    say(`  image: ${final.spec?.template.spec?.containers[0]?.image}`);
    for (const [key, value] of Object.entries(final.metadata?.annotations ?? {})) {
      if (key.includes("rollout.coworking.dev/") || key === Annotation.changeCause) say(`  ${key}: ${value}`);
    }

    heading(
      `pipeline ${pipelineRun.pipeline} builds commit ${pipelineRun.commit.slice(0, 7)} (CodePipeline API: local fake)`,
    );
    const start = await onPipelineEvent(happeningNow(pipelineRun.started(), 90));
    say(`  result: ${start.outcome}${"reason" in start ? ` (${start.reason})` : ""}`);
    slackSince(slack, seen);
    await afterNextPushSecond();
    const built = await pushImage(ecr, REPOSITORY, pipelineRun.commit, `${run}:${pipelineRun.commit}`);
    heading(
      `push ${REPOSITORY}:${pipelineRun.commit.slice(0, 12)}… (${short(built.digest)}): the image that run built`,
    );
    printResult(
      await onImagePush(
        ecrPushEvent(built, h),
        localContext("onImagePush", INVOCATION_TIMEOUT_SECONDS, h.region),
      ),
    );
    slackSince(slack, seen);
    heading(`pipeline ${pipelineRun.pipeline} succeeds`);
    const outcome = await onPipelineEvent(happeningNow(pipelineRun.succeeded(), 120));
    say(`  result: ${outcome.outcome}${"reason" in outcome ? ` (${outcome.reason})` : ""}`);
    slackSince(slack, seen);

    heading("Slack (FAKE Web API): one thread per release, as the channel shows it");
    say(slack.print("#deploys"));
  } finally {
    watch?.abort();
    await pipelineRun?.close();
    await slack?.close();
    if (stateTable && !keep) await deleteStateTable(stateTable).catch(() => undefined);
    if (keep) {
      say(`\nkept: namespace ${namespace}${started ? `, harness ${h.dir}` : ""}.`);
      if (started)
        say('use it with: eval "$(npm run -s cluster -- env)"; stop it with: npm run cluster -- down');
    } else if (started) {
      say("\nstopping the harness…");
      await down(h.dir);
    } else {
      await deleteNamespace(namespace).catch(() => undefined);
    }
  }
}

const keep = process.argv.includes("--keep");
main(keep).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`sandbox failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
