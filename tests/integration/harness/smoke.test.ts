// Smoke suite: proves the harness is a real Kubernetes control plane with kwok-simulated EKS nodes,
// real RBAC from k8s/, and a real AWS emulator, before any other integration test relies on it.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import type { KubeConfig, V1Deployment } from "@kubernetes/client-node";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
} from "@kubernetes/client-node";
import {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  deliveryKubeConfig,
  grantDeliveryAccess,
  harness,
  readerKubeConfig,
} from "../../harness/env.js";
import { eventually } from "../../harness/eventually.js";
import { allocatable, FAKE_NODES } from "../../harness/nodes.js";

const run = promisify(execFile);
const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

function deployment(name: string, image: string, replicas = 2, progressDeadlineSeconds = 600): V1Deployment {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      progressDeadlineSeconds,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          // What the coworking namespace's `restricted` Pod Security profile demands.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "web",
              image,
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

function condition(d: V1Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/** The apiserver canonicalises quantities (4096Mi is stored as 4Gi). */
function mebibytes(quantity: string | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? "");
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A Deployment opted in to the delivery loop: the only kind the writer's admission policy lets it patch. */
function optedIn(d: V1Deployment): V1Deployment {
  return {
    ...d,
    metadata: { ...d.metadata, labels: { ...d.metadata?.labels, "rollout.coworking.dev/enabled": "true" } },
  };
}

describe("harness smoke", () => {
  let admin: KubeConfig;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  const namespace = unique("smoke");

  beforeAll(async () => {
    harness(); // fails loudly here if the harness is not up
    admin = adminKubeConfig();
    apps = admin.makeApiClient(AppsV1Api);
    core = admin.makeApiClient(CoreV1Api);
    await createNamespace(namespace);
  });

  afterAll(async () => {
    await deleteNamespace(namespace);
  });

  test("the apiserver and kubectl are Kubernetes v1.35.4", async () => {
    const server = await admin.makeApiClient(VersionApi).getCode();
    expect(server.gitVersion).toBe("v1.35.4");
    const { stdout } = await run(harness().kubectl, [
      "version",
      "-o",
      "json",
      "--kubeconfig",
      harness().kubeconfig,
    ]);
    const versions = JSON.parse(stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(versions.clientVersion.gitVersion).toBe("v1.35.4");
    expect(versions.serverVersion.gitVersion).toBe("v1.35.4");
  });

  test("the fake nodes look like EKS nodes and are Ready", async () => {
    const nodes = await core.listNode();
    const byName = new Map(nodes.items.map((n) => [n.metadata?.name, n]));
    for (const fake of FAKE_NODES) {
      const node = byName.get(fake.name);
      expect(node?.metadata?.labels).toMatchObject({
        "node.kubernetes.io/instance-type": fake.instanceType,
        "eks.amazonaws.com/capacityType": fake.capacityType,
        "topology.kubernetes.io/region": "us-east-1",
        "topology.kubernetes.io/zone": fake.zone,
        "kubernetes.io/arch": fake.arch,
      });
      expect(node?.status?.capacity?.cpu).toBe(String(fake.vcpu));
      expect(mebibytes(node?.status?.capacity?.memory)).toBe(fake.memoryMiB);
      expect(mebibytes(node?.status?.allocatable?.memory)).toBe(allocatable(fake).memoryMiB);
      expect(node?.status?.allocatable?.pods).toBe(String(fake.maxPods));
      expect(node?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
  });

  test("a Deployment goes Available through a real ReplicaSet, and an image change rolls out new pods", async () => {
    const name = "rolling";
    await apps.createNamespacedDeployment({ namespace, body: deployment(name, "registry.local/web:1.0.0") });
    const available = await eventually(
      "Deployment Available",
      () => apps.readNamespacedDeployment({ name, namespace }),
      (d) => condition(d, "Available")?.status === "True" && d.status?.readyReplicas === 2,
    );
    expect(available.status?.availableReplicas).toBe(2);

    const firstSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` });
    expect(firstSets.items).toHaveLength(1);
    expect(firstSets.items[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name });
    const firstPods = await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
    const nodeNames = FAKE_NODES.map((n) => n.name);
    for (const pod of firstPods.items) expect(nodeNames).toContain(pod.spec?.nodeName);

    await apps.patchNamespacedDeployment(
      {
        name,
        namespace,
        body: {
          spec: { template: { spec: { containers: [{ name: "web", image: "registry.local/web:1.1.0" }] } } },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    await eventually(
      "the new image rolled out",
      () => apps.readNamespacedDeployment({ name, namespace }),
      (d) =>
        d.status?.observedGeneration === d.metadata?.generation &&
        d.status?.updatedReplicas === 2 &&
        d.status?.readyReplicas === 2 &&
        d.status?.replicas === 2 &&
        condition(d, "Progressing")?.reason === "NewReplicaSetAvailable",
    );
    const sets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` });
    expect(sets.items).toHaveLength(2);
    const byImage = new Map(sets.items.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs]));
    expect(byImage.get("registry.local/web:1.1.0")?.status?.readyReplicas).toBe(2);
    expect(byImage.get("registry.local/web:1.0.0")?.spec?.replicas).toBe(0);
    const pods = await eventually(
      "old pods gone",
      () => core.listNamespacedPod({ namespace, labelSelector: `app=${name}` }),
      (list) => list.items.length === 2,
    );
    for (const pod of pods.items) {
      expect(pod.spec?.containers[0]?.image).toBe("registry.local/web:1.1.0");
      expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
  });

  test("an image containing never-ready ends the rollout in ProgressDeadlineExceeded", async () => {
    const name = "stuck";
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment(name, "registry.local/web:1.0.0", 1, 8),
    });
    await eventually(
      "Deployment Available",
      () => apps.readNamespacedDeployment({ name, namespace }),
      (d) => condition(d, "Available")?.status === "True",
    );
    await apps.patchNamespacedDeployment(
      {
        name,
        namespace,
        body: {
          spec: {
            template: { spec: { containers: [{ name: "web", image: "registry.local/web:never-ready" }] } },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const failed = await eventually(
      "ProgressDeadlineExceeded",
      () => apps.readNamespacedDeployment({ name, namespace }),
      (d) => condition(d, "Progressing")?.reason === "ProgressDeadlineExceeded",
      45_000,
    );
    expect(condition(failed, "Progressing")?.status).toBe("False");
    // The old pod keeps serving; the new one runs but is never Ready.
    expect(failed.status?.availableReplicas).toBe(1);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
    const stuck = pods.items.filter((p) => p.spec?.containers[0]?.image === "registry.local/web:never-ready");
    expect(stuck).toHaveLength(1);
    expect(stuck[0]?.status?.phase).toBe("Running");
    expect(stuck[0]?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
  });

  describe("the delivery identities have exactly the RBAC k8s/ ships", () => {
    let delivery: KubeConfig;
    const appNamespace = "coworking";
    const name = unique("rbac");

    beforeAll(async () => {
      delivery = deliveryKubeConfig();
      await apps.createNamespacedDeployment({
        namespace: appNamespace,
        body: optedIn(deployment(name, "registry.local/web:1.0.0", 1)),
      });
    });

    afterAll(async () => {
      await apps.deleteNamespacedDeployment({ name, namespace: appNamespace });
    });

    test("allowed: the writer patches a ledger annotation in coworking, the reader lists nodes cluster-wide", async () => {
      const asDelivery = delivery.makeApiClient(AppsV1Api);
      const patched = await asDelivery.patchNamespacedDeployment(
        {
          name,
          namespace: appNamespace,
          body: { metadata: { annotations: { "status.rollout.coworking.dev/smoke": "ok" } } },
        },
        mergePatch,
      );
      expect(patched.metadata?.annotations?.["status.rollout.coworking.dev/smoke"]).toBe("ok");
      const nodes = await readerKubeConfig().makeApiClient(CoreV1Api).listNode();
      expect(nodes.items.length).toBeGreaterThanOrEqual(FAKE_NODES.length);
      expect(await statusOf(delivery.makeApiClient(CoreV1Api).listNode())).toBe(403);
    });

    test("denied (403): secrets, creating or deleting Deployments, writing in other namespaces, deleting nodes", async () => {
      const asDelivery = delivery.makeApiClient(AppsV1Api);
      const coreAsDelivery = delivery.makeApiClient(CoreV1Api);
      expect(await statusOf(coreAsDelivery.listNamespacedSecret({ namespace: appNamespace }))).toBe(403);
      expect(await statusOf(asDelivery.deleteNamespacedDeployment({ name, namespace: appNamespace }))).toBe(
        403,
      );
      expect(
        await statusOf(
          asDelivery.createNamespacedDeployment({
            namespace: appNamespace,
            body: deployment(unique("x"), "a:1"),
          }),
        ),
      ).toBe(403);
      // Listing Deployments anywhere is cluster-wide discovery (ROLLOUT_NAMESPACES=*); writing is not.
      expect(await statusOf(asDelivery.listNamespacedDeployment({ namespace }))).toBe(200);
      expect(
        await statusOf(
          asDelivery.patchNamespacedDeployment(
            { name: "anything", namespace, body: { metadata: { labels: { x: "y" } } } },
            setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
          ),
        ),
      ).toBe(403);
      expect(await statusOf(coreAsDelivery.deleteNode({ name: FAKE_NODES[0]?.name ?? "" }))).toBe(403);
    });

    test("grantDeliveryAccess gives another namespace the same Role, and only that", async () => {
      const other = unique("granted");
      await createNamespace(other);
      try {
        await apps.createNamespacedDeployment({
          namespace: other,
          body: optedIn(deployment("app", "registry.local/web:1.0.0", 1)),
        });
        const asDelivery = delivery.makeApiClient(AppsV1Api);
        const annotate = () =>
          asDelivery.patchNamespacedDeployment(
            {
              name: "app",
              namespace: other,
              body: { metadata: { annotations: { "status.rollout.coworking.dev/smoke": "granted" } } },
            },
            mergePatch,
          );
        expect(await statusOf(annotate())).toBe(403);
        await grantDeliveryAccess(other);
        expect(await statusOf(annotate())).toBe(200);
        expect(
          await statusOf(delivery.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: other })),
        ).toBe(403);
      } finally {
        await deleteNamespace(other);
      }
    });
  });

  describe("moto answers the AWS APIs the functions call", () => {
    // No endpoint is configured here: the SDK must pick AWS_ENDPOINT_URL up by itself (as the
    // functions rely on), and this machine cannot reach real AWS.
    test("ECR: PutImage then DescribeImages returns the manifest digest and imagePushedAt", async () => {
      const ecr = new ECRClient({});
      const repositoryName = unique("coworking/analytics");
      const created = await ecr.send(new CreateRepositoryCommand({ repositoryName }));
      expect(created.repository?.repositoryUri).toBe(
        `${harness().accountId}.dkr.ecr.${harness().region}.amazonaws.com/${repositoryName}`,
      );
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          size: 7023,
          digest: `sha256:${"a".repeat(64)}`,
        },
        layers: [
          {
            mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
            size: 32654,
            digest: `sha256:${"b".repeat(64)}`,
          },
        ],
      });
      // ECR's digest is the sha256 of the manifest bytes; moto derives its own unless told, so
      // pushes in tests pass it (as `docker push` effectively does). See tests/README.md.
      const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
      const before = Date.now();
      const put = await ecr.send(
        new PutImageCommand({
          repositoryName,
          imageManifest: manifest,
          imageTag: "1.2.3",
          imageDigest: digest,
        }),
      );
      expect(put.image?.imageId?.imageDigest).toBe(digest);

      const described = await ecr.send(
        new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: "1.2.3" }] }),
      );
      expect(described.imageDetails).toHaveLength(1);
      const image = described.imageDetails?.[0];
      expect(image?.imageDigest).toBe(digest);
      expect(image?.imageTags).toEqual(["1.2.3"]);
      expect(image?.imagePushedAt).toBeInstanceOf(Date);
      expect(image?.imagePushedAt?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    });

    test("CloudWatch: PutMetricData is listed and read back; PutMetricAlarm is described", async () => {
      const cloudwatch = new CloudWatchClient({});
      const deploymentName = unique("analytics");
      const dimensions = [{ Name: "Deployment", Value: deploymentName }];
      const now = new Date();
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: "CoworkingDelivery",
          MetricData: [
            {
              MetricName: "DeploymentCount",
              Dimensions: dimensions,
              Value: 3,
              Unit: "Count",
              Timestamp: now,
            },
          ],
        }),
      );
      const listed = await cloudwatch.send(
        new ListMetricsCommand({
          Namespace: "CoworkingDelivery",
          MetricName: "DeploymentCount",
          Dimensions: dimensions,
        }),
      );
      expect(listed.Metrics).toEqual([
        { Namespace: "CoworkingDelivery", MetricName: "DeploymentCount", Dimensions: dimensions },
      ]);
      const data = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - 600_000),
          EndTime: new Date(now.getTime() + 600_000),
          MetricDataQueries: [
            {
              Id: "deployments",
              MetricStat: {
                Metric: {
                  Namespace: "CoworkingDelivery",
                  MetricName: "DeploymentCount",
                  Dimensions: dimensions,
                },
                Period: 60,
                Stat: "Sum",
              },
            },
          ],
        }),
      );
      expect(data.MetricDataResults?.[0]?.Values).toEqual([3]);

      const alarmName = `coworking-${deploymentName}-5xx`;
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: alarmName,
          Namespace: "CoworkingDelivery",
          MetricName: "DeploymentCount",
          Dimensions: dimensions,
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 5,
          ComparisonOperator: "GreaterThanThreshold",
          Tags: [{ Key: "project", Value: "coworking" }],
        }),
      );
      const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmName }));
      expect(alarms.MetricAlarms).toHaveLength(1);
      expect(alarms.MetricAlarms?.[0]).toMatchObject({
        AlarmName: alarmName,
        Threshold: 5,
        ComparisonOperator: "GreaterThanThreshold",
        Dimensions: dimensions,
      });
    });
  });
});
