// ROLLOUT_NAMESPACES=* on the real harness, with the RBAC k8s/ ships: one label-selected LIST per
// cluster finds the opted-in Deployments of every namespace (through the cluster-wide `list`
// grant), the writer patches where its Role is bound, and an opted-in Deployment in a namespace
// without that Role is reported as a refused patch and left alone.

import { afterNextPushSecond } from "../../support/ecrImages.js";
import { type FaultyApiserver, startFaultyApiserver } from "./faultyApiserver.js";
import {
  createDeployment,
  deleteTestNamespaces,
  imageOf,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
} from "./support.js";

afterAll(deleteTestNamespaces);

describe("cluster-wide discovery (ROLLOUT_NAMESPACES=*)", () => {
  let proxy: FaultyApiserver;

  beforeAll(async () => {
    proxy = await startFaultyApiserver();
  });
  afterAll(async () => proxy?.stop());

  it("finds opted-in Deployments in every namespace with one LIST, and patches only where the writer is bound", async () => {
    const teamA = await testNamespace("team-a");
    const teamB = await testNamespace("team-b");
    const ungranted = await testNamespace("ungranted", false);
    const functions = await localFunctions([], { ROLLOUT_NAMESPACES: "*", KUBECONFIG: proxy.kubeconfig });
    try {
      const repositoryName = uniqueName("shared");
      const running = await pushImage(repositoryName, "1.0.0");
      for (const namespace of [teamA, teamB, ungranted]) {
        await createDeployment(namespace, "api", { image: running.pinned });
      }
      await createDeployment(teamA, "bystander", { image: running.pinned, optedIn: false });
      await afterNextPushSecond();
      const pushed = await pushImage(repositoryName, "1.1.0");
      proxy.requests.length = 0;

      const result = await functions.onImagePush(pushEvent(pushed));

      // Lists, not the watches that follow each rollout (watch=true) nor reads of one Deployment.
      const lists = proxy.requests
        .filter((request) => request.startsWith("GET ") && !request.includes("watch=true"))
        .map((request) => request.split("?")[0])
        .filter((path) => path?.endsWith("/deployments"));
      expect(lists).toEqual(["GET /apis/apps/v1/deployments"]);
      const mine = result.deployments.filter((report) =>
        [teamA, teamB, ungranted].includes(report.namespace),
      );
      expect(mine).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ namespace: teamA, name: "api", outcome: "succeeded" }),
          expect.objectContaining({ namespace: teamB, name: "api", outcome: "succeeded" }),
          {
            cluster: "harness",
            namespace: ungranted,
            name: "api",
            action: "error",
            reason: `permission denied: patch deployments.apps api in ${ungranted} (cluster harness, HTTP 403)`,
          },
        ]),
      );
      expect(mine).toHaveLength(3);
      expect(imageOf(await readDeployment(teamA, "api"))).toBe(pushed.pinned);
      expect(imageOf(await readDeployment(teamB, "api"))).toBe(pushed.pinned);
      expect(imageOf(await readDeployment(ungranted, "api"))).toBe(running.pinned);
      expect(imageOf(await readDeployment(teamA, "bystander"))).toBe(running.pinned);
    } finally {
      await functions.close();
    }
  });
});
