// The scale bench's fleet (scale.bench.ts): ECR repositories with their image history in moto,
// bench-only kwok fake nodes for the pods, namespaces with the writer's RBAC, opted-in
// Deployments pinned by digest, and what the cluster says about them afterwards (which image each
// names, whether its rollout is complete, its ledger phase), read as the harness's admin.
import { type ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { mapBounded } from "../../functions/rollout/fleet.js";
import { ENABLED_LABEL, tryReadLedger } from "../../functions/rollout/ledger.js";
import { applyObjects } from "../harness/apply.js";
import { createNamespace, grantDeliveryAccess, type Harness } from "../harness/env.js";
import { type FakeNode, nodeManifest } from "../harness/nodes.js";
import { demoManifest, ensureRepository, type PushedImage } from "../support/ecrImages.js";

/** Every object the bench creates carries it, so one label selector finds them all. */
export const SCALE_LABEL = "bench.coworking.dev/scale";
const MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

export const registryOf = (h: Harness) => `${h.accountId}.dkr.ecr.${h.region}.amazonaws.com`;
export const pinnedImage = (h: Harness, image: PushedImage) =>
  `${registryOf(h)}/${image.repositoryName}:${image.tag}@${image.digest}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- ECR -------------------------------------------------------------------------------------------

/** PutImage, as `docker push` ends; moto takes a few hundred a second, so callers run it in parallel. */
async function put(ecr: ECRClient, repositoryName: string, tag: string): Promise<PushedImage> {
  const { image } = await ecr.send(
    new PutImageCommand({
      repositoryName,
      imageTag: tag,
      imageManifest: demoManifest(`${repositoryName}:${tag}`),
      imageManifestMediaType: MEDIA_TYPE,
    }),
  );
  const digest = image?.imageId?.imageDigest;
  if (!digest) throw new Error(`PutImage of ${repositoryName}:${tag} returned no digest`);
  return { repositoryName, tag, digest, pushedAt: new Date() };
}

/** Creates the repositories and pushes `historyOf(repository)` distinct images to each (tags 0.0.<n>). */
export async function pushHistory(
  ecr: ECRClient,
  repositories: readonly string[],
  historyOf: (repositoryName: string) => number,
  concurrency = 12,
): Promise<number> {
  await mapBounded(repositories, concurrency, (name) => ensureRepository(ecr, name));
  const pushes = repositories.flatMap((repositoryName) =>
    Array.from({ length: historyOf(repositoryName) }, (_, n) => ({ repositoryName, tag: `0.0.${n}` })),
  );
  await mapBounded(pushes, concurrency, ({ repositoryName, tag }) => put(ecr, repositoryName, tag));
  return pushes.length;
}

/** One image tagged `tag` in each repository; map repository → image. */
export async function pushEach(
  ecr: ECRClient,
  repositories: readonly string[],
  tag: string,
  concurrency = 12,
): Promise<Map<string, PushedImage>> {
  const images = await mapBounded(repositories, concurrency, (name) => put(ecr, name, tag));
  return new Map(images.map((image) => [image.repositoryName, image]));
}

// --- nodes ---------------------------------------------------------------------------------------

/** Bench-only fake nodes (pods only: the bench's pods request nothing), named apart from the harness's. */
export function benchNodes(count: number, maxPods: number): FakeNode[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `ip-10-99-${Math.floor(index / 250)}-${(index % 250) + 1}.ec2.internal`,
    instanceType: "m5.4xlarge",
    capacityType: "ON_DEMAND",
    zone: "us-east-1a",
    arch: "amd64",
    vcpu: 16,
    memoryMiB: 65536,
    maxPods,
  }));
}

/**
 * Registers the nodes (kwok manages them: nodeManifest carries kwok.x-k8s.io/node=fake) and waits
 * until each is Ready with our pod capacity. kwok's one-time node set-up may write its own
 * defaults over a status written before it ran, so a Ready node without ours is patched again.
 */
export async function createBenchNodes(kc: KubeConfig, nodes: readonly FakeNode[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const patchStatus = (node: FakeNode) =>
    core.patchNodeStatus({ name: node.name, body: { status: nodeManifest(node).status } }, mergePatch);
  await Promise.all(
    nodes.map(async (node) => {
      const { status: _status, ...manifest } = nodeManifest(node);
      manifest.metadata = {
        ...manifest.metadata,
        labels: { ...manifest.metadata?.labels, [SCALE_LABEL]: "node" },
      };
      await applyObjects(kc, [manifest]);
      await patchStatus(node);
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = (await core.listNode({ labelSelector: SCALE_LABEL })).items;
    let settled = 0;
    for (const node of nodes) {
      const found = listed.find((candidate) => candidate.metadata?.name === node.name);
      if (!found?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) continue;
      if (found.status.allocatable?.pods === String(node.maxPods)) settled++;
      else await patchStatus(node);
    }
    if (settled === nodes.length) return;
    if (Date.now() > deadline) throw new Error(`only ${settled} of ${nodes.length} bench nodes became Ready`);
    await sleep(500);
  }
}

export async function deleteBenchNodes(kc: KubeConfig, nodes: readonly FakeNode[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(nodes.map((node) => core.deleteNode({ name: node.name }).catch(() => undefined)));
}

// --- namespaces and Deployments ------------------------------------------------------------------

/** Namespaces with the writer's Role and RoleBinding each (as k8s/ ships them for `coworking`). */
export async function prepareNamespaces(names: readonly string[], suffix: string): Promise<void> {
  await mapBounded(names, 10, async (name) => {
    await createNamespace(name, { [SCALE_LABEL]: suffix });
    await grantDeliveryAccess(name);
  });
}

export interface DeploymentSpec {
  namespace: string;
  name: string;
  image: string;
  replicas: number;
}

/** Opted-in Deployments, one container `api`, created at most `concurrency` at a time. */
export async function createDeployments(
  kc: KubeConfig,
  specs: readonly DeploymentSpec[],
  suffix: string,
  concurrency = 20,
): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  await mapBounded(specs, concurrency, ({ namespace, name, image, replicas }) =>
    apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name, labels: { app: name, [ENABLED_LABEL]: "true", [SCALE_LABEL]: suffix } },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "api", image }] },
          },
        },
      },
    }),
  );
}

export interface Observed {
  /** The image the Deployment's spec names. */
  image: string;
  /** Its digest (the part after `@`). */
  digest: string;
  /** Every replica updated, available, none old, for the image's generation (the rule the product completes on). */
  complete: boolean;
  /** The ledger's rollout phase, if any. */
  phase?: string;
}

/** Every bench Deployment, keyed `<namespace>/<name>`, as the admin reads it now. */
export async function observe(kc: KubeConfig, suffix: string): Promise<Map<string, Observed>> {
  const apps = kc.makeApiClient(AppsV1Api);
  const listed = await apps.listDeploymentForAllNamespaces({ labelSelector: `${SCALE_LABEL}=${suffix}` });
  const observed = new Map<string, Observed>();
  for (const deployment of listed.items) {
    const image = deployment.spec?.template.spec?.containers[0]?.image ?? "";
    const desired = deployment.spec?.replicas ?? 1;
    const status = deployment.status ?? {};
    const ledger = tryReadLedger(deployment.metadata?.annotations ?? {});
    const record = ledger.ok ? ledger.ledger.rollout : undefined;
    const phase = ledger.ok ? record?.phase : "unreadable";
    // The apiserver bumps a Deployment's generation on every annotation change, so each ledger
    // write after the image's PATCH leaves observedGeneration behind until the controller-manager
    // syncs the Deployment again (minutes when it is backlogged). The rollout of the image is
    // complete once the controller observed the generation that PATCH produced (the record's), as
    // the product judges it.
    const generation =
      record?.generation !== undefined && image.endsWith(`@${record.digest}`)
        ? record.generation
        : (deployment.metadata?.generation ?? 0);
    const complete =
      (status.observedGeneration ?? 0) >= generation &&
      (status.updatedReplicas ?? 0) === desired &&
      (status.availableReplicas ?? 0) === desired &&
      (status.replicas ?? 0) === desired;
    observed.set(`${deployment.metadata?.namespace}/${deployment.metadata?.name}`, {
      image,
      digest: image.split("@")[1] ?? "",
      complete,
      ...(phase ? { phase } : {}),
    });
  }
  return observed;
}

/**
 * Polls until every bench Deployment in `keys` is complete (the controller-manager, scheduler and
 * kwok have rolled it out), or `timeoutMs`; the time it took, and how many were left.
 */
export async function waitComplete(
  kc: KubeConfig,
  suffix: string,
  keys: ReadonlySet<string>,
  timeoutMs: number,
): Promise<{ ms: number; left: number }> {
  const started = Date.now();
  for (;;) {
    const observed = await observe(kc, suffix);
    const left = [...keys].filter((key) => !observed.get(key)?.complete).length;
    if (left === 0 || Date.now() - started > timeoutMs) return { ms: Date.now() - started, left };
    await sleep(2000);
  }
}
