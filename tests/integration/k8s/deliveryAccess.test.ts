// What the delivery functions' identity (group coworking:delivery, DELIVERY_KUBECONFIG) may do
// with the RBAC k8s/ ships, asked of the real apiserver's authorizer with SelfSubjectAccessReview:
// exactly the Role's verbs in `coworking`, the read-only ClusterRole's resources everywhere, and
// nothing else. (deployDev.test.ts makes the same point with real requests.)
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

async function allowed(access: Access): Promise<boolean> {
  const review = {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    spec: { resourceAttributes: access },
  };
  // --validate=false: kubectl's client-side schema check lists CRDs, which this identity may not.
  const answer = await kubectlJson<{ status?: { allowed?: boolean } }>(
    ["create", "--validate=false", "-f", "-"],
    {
      kubeconfig: harness().deliveryKubeconfig,
      input: JSON.stringify(review),
    },
  );
  return answer.status?.allowed === true;
}

beforeAll(async () => {
  // The objects as shipped, applied as an operator would (the harness applies the same ones).
  await kubectl([
    "apply",
    "-f",
    join(K8S_DIR, "base", "namespace.yaml"),
    "-f",
    join(K8S_DIR, "base", "rbac", "delivery-role.yaml"),
    "-f",
    join(K8S_DIR, "base", "rbac", "cost-reader-clusterrole.yaml"),
  ]);
});

const granted: Access[] = [
  { verb: "patch", group: "apps", resource: "deployments", namespace: "coworking" },
  { verb: "watch", group: "apps", resource: "deployments", namespace: "coworking" },
  { verb: "list", group: "apps", resource: "replicasets", namespace: "coworking" },
  { verb: "get", group: "", resource: "pods", namespace: "coworking" },
  { verb: "list", group: "", resource: "events", namespace: "coworking" },
  { verb: "watch", group: "events.k8s.io", resource: "events", namespace: "coworking" },
  { verb: "list", group: "", resource: "nodes" },
  { verb: "list", group: "", resource: "pods" },
  { verb: "list", group: "", resource: "persistentvolumes" },
];

const denied: Access[] = [
  { verb: "get", group: "", resource: "secrets", namespace: "coworking" },
  { verb: "list", group: "", resource: "secrets", namespace: "coworking" },
  { verb: "get", group: "", resource: "configmaps", namespace: "coworking" },
  { verb: "create", group: "apps", resource: "deployments", namespace: "coworking" },
  { verb: "update", group: "apps", resource: "deployments", namespace: "coworking" },
  { verb: "delete", group: "apps", resource: "deployments", namespace: "coworking" },
  { verb: "patch", group: "apps", resource: "replicasets", namespace: "coworking" },
  { verb: "delete", group: "", resource: "pods", namespace: "coworking" },
  { verb: "patch", group: "apps", resource: "deployments", namespace: "default" },
  { verb: "get", group: "apps", resource: "deployments", namespace: "kube-system" },
  { verb: "get", group: "", resource: "secrets", namespace: "kube-system" },
  { verb: "patch", group: "", resource: "nodes" },
  { verb: "list", group: "", resource: "persistentvolumeclaims", namespace: "coworking" },
];

describe("the delivery group's access, as the apiserver decides it", () => {
  it.each(
    granted.map((a) => [
      `${a.verb} ${a.resource}.${a.group || "core"} in ${a.namespace ?? "the cluster"}`,
      a,
    ]),
  )("may %s", async (_, access) => {
    expect(await allowed(access as Access)).toBe(true);
  });

  it.each(
    denied.map((a) => [`${a.verb} ${a.resource}.${a.group || "core"} in ${a.namespace ?? "the cluster"}`, a]),
  )("may not %s", async (_, access) => {
    expect(await allowed(access as Access)).toBe(false);
  });
});
