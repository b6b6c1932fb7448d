// Every overlay, rendered by the harness's kubectl: the apiserver accepts it (server-side dry run,
// which runs validation and admission, Pod Security included), every container keeps the
// deployment policy, and nothing secret is committed under k8s/.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import type { V1Deployment, V1HorizontalPodAutoscaler, V1Job } from "@kubernetes/client-node";
import { harness } from "../../harness/env.js";
import { REPO_ROOT } from "../../harness/rbac.js";
import { find, K8S_DIR, kubectl, kubectlOutput, ManifestCopy, overlayNames, render } from "./kustomize.js";
import { plaintextSecretViolations, workloadViolations } from "./manifestPolicy.js";
import { danglingReferences, objectsWithoutNamespace } from "./references.js";

const run = promisify(execFile);

const OVERLAYS = overlayNames();
/** The analytics replicas each overlay runs: two in prod, one in dev. */
const ANALYTICS_REPLICAS: Record<string, number> = { dev: 1, prod: 2 };
const ECR_IMAGE = /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/coworking-analytics:[0-9a-f]{40}$/;

let copy: ManifestCopy;

beforeAll(async () => {
  harness();
  copy = await ManifestCopy.create();
  // A dry run creates nothing, not even the Namespace it carries, so the namespaced objects are
  // validated against the real `coworking` namespace, applied from the base as shipped.
  await kubectl(["apply", "-f", join(K8S_DIR, "base", "namespace.yaml")]);
});

afterAll(async () => {
  await copy?.remove();
});

it("finds the two overlays, dev and prod", () => {
  expect(OVERLAYS).toEqual(Object.keys(ANALYTICS_REPLICAS).sort());
});

