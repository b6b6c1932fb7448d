// Failure behaviour against the real harness: 403 (named permission + notification), 409
// (re-read and re-plan, no lost update), 429/5xx (bounded retries, then the invocation fails;
// the reconciler instead defers what a lasting 429 stopped to its next run), and an unreachable
// cluster (fails loudly; the reconciler catches up once it is back).
import { KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions } from "@kubernetes/client-node";
import { composeRollout } from "../../../functions/handlers/rolloutWiring.js";
import { KubernetesDeployments } from "../../../functions/provider/kubernetes/kubernetesDeployments.js";
import type { DeploymentApi } from "../../../functions/rollout/ports/deploymentApi.js";
import { TransientError, UnreachableError } from "../../../functions/types/errors.js";
import { adminKubeConfig, harness } from "../../harness/env.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { type FaultyApiserver, startFaultyApiserver } from "./faultyApiserver.js";
import {
  apps,
  createDeployment,
  deleteTestNamespaces,
  imageOf,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
  writtenState,
} from "./support.js";

async function runningDeployment(namespace: string, name: string) {
  const repositoryName = uniqueName(name);
  const running = await pushImage(repositoryName, "1.0.0");
  await createDeployment(namespace, name, { image: running.pinned });
  await afterNextPushSecond();
  return { repositoryName, running };
}

afterAll(deleteTestNamespaces);

