// What the rollout integration tests share: images pushed into moto's ECR, ECR events in the
// exact shape AWS documents, opted-in Deployments created as the admin, and the real handlers
// composed for local mode with the delivery identity's kubeconfig, a state table of their own
// on moto's DynamoDB (the stage-wide quarantine) and a Slack receiver fake.
import { randomBytes } from "node:crypto";
import { CloudWatchClient, type Datapoint, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { AppsV1Api, type V1Container, type V1Deployment } from "@kubernetes/client-node";
import { handleImagePush } from "../../../functions/handlers/onImagePush/handler.js";
import { composeOnImagePush } from "../../../functions/handlers/onImagePush/wiring.js";
import { handleReconcile } from "../../../functions/handlers/reconcile/handler.js";
import { composeReconcile } from "../../../functions/handlers/reconcile/wiring.js";
import { Annotation, ENABLED_LABEL } from "../../../functions/rollout/ledger.js";
import type { DeploymentReport } from "../../../functions/rollout/report.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  grantDeliveryAccess,
  harness,
} from "../../harness/env.js";
import {
  afterNextPushSecond,
  ecrPushEvent,
  ensureRepository,
  pushImage as pushEcrImage,
} from "../../support/ecrImages.js";
import { createStateTable } from "../../support/stateTable.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const registryHost = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export interface PushedImage {
  repositoryName: string;
  repository: string;
  tag: string;
  digest: string;
  pushedAt: Date;
  /** The manifest's seed: the same seed under another tag is the same digest. */
  seed: string;
  /** `<repository>:<tag>@<digest>`: what the rollout writes. */
  pinned: string;
}

const ecr = () => new ECRClient({ region: REGION, endpoint: harness().awsEndpoint });

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** Pushes a new image into moto's ECR (a fresh seed = a new digest) and reads back its imagePushedAt. */
export async function pushImage(
  repositoryName: string,
  tag: string,
  seed = randomBytes(8).toString("hex"),
): Promise<PushedImage> {
  const client = ecr();
  await ensureRepository(client, repositoryName);
  const { digest } = await pushEcrImage(client, repositoryName, tag, seed);
  const described = await client.send(
    new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }),
  );
  const pushedAt = described.imageDetails?.[0]?.imagePushedAt;
  if (!pushedAt) throw new Error(`ECR does not describe ${repositoryName}@${digest}`);
  const repository = `${registryHost}/${repositoryName}`;
  return {
    repositoryName,
    repository,
    tag,
    digest,
    pushedAt,
    seed,
    pinned: `${repository}:${tag}@${digest}`,
  };
}

/** Pushes the same manifest under another tag: the same digest. */
export function retagImage(image: PushedImage, tag: string): Promise<PushedImage> {
  return pushImage(image.repositoryName, tag, image.seed);
}

/** The documented "ECR Image Action" event for a push of `image`, from the harness's account. */
export function pushEvent(
  image: Pick<PushedImage, "repositoryName" | "digest" | "tag">,
  overrides: { account?: string; region?: string; actionType?: string; result?: string } = {},
): Record<string, unknown> {
  const { account = ACCOUNT, region = REGION, actionType, result } = overrides;
  return ecrPushEvent(image, { accountId: account, region, actionType, result });
}

const created: string[] = [];

/** A namespace of its own, with the delivery identity's Role bound in it (unless `grant` is false). */
export async function testNamespace(prefix: string, grant = true): Promise<string> {
  const namespace = uniqueName(prefix);
  await createNamespace(namespace);
  created.push(namespace);
  if (grant) await grantDeliveryAccess(namespace);
  return namespace;
}

/** Deletes the namespaces this test file created: fake nodes hold 17 pods each, like small EC2 nodes. */
export async function deleteTestNamespaces(): Promise<void> {
  await Promise.all(created.splice(0).map((namespace) => deleteNamespace(namespace)));
}

export function apps(): AppsV1Api {
  return adminKubeConfig().makeApiClient(AppsV1Api);
}

export interface DeploymentOptions {
  image: string;
  optedIn?: boolean;
  annotations?: Record<string, string>;
  replicas?: number;
  progressDeadlineSeconds?: number;
  containers?: V1Container[];
}

/** Creates a Deployment as the admin would apply it, and waits until it is Available. */
export async function createDeployment(
  namespace: string,
  name: string,
  options: DeploymentOptions,
): Promise<V1Deployment> {
  const labels = { app: name };
  const created = await apps().createNamespacedDeployment({
    namespace,
    body: {
      metadata: {
        name,
        labels: options.optedIn === false ? labels : { ...labels, [ENABLED_LABEL]: "true" },
        annotations: options.annotations ?? {},
      },
      spec: {
        replicas: options.replicas ?? 1,
        progressDeadlineSeconds: options.progressDeadlineSeconds ?? 600,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: options.containers ?? [{ name: "api", image: options.image }] },
        },
      },
    },
  });
  await eventually(async () => {
    const current = await readDeployment(namespace, name);
    return (current.status?.availableReplicas ?? 0) === (options.replicas ?? 1) ? current : undefined;
  }, `${namespace}/${name} to become available`);
  return created;
}

