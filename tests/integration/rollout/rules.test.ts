// The rules the rollout keeps (docs/architecture.md), against the real harness: ignore non-pushes and bad
// events without writing, only its own registry, idempotent under duplicate deliveries
// (10 concurrent → one patch, one notification), and the newer push wins a race.
import { Annotation, encodePushedAt } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  createDeployment,
  deleteTestNamespaces,
  type InvocationResult,
  imageOf,
  type LocalFunctions,
  localFunctions,
  type PushedImage,
  pushEvent,
  pushImage,
  readDeployment,
  retagImage,
  testNamespace,
  uniqueName,
  writtenState,
} from "./support.js";

const about = (result: InvocationResult, name: string) =>
  result.deployments.filter((report) => report.name === name);

afterAll(deleteTestNamespaces);

describe("rollout rules", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("rules");
    functions = await localFunctions([namespace]);
  });
  afterAll(async () => functions?.close());

  async function deploymentRunning(name: string, annotations: Record<string, string> = {}) {
    const repositoryName = uniqueName(name);
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, name, { image: running.pinned, annotations });
    return { repositoryName, running, written: await writtenState(namespace, name) };
  }

  it("ignores non-pushes and rejects malformed events, writing nothing", async () => {
    const { repositoryName, running, written } = await deploymentRunning("ignore");
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");
    const latest = await retagImage(pushed, "latest");
    const untagged = pushEvent(pushed);
    delete (untagged.detail as Record<string, unknown>)["image-tag"];
    const pullThroughCache = { ...pushEvent(pushed), "detail-type": "ECR Pull Through Cache Action" };

    const outcomes = [
      await functions.onImagePush(pushEvent(pushed, { actionType: "DELETE" })),
      await functions.onImagePush(pushEvent(pushed, { result: "FAILURE" })),
      await functions.onImagePush(untagged),
      await functions.onImagePush(pullThroughCache),
      await functions.onImagePush(pushEvent(pushed, { account: "210987654321" })),
      await functions.onImagePush(pushEvent(pushed, { region: "eu-west-1" })),
    ];
    expect(outcomes.map((outcome) => [outcome.outcome, outcome.reason])).toEqual([
      ["ignored", "action-type DELETE is not a push"],
      ["ignored", "PUSH result FAILURE"],
      ["ignored", "untagged manifest (multi-arch pushes emit these)"],
      ["ignored", "pull-through-cache event"],
      ["ignored", "image is in 210987654321/us-east-1, outside the registries rolled out from"],
      ["ignored", "image is in 123456789012/eu-west-1, outside the registries rolled out from"],
    ]);
    const latestOutcome = await functions.onImagePush(pushEvent(latest));
    expect(about(latestOutcome, "ignore")).toEqual([
      expect.objectContaining({
        name: "ignore",
        action: "skipped",
        reason: "policy all: tag latest is never rolled out under policy all",
      }),
    ]);
    for (const malformed of [
      {},
      "push",
      { ...pushEvent(pushed), account: "abc" },
      { ...pushEvent(pushed), detail: {} },
    ]) {
      const rejected = await functions.onImagePush(malformed);
      expect(rejected.outcome).toBe("rejected");
      expect(rejected.reason).toMatch(/^(not an ECR Image Action event|event is not an object)/);
    }
    const after = await readDeployment(namespace, "ignore");
    expect(await writtenState(namespace, "ignore")).toEqual(written);
    expect(imageOf(after)).toBe(running.pinned);
    expect(functions.notifications()).toEqual([]);
  });

  it("ten concurrent deliveries of one push: exactly one patch and one notification", async () => {
    const { repositoryName } = await deploymentRunning("dup");
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "2.0.0");
    const event = pushEvent(pushed);
    const sent = functions.notifications().length;

    const results = await Promise.all(Array.from({ length: 10 }, () => functions.onImagePush(event)));

    const reports = results.flatMap((result) => about(result, "dup"));
    expect(reports.filter((report) => report.action === "patched")).toHaveLength(1);
    expect(reports.filter((report) => report.action === "skipped")).toHaveLength(9);
    const after = await readDeployment(namespace, "dup");
    expect(imageOf(after)).toBe(pushed.pinned);
    // one image change = one new ReplicaSet revision
    expect(after.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(functions.notifications().slice(sent)).toEqual(["rollout.succeeded"]);

    // the same digest pushed under another tag changes nothing either
    const again = await retagImage(pushed, "2.0.0-again");
    const retagged = await functions.onImagePush(pushEvent(again));
    expect(about(retagged, "dup")).toEqual([
      expect.objectContaining({ action: "skipped", reason: `already running ${pushed.digest.slice(7, 19)}` }),
    ]);
    expect(
      (await readDeployment(namespace, "dup")).metadata?.annotations?.["deployment.kubernetes.io/revision"],
    ).toBe("2");
    expect(functions.notifications().slice(sent)).toEqual(["rollout.succeeded"]);
  });

  it.each([
    ["older first", (older: PushedImage, newer: PushedImage) => [older, newer]],
    ["newer first", (older: PushedImage, newer: PushedImage) => [newer, older]],
  ])("racing pushes, %s: the newer by imagePushedAt wins, never a downgrade", async (label, order) => {
    const name = label === "older first" ? "race-a" : "race-b";
    const { repositoryName } = await deploymentRunning(name);
    await afterNextPushSecond();
    const older = await pushImage(repositoryName, "3.0.0");
    await afterNextPushSecond();
    const newer = await pushImage(repositoryName, "3.0.1");
    const [first, second] = order(older, newer) as [PushedImage, PushedImage];

    await functions.onImagePush(pushEvent(first));
    const late = await functions.onImagePush(pushEvent(second));

    expect(imageOf(await readDeployment(namespace, name))).toBe(newer.pinned);
    if (second === older) {
      expect(about(late, name)[0]?.reason).toMatch(/not newer than the running image .*: never downgrade$/);
    }
  });

  it("racing pushes delivered at the same moment: still the newer wins, no lost update", async () => {
    const { repositoryName } = await deploymentRunning("race-c");
    await afterNextPushSecond();
    const older = await pushImage(repositoryName, "4.0.0");
    await afterNextPushSecond();
    const newer = await pushImage(repositoryName, "4.0.1");

    await Promise.all([functions.onImagePush(pushEvent(newer)), functions.onImagePush(pushEvent(older))]);

    const after = await readDeployment(namespace, "race-c");
    expect(imageOf(after)).toBe(newer.pinned);
    expect(after.metadata?.annotations?.[Annotation.pushedAt]).toBe(encodePushedAt(newer.pushedAt));
  });

  it("semver policy: a lower version is never rolled out even when pushed later; out-of-range neither", async () => {
    const { repositoryName } = await deploymentRunning("semver", {
      "rollout.coworking.dev/policy": "semver:^1",
    });
    await afterNextPushSecond();
    const minor = await pushImage(repositoryName, "1.2.0");
    await afterNextPushSecond();
    const lower = await pushImage(repositoryName, "1.1.0");
    const major = await pushImage(repositoryName, "2.0.0");
    expect(about(await functions.onImagePush(pushEvent(minor)), "semver")[0]?.outcome).toBe("succeeded");
    expect(about(await functions.onImagePush(pushEvent(lower)), "semver")[0]?.reason).toBe(
      "policy semver:^1: version 1.1.0 is not higher than running 1.2.0",
    );
    expect(about(await functions.onImagePush(pushEvent(major)), "semver")[0]?.reason).toBe(
      "policy semver:^1: version 2.0.0 is outside range ^1",
    );
    expect(imageOf(await readDeployment(namespace, "semver"))).toBe(minor.pinned);
  });
});
