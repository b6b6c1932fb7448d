// On the harness (real kube-apiserver + kwok, moto): a terminal notification Slack refused during
// a real rollout arrives on a later reconcile, exactly once; a Deployment whose repository does
// not exist in ECR is reported without stopping the others or failing the invocation; two pushes
// in the same imagePushedAt second end the same way whatever order their events arrive in, and
// the reconciler does not flip between them.
import { readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  createDeployment,
  deleteTestNamespaces,
  imageOf,
  type LocalFunctions,
  localFunctions,
  type PushedImage,
  pushEvent,
  pushImage,
  readDeployment,
  registryHost,
  testNamespace,
  uniqueName,
} from "./support.js";

afterAll(deleteTestNamespaces);

/** Two images pushed within one imagePushedAt second (moto keeps whole seconds, like ECR). */
async function pushedInOneSecond(
  repositoryName: string,
  tags: [string, string],
): Promise<[PushedImage, PushedImage]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    // Start early in a second, so both pushes fit in it.
    const intoSecond = Date.now() % 1000;
    if (intoSecond > 200) await new Promise((resolve) => setTimeout(resolve, 1000 - intoSecond));
    const first = await pushImage(repositoryName, tags[0]);
    const second = await pushImage(repositoryName, tags[1]);
    if (first.pushedAt.getTime() === second.pushedAt.getTime()) return [first, second];
  }
  throw new Error("could not push two images within one second");
}

describe("terminal notifications are delivered at least once", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("notify");
    functions = await localFunctions([namespace], { NOTIFICATION_ATTEMPTS: "3" });
  });
  afterAll(async () => functions?.close());

  it("Slack fails during the rollout: the rollout completes, and a later reconcile delivers the message once", async () => {
    const repositoryName = uniqueName("notify");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "api", { image: running.pinned });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");
    functions.slack.failNext(3, 500);

    const pushResult = await functions.onImagePush(pushEvent(pushed));

    expect(pushResult.deployments).toEqual([
      expect.objectContaining({ name: "api", action: "patched", outcome: "succeeded" }),
    ]);
    expect(functions.notifications()).toEqual([]);
    const record = readLedger((await readDeployment(namespace, "api")).metadata?.annotations ?? {}).rollout;
    // nothing delivered, and the lease released: the reconciler may send it at once
    expect(record?.notified).toEqual({ sinks: { "rollout.succeeded": [] } });

    const reconciled = await functions.reconcile();
    expect(reconciled.outcome).toBe("handled");
    expect(reconciled.deployments).toContainEqual(
      expect.objectContaining({ name: "api", action: "notified" }),
    );
    expect(functions.notifications()).toEqual(["rollout.succeeded"]);
    const after = readLedger((await readDeployment(namespace, "api")).metadata?.annotations ?? {}).rollout;
    expect(after?.notified).toEqual({ sinks: { "rollout.succeeded": ["slack"] } });

    const again = await functions.reconcile();
    expect(again.deployments.filter((line) => line.action === "notified")).toEqual([]);
    await functions.onImagePush(pushEvent(pushed));
    expect(functions.notifications()).toEqual(["rollout.succeeded"]);
  });
});

describe("one broken Deployment does not stop the others", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("isolate");
    functions = await localFunctions([namespace]);
  });
  afterAll(async () => functions?.close());

  it("a repository missing from ECR is reported on its Deployment; the healthy ones are caught up; the invocation does not fail", async () => {
    const repositoryName = uniqueName("healthy");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "api-a", { image: running.pinned });
    await createDeployment(namespace, "api-b", { image: running.pinned });
    const missing = uniqueName("missing");
    await createDeployment(namespace, "broken", { image: `${registryHost}/${missing}:1.0.0` });
    await afterNextPushSecond();
    const newer = await pushImage(repositoryName, "1.1.0");

    const result = await functions.reconcile();

    expect(result.outcome).toBe("handled");
    const lines = Object.fromEntries(result.deployments.map((line) => [line.name, line]));
    expect(lines["api-a"]).toMatchObject({ action: "patched", outcome: "succeeded" });
    expect(lines["api-b"]).toMatchObject({ action: "patched", outcome: "succeeded" });
    expect(lines.broken).toMatchObject({ action: "error" });
    expect(lines.broken?.reason).toContain(`ECR repository ${missing} does not exist`);
    expect(imageOf(await readDeployment(namespace, "api-a"))).toBe(newer.pinned);
    expect(imageOf(await readDeployment(namespace, "api-b"))).toBe(newer.pinned);
    expect(imageOf(await readDeployment(namespace, "broken"))).toBe(`${registryHost}/${missing}:1.0.0`);
  });
});

describe("two pushes in the same second", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("tie");
    functions = await localFunctions([namespace]);
  });
  afterAll(async () => functions?.close());

  it.each([
    ["semver", ["2.0.0", "2.0.1"]],
    ["all", ["build-a", "build-b"]],
  ] as const)(
    "policy %s: the same winner in both delivery orders, and reconcile keeps it",
    async (policy, tags) => {
      const orders = [uniqueName("order-ab"), uniqueName("order-ba")];
      const pairs: [PushedImage, PushedImage][] = [];
      for (const [index, repositoryName] of orders.entries()) {
        const running = await pushImage(repositoryName, "1.0.0");
        await createDeployment(namespace, `${policy}-${index}`, {
          image: running.pinned,
          annotations: { "rollout.coworking.dev/policy": policy },
        });
      }
      await afterNextPushSecond();
      for (const repositoryName of orders) pairs.push(await pushedInOneSecond(repositoryName, [...tags]));

      // order a→b for the first Deployment, b→a for the second
      const [ab, ba] = pairs as [[PushedImage, PushedImage], [PushedImage, PushedImage]];
      await functions.onImagePush(pushEvent(ab[0]));
      await functions.onImagePush(pushEvent(ab[1]));
      await functions.onImagePush(pushEvent(ba[1]));
      await functions.onImagePush(pushEvent(ba[0]));

      const winner = (pair: [PushedImage, PushedImage]) =>
        policy === "semver" ? pair[1] : pair[0].digest > pair[1].digest ? pair[0] : pair[1];
      const first = await readDeployment(namespace, `${policy}-0`);
      const second = await readDeployment(namespace, `${policy}-1`);
      expect(imageOf(first)).toBe(winner(ab).pinned);
      expect(imageOf(second)).toBe(winner(ba).pinned);
      // the same rule picked the same position in both orders
      expect(winner(ab).tag).toBe(policy === "semver" ? tags[1] : winner(ab).tag);

      for (let run = 0; run < 2; run++) {
        const reconciled = await functions.reconcile();
        for (const line of reconciled.deployments.filter((entry) => entry.name.startsWith(policy))) {
          expect(line.action).toBe("skipped");
        }
      }
      expect(imageOf(await readDeployment(namespace, `${policy}-0`))).toBe(winner(ab).pinned);
      expect(imageOf(await readDeployment(namespace, `${policy}-1`))).toBe(winner(ba).pinned);
    },
  );
});