describe.each(OVERLAYS)("overlay %s", (overlay) => {
  it("is accepted by the apiserver: kubectl apply --dry-run=server -k, with no Pod Security warning", async () => {
    const objects = await render(copy.overlay(overlay));
    const { stdout, stderr } = await kubectlOutput([
      "apply",
      "--dry-run=server",
      "-k",
      copy.overlay(overlay),
    ]);
    const accepted = stdout
      .trim()
      .split("\n")
      .filter((line) => line.endsWith("(server dry run)"));
    expect(accepted).toHaveLength(objects.length);
    expect(stderr).not.toMatch(/PodSecurity/);
  });

  it("keeps the policy in every container: requests, limits, probes, non-root, no latest tag", async () => {
    const objects = await render(copy.overlay(overlay));
    const workloads = objects.filter((object) =>
      ["Deployment", "StatefulSet", "Job"].includes(object.kind ?? ""),
    );
    expect(workloads.map((object) => `${object.kind}/${object.metadata?.name}`).sort()).toEqual([
      "Deployment/analytics",
      "Job/analytics-schema",
      "StatefulSet/postgres",
    ]);
    expect(workloadViolations(objects)).toEqual([]);
  });

  it("runs the ECR image by tag, opted in to the delivery loop, with replicas matching the HPA floor", async () => {
    const objects = await render(copy.overlay(overlay));
    const deployment = find(objects, "Deployment", "analytics") as V1Deployment;
    const job = find(objects, "Job", "analytics-schema") as V1Job;
    const hpa = find(objects, "HorizontalPodAutoscaler", "analytics") as V1HorizontalPodAutoscaler;

    const analytics = deployment.spec?.template.spec?.containers.find((c) => c.name === "analytics");
    expect(analytics?.image).toMatch(ECR_IMAGE);
    // the schema Job applies the SQL shipped in that same image
    const schemaFiles = job.spec?.template.spec?.initContainers?.find((c) => c.name === "schema-files");
    expect(schemaFiles?.image).toBe(analytics?.image);
    // buildspec.yml builds linux/amd64 only: every pod running that image must require amd64 nodes
    for (const pod of [deployment.spec?.template.spec, job.spec?.template.spec]) {
      const terms =
        pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      expect(terms?.map((term) => term.matchExpressions)).toEqual([
        [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }],
      ]);
    }
    expect(deployment.metadata?.labels?.["rollout.coworking.dev/enabled"]).toBe("true");
    expect(deployment.metadata?.annotations?.["rollout.coworking.dev/containers"]).toBe("analytics");
    expect(deployment.metadata?.annotations?.["rollout.coworking.dev/auto-rollback"]).toBe("true");
    expect(Number(deployment.metadata?.annotations?.["rollout.coworking.dev/bake-seconds"])).toBeGreaterThan(
      0,
    );

    expect(deployment.spec?.replicas).toBe(ANALYTICS_REPLICAS[overlay]);
    expect(hpa.spec?.minReplicas).toBe(deployment.spec?.replicas);
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    // the pod outlives the service's drain: preStop sleep + SHUTDOWN_GRACE_SECONDS
    const config = find(
      objects,
      "ConfigMap",
      deployment.spec?.template.spec?.containers[0]?.envFrom?.[0]?.configMapRef?.name ?? "",
    );
    const drain = Number((config as { data?: Record<string, string> }).data?.SHUTDOWN_GRACE_SECONDS);
    const preStop = analytics?.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(deployment.spec?.template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(preStop + drain);
  });

  it("puts every namespaced object in coworking, generated ones included", async () => {
    const objects = await render(copy.overlay(overlay));
    expect(objectsWithoutNamespace(objects, await clusterScopedKinds())).toEqual([]);
    const namespaces = new Set(
      objects.filter((object) => object.metadata?.namespace !== undefined).map((o) => o.metadata?.namespace),
    );
    expect([...namespaces]).toEqual(["coworking"]);
  });

  it("every Secret, ConfigMap, ServiceAccount and claim a pod names is rendered into that pod's namespace", async () => {
    expect(danglingReferences(await render(copy.overlay(overlay)))).toEqual([]);
  });

  it("the check fails when the overlay's generated Secret loses its namespace", async () => {
    const kustomization = join(copy.overlay(overlay), "kustomization.yaml");
    const shipped = await readFile(kustomization, "utf8");
    expect(shipped).toMatch(/^namespace: coworking$/m);
    await writeFile(kustomization, shipped.replace(/^namespace: coworking\n/m, ""));
    try {
      const objects = await render(copy.overlay(overlay));
      expect(danglingReferences(objects)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/needs Secret postgres-credentials in coworking, but it is in/),
        ]),
      );
      expect(objectsWithoutNamespace(objects, await clusterScopedKinds())).toContain(
        "Secret/postgres-credentials has no namespace",
      );
    } finally {
      await writeFile(kustomization, shipped);
    }
  });
});

/** The kinds the apiserver serves without a namespace (Namespace, StorageClass, ClusterRole, …). */
async function clusterScopedKinds(): Promise<Set<string>> {
  const { stdout } = await kubectlOutput(["api-resources", "--namespaced=false", "--no-headers"]);
  return new Set(
    stdout
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/).at(-1) ?? ""),
  );
}

describe("credentials in git", () => {
  it("no file tracked under k8s/ holds a Secret's data or a credential value, and postgres.env is ignored", async () => {
    const { stdout } = await run("git", ["ls-files", "-z", "k8s"], { cwd: REPO_ROOT });
    const paths = stdout.split("\0").filter((path) => path !== "");
    expect(paths).toEqual(
      expect.arrayContaining(OVERLAYS.map((overlay) => `k8s/overlays/${overlay}/postgres.env.example`)),
    );
    expect(paths.filter((path) => basename(path) === "postgres.env")).toEqual([]);

    const files = await Promise.all(
      paths.map(async (path) => ({ path, text: await readFile(join(REPO_ROOT, path), "utf8") })),
    );
    expect(plaintextSecretViolations(files)).toEqual([]);

    for (const overlay of OVERLAYS) {
      // exits 0 only when git ignores the path
      await expect(
        run("git", ["check-ignore", "-q", `k8s/overlays/${overlay}/postgres.env`], { cwd: REPO_ROOT }),
      ).resolves.toBeDefined();
    }
  });
});
