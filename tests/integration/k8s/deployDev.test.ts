// The dev overlay applied for real, with the documented command, into namespace `coworking`: the kube-controller-manager, the
// scheduler and kwok's simulated kubelets take it to a Ready analytics Deployment, a Ready
// PostgreSQL StatefulSet and a completed schema Job; Pod Security `restricted` admits its pods and
// turns away a root pod; the delivery identity can patch the Deployment and nothing more.
import type {
  V1Deployment,
  V1Job,
  V1NodeList,
  V1PersistentVolumeClaim,
  V1PodList,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { harness } from "../../harness/env.js";
import { APP_NAMESPACE, DevDeployment, KubectlError, kubectl, kubectlJson } from "./kustomize.js";
import type { KubeObject } from "./manifestPolicy.js";
import { danglingReferences } from "./references.js";

const namespace = APP_NAMESPACE;
let dev: DevDeployment;

/** What kubectl printed when `request` failed; fails the test if it succeeded. */
async function failure(request: Promise<unknown>): Promise<string> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KubectlError);
  return (error as KubectlError).stderr;
}

beforeAll(async () => {
  harness();
  dev = await DevDeployment.apply();
}, 60_000);

afterAll(async () => dev?.remove());

it("the PostgreSQL StatefulSet becomes Ready with its data on a bound gp3 claim", async () => {
  await kubectl(["rollout", "status", "statefulset/postgres", "-n", namespace, "--timeout=120s"]);
  const statefulSet = await kubectlJson<V1StatefulSet>(["get", "statefulset", "postgres", "-n", namespace]);
  expect(statefulSet.status?.readyReplicas).toBe(1);
  const claim = await kubectlJson<V1PersistentVolumeClaim>([
    "get",
    "pvc",
    "data-postgres-0",
    "-n",
    namespace,
  ]);
  expect(claim.status?.phase).toBe("Bound");
  expect(claim.spec?.storageClassName).toBe("gp3");
  expect(claim.spec?.volumeName).toBe(dev.volumeName);
}, 150_000);

it("the schema Job completes", async () => {
  await kubectl([
    "wait",
    "--for=condition=Complete",
    "job/analytics-schema",
    "-n",
    namespace,
    "--timeout=120s",
  ]);
  const job = await kubectlJson<V1Job>(["get", "job", "analytics-schema", "-n", namespace]);
  expect(job.status?.succeeded).toBe(1);
  expect(job.status?.failed ?? 0).toBe(0);
}, 150_000);

it("the analytics Deployment becomes Ready and Available", async () => {
  await kubectl(["rollout", "status", "deployment/analytics", "-n", namespace, "--timeout=120s"]);
  const deployment = await kubectlJson<V1Deployment>(["get", "deployment", "analytics", "-n", namespace]);
  expect(deployment.status?.readyReplicas).toBe(1);
  expect(deployment.status?.updatedReplicas).toBe(1);
  const available = deployment.status?.conditions?.find((c) => c.type === "Available");
  expect(available?.status).toBe("True");
  // the image is amd64-only: the harness's arm64 spot node (which dev would prefer) is never used
  const pods = await kubectlJson<V1PodList>([
    "get",
    "pods",
    "-n",
    namespace,
    "-l",
    "app.kubernetes.io/name=analytics",
  ]);
  const nodes = await kubectlJson<V1NodeList>(["get", "nodes"]);
  const archOf = (name: string | undefined) =>
    nodes.items.find((node) => node.metadata?.name === name)?.metadata?.labels?.["kubernetes.io/arch"];
  expect(pods.items.map((pod) => archOf(pod.spec?.nodeName))).toEqual(["amd64"]);
}, 150_000);

it("every Secret, ConfigMap, ServiceAccount and claim the live pods and templates name exists in coworking", async () => {
  await dev.ready();
  const live = await kubectlJson<{ items: KubeObject[] }>([
    "get",
    "deployments,statefulsets,jobs,pods,secrets,configmaps,serviceaccounts,persistentvolumeclaims",
    "-n",
    namespace,
  ]);
  expect(live.items.filter((object) => object.kind === "Pod").length).toBeGreaterThanOrEqual(3);
  expect(danglingReferences(live.items)).toEqual([]);
}, 150_000);

it("Pod Security `restricted` is enforced: the namespace turns away a pod that may run as root", async () => {
  const rootPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "root-shell", namespace },
    spec: { containers: [{ name: "shell", image: "public.ecr.aws/docker/library/busybox:1.37" }] },
  };
  const stderr = await failure(kubectl(["create", "-f", "-"], { input: JSON.stringify(rootPod) }));
  expect(stderr).toMatch(/violates PodSecurity "restricted/);
});

describe("the writer identity (group coworking:delivery-writer) in the deployed namespace", () => {
  const as = () => ({ kubeconfig: harness().deliveryKubeconfig });

  it("patches the Deployment, as a rollout does", async () => {
    // A ledger-style key: the writer's admission policy refuses operator keys (rollout.coworking.dev/*).
    await kubectl(
      [
        "annotate",
        "deployment/analytics",
        "-n",
        namespace,
        "--overwrite",
        "status.rollout.coworking.dev/probe=delivery-test",
      ],
      as(),
    );
    const deployment = await kubectlJson<V1Deployment>(["get", "deployment", "analytics", "-n", namespace]);
    expect(deployment.metadata?.annotations?.["status.rollout.coworking.dev/probe"]).toBe("delivery-test");
  });

  it("gets 403 reading the database Secret", async () => {
    const stderr = await failure(kubectl(["get", "secret", "postgres-credentials", "-n", namespace], as()));
    expect(stderr).toMatch(/Forbidden/);
    expect(stderr).toMatch(/secrets "postgres-credentials" is forbidden/);
  });

  it("gets 403 deleting the Deployment, and reading one by name or writing in another namespace", async () => {
    expect(
      await failure(kubectl(["delete", "deployment/analytics", "-n", namespace, "--wait=false"], as())),
    ).toMatch(/Forbidden/);
    // Listing is cluster-wide discovery (ROLLOUT_NAMESPACES=*); getting one by name or patching is not.
    expect(await failure(kubectl(["get", "deployment", "coredns", "-n", "kube-system"], as()))).toMatch(
      /Forbidden/,
    );
  });
});

it("re-applying the overlay after the delivery loop rolled out a newer image stops with a conflict, not a downgrade", async () => {
  const newer =
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/coworking-analytics:0123456789abcdef0123456789abcdef01234567" +
    `@sha256:${"ab".repeat(32)}`;
  // what functions/provider/kubernetes writes: a strategic merge patch under its field manager
  const rollout = { spec: { template: { spec: { containers: [{ name: "analytics", image: newer }] } } } };
  await kubectl(
    [
      "patch",
      "deployment/analytics",
      "-n",
      namespace,
      "--type=strategic",
      "--field-manager=coworking-rollout",
      "-p",
      JSON.stringify(rollout),
    ],
    { kubeconfig: harness().deliveryKubeconfig },
  );

  const stderr = await failure(dev.reapply());
  expect(stderr).toMatch(/conflict with "coworking-rollout"/);
  expect(stderr).toMatch(/containers\[name="analytics"\]\.image/);
  const deployment = await kubectlJson<V1Deployment>(["get", "deployment", "analytics", "-n", namespace]);
  expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(newer);
});
