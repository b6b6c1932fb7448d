// onImagePush against the real harness: a push rolls out to the opted-in Deployment only,
// pinned by digest, watched to completion, notified once, with the ledger written on the
// Deployment itself.
import { Annotation, LegacyAnnotation, readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  createDeployment,
  deleteTestNamespaces,
  deploymentMetric,
  imageOf,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
  writtenState,
} from "./support.js";

afterAll(deleteTestNamespaces);

describe("onImagePush rolls a push out", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("push");
    functions = await localFunctions([namespace], { METRICS_SINK: "cloudwatch" });
  });
  afterAll(async () => functions?.close());

  it("patches the opted-in Deployment to <repository>:<tag>@<digest>, watches it to completion, notifies once", async () => {
    const repositoryName = uniqueName("api");
    const running = await pushImage(repositoryName, "1.0.0");
    // bake-seconds 0: the release can be settled (and counted for DORA) by the next reconcile
    await createDeployment(namespace, "api", {
      image: running.pinned,
      replicas: 2,
      annotations: { "rollout.coworking.dev/bake-seconds": "0" },
    });
    await createDeployment(namespace, "bystander", { image: running.pinned, optedIn: false });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.outcome).toBe("handled");
    expect(result.deployments).toEqual([
      expect.objectContaining({
        namespace,
        name: "api",
        action: "patched",
        outcome: "succeeded",
        from: `${repositoryName}:1.0.0@${running.digest.slice(7, 19)}`,
        to: `${repositoryName}:1.1.0@${pushed.digest.slice(7, 19)}`,
      }),
    ]);
    const api = await readDeployment(namespace, "api");
    expect(imageOf(api)).toBe(pushed.pinned);
    expect(api.status?.updatedReplicas).toBe(2);
    expect(api.status?.availableReplicas).toBe(2);
    const annotations = api.metadata?.annotations ?? {};
    expect(annotations[Annotation.changeCause]).toBe(
      `rollout of ${repositoryName}:1.1.0 (${pushed.digest.slice(7, 19)}), on ECR push`,
    );
    const ledger = readLedger(annotations);
    expect(ledger.pushedAt).toEqual(pushed.pushedAt);
    expect(ledger.lastKnownGood?.images).toEqual({ api: running.pinned });
    expect(ledger.rollout).toMatchObject({ phase: "baking", digest: pushed.digest, tag: "1.1.0" });
    expect(imageOf(await readDeployment(namespace, "bystander"))).toBe(running.pinned);
    expect(functions.notifications()).toEqual(["rollout.succeeded"]);

    // DORA inputs, per Deployment, read back from the emulator's CloudWatch: counted once the
    // release is settled, after its bake window, by the reconciler
    expect(await deploymentMetric(`harness/${namespace}/api`, "DeploymentFrequency")).toBeUndefined();
    const settled = await functions.reconcile();
    expect(settled.deployments).toContainEqual(expect.objectContaining({ name: "api", action: "settled" }));
    expect(await deploymentMetric(`harness/${namespace}/api`, "DeploymentFrequency")).toMatchObject({
      Sum: 1,
    });
    expect(await deploymentMetric(`harness/${namespace}/api`, "ChangeFailureRate")).toMatchObject({
      Sum: 0,
      SampleCount: 1,
    });
  });
});

describe("onImagePush on a Deployment the release before wrote its ledger to", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("migrate");
    functions = await localFunctions([namespace]);
  });
  afterAll(async () => functions?.close());

  it("reads the unversioned ledger, and its write moves it to the status. keys, removing the old ones", async () => {
    const repositoryName = uniqueName("api");
    const running = await pushImage(repositoryName, "1.0.0");
    const quarantined = `sha256:${"e".repeat(64)}`;
    await createDeployment(namespace, "api", {
      image: running.pinned,
      annotations: {
        [LegacyAnnotation.pushedAt]: running.pushedAt.toISOString(),
        [LegacyAnnotation.quarantined]: quarantined,
        [Annotation.policy]: "all",
      },
    });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments).toEqual([
      expect.objectContaining({ action: "patched", outcome: "succeeded" }),
    ]);
    const annotations = (await readDeployment(namespace, "api")).metadata?.annotations ?? {};
    for (const old of Object.values(LegacyAnnotation)) expect(annotations[old]).toBeUndefined();
    expect(annotations[Annotation.policy]).toBe("all");
    const ledger = readLedger(annotations);
    expect(ledger.quarantined).toEqual([quarantined]);
    expect(ledger.pushedAt).toEqual(pushed.pushedAt);
    expect(ledger.lastKnownGood).toEqual({
      images: { api: running.pinned },
      pushedAt: running.pushedAt.toISOString(),
    });
    expect(JSON.parse(annotations[Annotation.rollout] ?? "{}")).toMatchObject({ v: 1, phase: "baking" });
  });

  it("refuses, and reports, a Deployment whose ledger cannot be read, writing nothing", async () => {
    const repositoryName = uniqueName("api");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "broken", {
      image: running.pinned,
      annotations: { [Annotation.lastKnownGood]: JSON.stringify({ images: "evil" }) },
    });
    const written = await writtenState(namespace, "broken");
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");
    const sent = functions.notifications().length;

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments.filter((report) => report.name === "broken")).toEqual([
      expect.objectContaining({
        name: "broken",
        action: "refused",
        reason: expect.stringContaining(`no rollout of ${repositoryName}:1.1.0: ${Annotation.lastKnownGood}`),
      }),
    ]);
    expect(await writtenState(namespace, "broken")).toEqual(written);
    expect(functions.notifications().slice(sent)).toEqual(["rollout.refused"]);
  });
});