export async function readDeployment(namespace: string, name: string): Promise<V1Deployment> {
  return apps().readNamespacedDeployment({ namespace, name });
}

/**
 * What only a writer of the Deployment changes: spec and metadata (generation moves with every
 * spec or annotation write), not the status the controller keeps updating.
 */
export async function writtenState(namespace: string, name: string): Promise<unknown> {
  const { metadata, spec } = await readDeployment(namespace, name);
  return { generation: metadata?.generation, annotations: metadata?.annotations, spec };
}

export function imageOf(deployment: V1Deployment, container = "api"): string | undefined {
  return deployment.spec?.template.spec?.containers.find((candidate) => candidate.name === container)?.image;
}

/** One hour of a per-Deployment metric (dimension Deployment), read back from the emulator's CloudWatch. */
export async function deploymentMetric(
  deployment: string,
  metricName: string,
): Promise<Datapoint | undefined> {
  const statistics = await new CloudWatchClient({ region: REGION, endpoint: harness().awsEndpoint }).send(
    new GetMetricStatisticsCommand({
      Namespace: "CoworkingDelivery",
      MetricName: metricName,
      Dimensions: [{ Name: "Deployment", Value: deployment }],
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 60_000),
      Period: 3600,
      Statistics: ["Sum", "SampleCount"],
    }),
  );
  return statistics.Datapoints?.[0];
}

export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A rollout handler's result as these tests read it: `deployments` is empty unless handled. */
export interface InvocationResult {
  outcome: "handled" | "ignored" | "rejected";
  reason?: string;
  eventId?: string;
  image?: string;
  deployments: DeploymentReport[];
}

export interface LocalFunctions {
  onImagePush(event: unknown): Promise<InvocationResult>;
  reconcile(): Promise<InvocationResult>;
  slack: SlackReceiver;
  /** The state table these functions use (STATE_TABLE_NAME), created for them on moto. */
  stateTable: string;
  /** The environment they were composed with: another handler composed with it shares their cluster, table and Slack. */
  env: Record<string, string | undefined>;
  /** The notification events Slack received, in order (e.g. rollout.succeeded). */
  notifications(): string[];
  close(): Promise<void>;
}

/**
 * The real handlers, composed for local mode as `npm run invoke` would: the delivery identity's
 * kubeconfig, moto for AWS (a state table of their own unless `env` names one), and a Slack
 * receiver fake for notifications.
 */
export async function localFunctions(
  namespaces: string[],
  env: Record<string, string> = {},
): Promise<LocalFunctions> {
  const slack = await startSlackReceiver();
  const h = harness();
  const stateTable = env.STATE_TABLE_NAME ?? (await createStateTable());
  const functionEnv = {
    ...process.env,
    KUBECONFIG: h.deliveryKubeconfig,
    AWS_ENDPOINT_URL: h.awsEndpoint,
    AWS_REGION: REGION,
    REGISTRY_ACCOUNT_IDS: ACCOUNT,
    ROLLOUT_NAMESPACES: namespaces.join(","),
    ROLLOUT_WAIT_SECONDS: "60",
    STATE_TABLE_NAME: stateTable,
    SLACK_WEBHOOK_URL: slack.url,
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...env,
  };
  const pushRoot = composeOnImagePush(functionEnv);
  const reconcileRoot = composeReconcile(functionEnv);
  return {
    onImagePush: async (event) => ({ deployments: [], ...(await handleImagePush(pushRoot, event)) }),
    reconcile: async () => ({ deployments: [], ...(await handleReconcile(reconcileRoot)) }),
    slack,
    stateTable,
    env: functionEnv,
    notifications: () =>
      slack.received
        .map((message) => notificationEvent(message.payload))
        .filter((event) => event !== undefined),
    close: () => slack.close(),
  };
}

/** The notification event a Slack payload carries (the renderer puts it in the text). */
function notificationEvent(payload: unknown): string | undefined {
  return /`(rollout\.[a-z_]+)`/.exec(JSON.stringify(payload))?.[1];
}

/**
 * A Deployment asking for approvals (one unless `annotations` say otherwise) and a newer image
 * pushed to it through `functions`: the push is held, and the Deployment still runs the image it
 * was created with.
 */
export async function holdForApproval(
  functions: Pick<LocalFunctions, "onImagePush">,
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
): Promise<{ running: PushedImage; pushed: PushedImage }> {
  const repositoryName = uniqueName(name);
  const running = await pushImage(repositoryName, "1.0.0");
  await createDeployment(namespace, name, {
    image: running.pinned,
    annotations: { [Annotation.approvals]: "1", ...annotations },
  });
  await afterNextPushSecond();
  const pushed = await pushImage(repositoryName, "1.1.0");
  const push = await functions.onImagePush(pushEvent(pushed));
  const lines = push.deployments.filter((line) => line.name === name);
  if (lines.length !== 1 || lines[0]?.action !== "held" || lines[0].namespace !== namespace) {
    throw new Error(`the push to ${namespace}/${name} was not held: ${JSON.stringify(lines)}`);
  }
  return { running, pushed };
}