describe("Kubernetes API failures", () => {
  let proxy: FaultyApiserver;

  beforeAll(async () => {
    proxy = await startFaultyApiserver();
  });
  afterAll(async () => proxy?.stop());

  it("403: names the missing permission, notifies, and still serves the namespaces it may touch", async () => {
    const allowed = await testNamespace("allowed");
    // No writer Role here: the writer may list it (cluster-wide discovery), not patch in it.
    const forbidden = await testNamespace("forbidden", false);
    const functions = await localFunctions([allowed, forbidden]);
    try {
      const { repositoryName, running } = await runningDeployment(allowed, "api");
      await createDeployment(forbidden, "api", { image: running.pinned });
      const pushed = await pushImage(repositoryName, "1.1.0");

      const result = await functions.onImagePush(pushEvent(pushed));

      expect(result.deployments).toEqual(
        expect.arrayContaining([
          {
            cluster: "harness",
            namespace: forbidden,
            name: "api",
            action: "error",
            reason: `permission denied: patch deployments.apps api in ${forbidden} (cluster harness, HTTP 403)`,
          },
          expect.objectContaining({ namespace: allowed, name: "api", outcome: "succeeded" }),
        ]),
      );
      expect(functions.notifications().sort()).toEqual(["rollout.permission_denied", "rollout.succeeded"]);
      const denied = functions.slack.received.find((message) =>
        JSON.stringify(message.payload).includes("permission_denied"),
      );
      expect(JSON.stringify(denied?.payload)).toContain(`patch deployments.apps api in ${forbidden}`);
      expect(imageOf(await readDeployment(forbidden, "api"))).toBe(running.pinned);
    } finally {
      await functions.close();
    }
  });

  it("403 on the write: a read-only grant names the refused patch, notifies, and changes nothing", async () => {
    const namespace = await testNamespace("readonly", false);
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: "delivery-read-only" },
        rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "delivery-read-only" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "delivery-read-only" },
        subjects: [
          { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "coworking:delivery-writer" },
        ],
      },
    });
    const functions = await localFunctions([namespace]);
    try {
      const { repositoryName, running } = await runningDeployment(namespace, "api");
      const pushed = await pushImage(repositoryName, "1.1.0");
      const before = await writtenState(namespace, "api");

      const result = await functions.onImagePush(pushEvent(pushed));

      expect(result.deployments).toEqual([
        {
          cluster: "harness",
          namespace,
          name: "api",
          action: "error",
          reason: `permission denied: patch deployments.apps api in ${namespace} (cluster harness, HTTP 403)`,
        },
      ]);
      expect(await writtenState(namespace, "api")).toEqual(before);
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(running.pinned);
      expect(functions.notifications()).toEqual(["rollout.permission_denied"]);
    } finally {
      await functions.close();
    }
  });

  it("409: a write that lands between read and patch is kept, and the rollout re-plans on top of it", async () => {
    const namespace = await testNamespace("conflict");
    const { repositoryName } = await runningDeployment(namespace, "api");
    const pushed = await pushImage(repositoryName, "1.1.0");
    const root = composeRollout("conflict-test", {
      ...process.env,
      KUBECONFIG: harness().deliveryKubeconfig,
      ROLLOUT_NAMESPACES: namespace,
      REGISTRY_ACCOUNT_IDS: "123456789012",
    });
    const delivery = new KubeConfig();
    delivery.loadFromFile(harness().deliveryKubeconfig);
    const real = new KubernetesDeployments({ name: "harness", kubeConfig: delivery });
    let patches = 0;
    // Someone else (the admin) writes after our read and before our first patch: a real 409.
    const racing: DeploymentApi = {
      cluster: real.cluster,
      listOptedIn: (ns) => real.listOptedIn(ns),
      get: (ns, name) => real.get(ns, name),
      watch: (from, decide, timeoutMs) => real.watch(from, decide, timeoutMs),
      patch: async (ns, name, patch) => {
        patches++;
        if (patches === 1) {
          await apps().patchNamespacedDeployment(
            {
              namespace: ns,
              name,
              body: [{ op: "add", path: "/metadata/annotations/team", value: "payments" }],
            },
            setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
          );
        }
        return real.patch(ns, name, patch);
      },
    };
    const [deployment] = await real.listOptedIn(namespace);
    if (!deployment) throw new Error("the opted-in deployment is not listed");
    const now = Date.now();
    const outcome = await root.executor.rollOut(
      racing,
      deployment,
      {
        account: "123456789012",
        region: "us-east-1",
        repositoryName,
        tag: pushed.tag,
        digest: pushed.digest,
        pushedAt: pushed.pushedAt,
        trigger: "push",
      },
      { startedAt: now, deadline: now + 60_000 },
    );
    const report = await root.reporter.reportOne(outcome);
    expect(report).toMatchObject({ action: "patched", outcome: "succeeded" });
    expect(patches).toBeGreaterThanOrEqual(2);
    const after = await readDeployment(namespace, "api");
    expect(imageOf(after)).toBe(pushed.pinned);
    expect(after.metadata?.annotations?.team).toBe("payments");
  });

  it("429/503: retried with a bound; a brief outage is absorbed, a lasting one fails the invocation without writing", async () => {
    const namespace = await testNamespace("flaky");
    const functions = await localFunctions([namespace], { KUBECONFIG: proxy.kubeconfig });
    try {
      const { repositoryName, running } = await runningDeployment(namespace, "api");
      const first = await pushImage(repositoryName, "1.1.0");
      proxy.failNext(1, 429, "GET");
      proxy.failNext(2, 503, "PATCH");
      const absorbed = await functions.onImagePush(pushEvent(first));
      expect(absorbed.deployments).toEqual([
        expect.objectContaining({ action: "patched", outcome: "succeeded" }),
      ]);

      await afterNextPushSecond();
      const second = await pushImage(repositoryName, "1.2.0");
      const patchesBefore = proxy.seen.PATCH ?? 0;
      proxy.failNext(50, 503, "PATCH");
      await expect(functions.onImagePush(pushEvent(second))).rejects.toThrow(TransientError);
      expect((proxy.seen.PATCH ?? 0) - patchesBefore).toBe(4); // attempts, then give up
      proxy.clearFailures();
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(first.pinned);
      expect(running.pinned).not.toBe(first.pinned);
    } finally {
      await functions.close();
    }
  });

  it("lasting 429 on the reconciler: the start is deferred to the next run, the run succeeds, and the next run rolls it out", async () => {
    const namespace = await testNamespace("throttled");
    const functions = await localFunctions([namespace], { KUBECONFIG: proxy.kubeconfig });
    try {
      const { repositoryName, running } = await runningDeployment(namespace, "api");
      const missed = await pushImage(repositoryName, "1.1.0");
      proxy.failNext(50, 429, "PATCH");
      try {
        const throttled = await functions.reconcile();
        expect(throttled.deployments).toEqual([
          expect.objectContaining({
            name: "api",
            action: "skipped",
            deferred: "throttled",
            reason: expect.stringMatching(/^deferred: .*HTTP 429 \(throttled\); the next run takes it up$/),
          }),
        ]);
      } finally {
        proxy.clearFailures();
      }
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(running.pinned);
      expect(functions.notifications()).toEqual([]);

      const next = await functions.reconcile();

      expect(next.deployments).toEqual([
        expect.objectContaining({ name: "api", action: "patched", outcome: "succeeded" }),
      ]);
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(missed.pinned);
    } finally {
      await functions.close();
    }
  });

  it("unreachable cluster: the invocation fails loudly; once it is back the reconciler rolls out what was missed", async () => {
    const namespace = await testNamespace("unreachable");
    const functions = await localFunctions([namespace], { KUBECONFIG: proxy.kubeconfig });
    try {
      const { repositoryName, running } = await runningDeployment(namespace, "api");
      const pushed = await pushImage(repositoryName, "1.1.0");
      await proxy.stop();
      try {
        await expect(functions.onImagePush(pushEvent(pushed))).rejects.toThrow(UnreachableError);
        await expect(functions.onImagePush(pushEvent(pushed))).rejects.toThrow(
          /cluster unreachable \(ECONNREFUSED\)/,
        );
      } finally {
        await proxy.start();
      }
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(running.pinned);

      const reconciled = await functions.reconcile();

      expect(reconciled.deployments).toEqual([
        expect.objectContaining({ name: "api", action: "patched", outcome: "succeeded" }),
      ]);
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(pushed.pinned);
      expect(functions.notifications()).toEqual(["rollout.succeeded"]);
    } finally {
      await functions.close();
    }
  });
});
