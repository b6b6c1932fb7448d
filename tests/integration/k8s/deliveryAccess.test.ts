// What the delivery functions' two identities may do with the RBAC k8s/ ships, asked of the real
// apiserver's authorizer with SelfSubjectAccessReview:
// - the writer (group coworking:delivery-writer, DELIVERY_KUBECONFIG): get/list/watch/patch
//   Deployments in `coworking`, and list Deployments in every namespace (cluster-wide discovery),
//   nothing else (no pods, no events, no write outside the namespaces granted);
// - the reader (group coworking:delivery-reader, READER_KUBECONFIG): get/list Deployments in
//   `coworking`, and list Deployments, nodes, pods, persistentvolumes and replicasets in every
//   namespace.
// What a writer's patch may change is the admission policy's business (admissionPolicy.test.ts);
// deployDev.test.ts makes the same point with real requests.
import { join } from "node:path";
import { harness } from "../../harness/env.js";
import { K8S_DIR, kubectl, kubectlJson } from "./kustomize.js";

interface Access {
  verb: string;
  group: string;
  resource: string;
  /** absent: cluster-wide */
  namespace?: string;
}

async function allowed(kubeconfig: string, access: Access): Promise<boolean> {
  const review = {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    spec: { resourceAttributes: access },
  };
  // --validate=false: kubectl's client-side schema check lists CRDs, which these identities may not.
  const answer = await kubectlJson<{ status?: { allowed?: boolean } }>(
    ["create", "--validate=false", "-f", "-"],
    { kubeconfig, input: JSON.stringify(review) },
  );
  return answer.status?.allowed === true;
}

beforeAll(async () => {
  // The objects as shipped, applied as an operator would (the harness applies the same ones).
  const rbac = [
    "delivery-role.yaml",
    "delivery-reader-role.yaml",
    "cost-reader-clusterrole.yaml",
    "delivery-discovery-clusterrole.yaml",
  ];
  await kubectl([
    "apply",
    "-f",
    join(K8S_DIR, "base", "namespace.yaml"),
    ...rbac.flatMap((file) => ["-f", join(K8S_DIR, "base", "rbac", file)]),
  ]);
});

const app = "coworking";

const writerGranted: Access[] = [
  ...["get", "list", "watch", "patch"].map((verb) => ({
    verb,
    group: "apps",
    resource: "deployments",
    namespace: app,
  })),
  // cluster-wide discovery (ROLLOUT_NAMESPACES=*): list, and nothing else, everywhere
  { verb: "list", group: "apps", resource: "deployments" },
  { verb: "list", group: "apps", resource: "deployments", namespace: "team-a" },
];

const writerDenied: Access[] = [
  // the code reads none of these: dropped from the writer
  { verb: "list", group: "apps", resource: "replicasets", namespace: app },
  { verb: "get", group: "", resource: "pods", namespace: app },
  { verb: "list", group: "", resource: "events", namespace: app },
  { verb: "watch", group: "events.k8s.io", resource: "events", namespace: app },
  // cluster-wide reads belong to the reader (pods carry inline env values)
  { verb: "list", group: "", resource: "nodes" },
  { verb: "list", group: "", resource: "pods" },
  { verb: "list", group: "", resource: "persistentvolumes" },
  { verb: "get", group: "", resource: "secrets", namespace: app },
  { verb: "list", group: "", resource: "secrets", namespace: app },
  { verb: "get", group: "", resource: "configmaps", namespace: app },
  { verb: "create", group: "apps", resource: "deployments", namespace: app },
  { verb: "update", group: "apps", resource: "deployments", namespace: app },
  { verb: "delete", group: "apps", resource: "deployments", namespace: app },
  { verb: "patch", group: "apps", resource: "deployments/scale", namespace: app },
  { verb: "patch", group: "apps", resource: "replicasets", namespace: app },
  { verb: "delete", group: "", resource: "pods", namespace: app },
  { verb: "patch", group: "apps", resource: "deployments", namespace: "default" },
  { verb: "patch", group: "apps", resource: "deployments" },
  { verb: "watch", group: "apps", resource: "deployments" },
  { verb: "get", group: "apps", resource: "deployments", namespace: "kube-system" },
  { verb: "get", group: "", resource: "secrets", namespace: "kube-system" },
  { verb: "patch", group: "", resource: "nodes" },
];

const readerGranted: Access[] = [
  { verb: "get", group: "apps", resource: "deployments", namespace: app },
  { verb: "list", group: "apps", resource: "deployments", namespace: app },
  { verb: "list", group: "apps", resource: "deployments" },
  { verb: "list", group: "", resource: "nodes" },
  { verb: "list", group: "", resource: "pods" },
  { verb: "list", group: "", resource: "persistentvolumes" },
  { verb: "list", group: "apps", resource: "replicasets" },
];

const readerDenied: Access[] = [
  { verb: "patch", group: "apps", resource: "deployments", namespace: app },
  { verb: "update", group: "apps", resource: "deployments", namespace: app },
  { verb: "watch", group: "apps", resource: "deployments", namespace: app },
  { verb: "create", group: "apps", resource: "deployments", namespace: app },
  { verb: "delete", group: "apps", resource: "deployments", namespace: app },
  { verb: "get", group: "apps", resource: "deployments", namespace: "kube-system" },
  { verb: "watch", group: "apps", resource: "deployments" },
  // list only: the code never gets one object by name nor watches
  { verb: "get", group: "", resource: "nodes" },
  { verb: "watch", group: "", resource: "pods" },
  { verb: "get", group: "", resource: "secrets", namespace: app },
  { verb: "list", group: "", resource: "secrets" },
  { verb: "list", group: "", resource: "configmaps" },
  { verb: "list", group: "", resource: "persistentvolumeclaims", namespace: app },
  { verb: "patch", group: "", resource: "nodes" },
  { verb: "delete", group: "", resource: "pods", namespace: app },
];

const title = (a: Access) =>
  `${a.verb} ${a.resource}.${a.group || "core"} in ${a.namespace ?? "the cluster"}`;

describe.each([
  ["writer", () => harness().deliveryKubeconfig, writerGranted, writerDenied],
  ["reader", () => harness().readerKubeconfig, readerGranted, readerDenied],
])("the delivery %s's access, as the apiserver decides it", (_, kubeconfig, granted, denied) => {
  it.each(granted.map((a) => [title(a), a]))("may %s", async (_, access) => {
    expect(await allowed(kubeconfig(), access as Access)).toBe(true);
  });

  it.each(denied.map((a) => [title(a), a]))("may not %s", async (_, access) => {
    expect(await allowed(kubeconfig(), access as Access)).toBe(false);
  });
});

it("the old single group coworking:delivery is bound to nothing k8s/ ships", async () => {
  const bindings = await kubectlJson<{ items: { subjects?: { name: string }[] }[] }>([
    "get",
    "rolebindings,clusterrolebindings",
    "-A",
    "-l",
    "app.kubernetes.io/component=delivery-rbac",
  ]);
  const groups = bindings.items.flatMap((b) => (b.subjects ?? []).map((s) => s.name));
  expect(new Set(groups)).toEqual(new Set(["coworking:delivery-writer", "coworking:delivery-reader"]));
});
