// The reconciler against the real harness: pushes whose events never arrived are rolled out with
// ONE DescribeImages per repository (not per Deployment), and a run where nothing changed only
// reads: no writes, no notifications.

import { composeReconcile } from "../../../functions/handlers/reconcile/wiring.js";
import type { ImageRegistry } from "../../../functions/rollout/ports/imageRegistry.js";
import { reconcileEverywhere } from "../../../functions/rollout/reconcile.js";
import { harness } from "../../harness/env.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  ACCOUNT,
  createDeployment,
  deleteTestNamespaces,
  imageOf,
  localFunctions,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
  writtenState,
} from "./support.js";

afterAll(deleteTestNamespaces);

describe("reconcile", () => {
  it("catches missed pushes with one DescribeImages per repository, then is a read-only no-op", async () => {
    const namespace = await testNamespace("reconcile");
    const shared = uniqueName("api");
    const other = uniqueName("worker");
    const sharedRunning = await pushImage(shared, "1.0.0");
    const otherRunning = await pushImage(other, "1.0.0");
    await createDeployment(namespace, "api-a", { image: sharedRunning.pinned });
    await createDeployment(namespace, "api-b", { image: sharedRunning.pinned });
    await createDeployment(namespace, "worker", { image: otherRunning.pinned });
    await afterNextPushSecond();
    const sharedMissed = await pushImage(shared, "1.1.0");
    const otherMissed = await pushImage(other, "1.1.0");

    const functions = await localFunctions([namespace]);
    try {
      const root = composeReconcile({
        ...process.env,
        KUBECONFIG: harness().deliveryKubeconfig,
        ROLLOUT_NAMESPACES: namespace,
        REGISTRY_ACCOUNT_IDS: ACCOUNT,
        SLACK_WEBHOOK_URL: functions.slack.url,
        STATE_TABLE_NAME: functions.stateTable,
      });
      const listed: string[] = [];
      const counting = (account: string): ImageRegistry => {
        const real = root.registry(account);
        return {
          describeImage: (repositoryName, digest) => real.describeImage(repositoryName, digest),
          listImages: (repositoryName) => {
            listed.push(repositoryName);
            return real.listImages(repositoryName);
          },
        };
      };
      const now = Date.now();
      const caughtUp = await root.reporter.report(
        await reconcileEverywhere(
          { ...root, registry: counting },
          { startedAt: now, deadline: now + 60_000 },
        ),
      );

      expect(listed.sort()).toEqual([shared, other].sort());
      expect(caughtUp.map((report) => [report.name, report.action, report.outcome]).sort()).toEqual([
        ["api-a", "patched", "succeeded"],
        ["api-b", "patched", "succeeded"],
        ["worker", "patched", "succeeded"],
      ]);
      expect(imageOf(await readDeployment(namespace, "api-a"))).toBe(sharedMissed.pinned);
      expect(imageOf(await readDeployment(namespace, "api-b"))).toBe(sharedMissed.pinned);
      expect(imageOf(await readDeployment(namespace, "worker"))).toBe(otherMissed.pinned);
      expect(functions.notifications()).toEqual([
        "rollout.succeeded",
        "rollout.succeeded",
        "rollout.succeeded",
      ]);

      const versions = await Promise.all(
        ["api-a", "api-b", "worker"].map((name) => writtenState(namespace, name)),
      );
      const idle = await functions.reconcile();
      expect(idle.deployments.map((report) => report.action)).toEqual(["skipped", "skipped", "skipped"]);
      expect(
        await Promise.all(["api-a", "api-b", "worker"].map((name) => writtenState(namespace, name))),
      ).toEqual(versions);
      expect(functions.notifications()).toHaveLength(3);
    } finally {
      await functions.close();
    }
  });
});
