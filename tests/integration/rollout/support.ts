// What the rollout integration tests share: images pushed into moto's ECR, ECR events in the
// exact shape AWS documents, opted-in Deployments created as the admin, and the real handlers
// composed for local mode with the delivery identity's kubeconfig and a Slack receiver fake.
import { randomBytes, randomUUID } from "node:crypto";
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
  RepositoryAlreadyExistsException,
} from "@aws-sdk/client-ecr";
import { AppsV1Api, type V1Deployment } from "@kubernetes/client-node";
import { composeOnImagePush } from "../../../functions/onImagePush/compose.js";
import { handleImagePush } from "../../../functions/onImagePush/handler.js";
import { composeReconcile } from "../../../functions/reconcile/compose.js";
import { handleReconcile } from "../../../functions/reconcile/handler.js";
import type { InvocationResult } from "../../../functions/rollout/invocationResult.js";
import { ENABLED_LABEL } from "../../../functions/rollout/ledger.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import { adminKubeConfig, createNamespace, grantDeliveryAccess, harness } from "../../harness/env.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const registryHost = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export interface PushedImage {
  repositoryName: string;
  repository: string;
  tag: string;
  digest: string;
  pushedAt: Date;
  /** `<repository>:<tag>@<digest>`: what the rollout writes. */
  pinned: string;
}

const ecr = () => new ECRClient({ region: REGION, endpoint: harness().awsEndpoint });

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** Pushes a new image (unique layer, so a unique digest) into moto's ECR. */
export async function pushImage(repositoryName: string, tag: string): Promise<PushedImage> {
  const client = ecr();
  try {
    await client.send(new CreateRepositoryCommand({ repositoryName }));
  } catch (error) {
    if (!(error instanceof RepositoryAlreadyExistsException)) throw error;
  }
  const layer = `sha256:${randomBytes(32).toString("hex")}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 7023, digest: layer },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 32654, digest: layer }],
  });
  const put = await client.send(
    new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: tag }),
  );
  const digest = put.image?.imageId?.imageDigest ?? "";
  const described = await client.send(
    new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }),
  );
  const pushedAt = described.imageDetails?.[0]?.imagePushedAt ?? new Date(0);
  const repository = `${registryHost}/${repositoryName}`;
  return { repositoryName, repository, tag, digest, pushedAt, pinned: `${repository}:${tag}@${digest}` };
}

/** Adds another tag to an existing image (same manifest → same digest). */
export async function retagImage(image: PushedImage, tag: string): Promise<PushedImage> {
  const client = ecr();
  const described = await client.send(
    new DescribeImagesCommand({
      repositoryName: image.repositoryName,
      imageIds: [{ imageDigest: image.digest }],
    }),
  );
  const got = await client.send(
    new BatchGetImageCommand({
      repositoryName: image.repositoryName,
      imageIds: [{ imageDigest: image.digest }],
    }),
  );
  await client.send(
    new PutImageCommand({
      repositoryName: image.repositoryName,
      imageManifest: got.images?.[0]?.imageManifest ?? "",
      imageTag: tag,
    }),
  );
  const pushedAt = described.imageDetails?.[0]?.imagePushedAt ?? image.pushedAt;
  return { ...image, tag, pushedAt, pinned: `${image.repository}:${tag}@${image.digest}` };
}

/** The documented "ECR Image Action" event for a push of `image`. */
export function pushEvent(
  image: Pick<PushedImage, "repositoryName" | "digest" | "tag">,
  overrides: { account?: string; region?: string; actionType?: string; result?: string } = {},
): Record<string, unknown> {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "ECR Image Action",
    source: "aws.ecr",
    account: overrides.account ?? ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: overrides.region ?? REGION,
    resources: [],
    detail: {
      result: overrides.result ?? "SUCCESS",
      "repository-name": image.repositoryName,
      "image-digest": image.digest,
      "action-type": overrides.actionType ?? "PUSH",
      "image-tag": image.tag,
    },
  };
}

/** A namespace of its own, with the delivery identity's Role bound in it (unless `grant` is false). */
export async function testNamespace(prefix: string, grant = true): Promise<string> {
  const namespace = uniqueName(prefix);
  await createNamespace(namespace);
  if (grant) await grantDeliveryAccess(namespace);
  return namespace;
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
  containers?: { name: string; image: string }[];
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
        replicas: options.replicas ?? 2,
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
    return (current.status?.availableReplicas ?? 0) === (options.replicas ?? 2) ? current : undefined;
  }, `${namespace}/${name} to become available`);
  return created;
}

export async function readDeployment(namespace: string, name: string): Promise<V1Deployment> {
  return apps().readNamespacedDeployment({ namespace, name });
}

export function imageOf(deployment: V1Deployment, container = "api"): string | undefined {
  return deployment.spec?.template.spec?.containers.find((candidate) => candidate.name === container)?.image;
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

export interface LocalFunctions {
  onImagePush(event: unknown): Promise<InvocationResult>;
  reconcile(): Promise<InvocationResult>;
  slack: SlackReceiver;
  /** The notification events Slack received, in order (e.g. rollout.succeeded). */
  notifications(): string[];
  close(): Promise<void>;
}

/**
 * The real handlers, composed for local mode as `npm run invoke` would: the delivery identity's
 * kubeconfig, moto for AWS, and a Slack receiver fake for notifications.
 */
export async function localFunctions(
  namespaces: string[],
  env: Record<string, string> = {},
): Promise<LocalFunctions> {
  const slack = await startSlackReceiver();
  const h = harness();
  const functionEnv = {
    ...process.env,
    KUBECONFIG: h.deliveryKubeconfig,
    AWS_ENDPOINT_URL: h.awsEndpoint,
    AWS_REGION: REGION,
    REGISTRY_ACCOUNT_IDS: ACCOUNT,
    ROLLOUT_NAMESPACES: namespaces.join(","),
    ROLLOUT_WAIT_SECONDS: "60",
    SLACK_WEBHOOK_URL: slack.url,
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...env,
  };
  const pushRoot = composeOnImagePush(functionEnv);
  const reconcileRoot = composeReconcile(functionEnv);
  return {
    onImagePush: (event) => handleImagePush(pushRoot, event),
    reconcile: () => handleReconcile(reconcileRoot),
    slack,
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
