// Gates on the real harness, through the real handlers: a push inside a change freeze is held
// (the pending record on the ledger, the image untouched, notified once) and the reconciler rolls
// it out once no freeze covers it; a paused Deployment is left alone; a dry-run Deployment is told
// what would happen and nothing is written.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  apps,
  createDeployment,
  deleteTestNamespaces,
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

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** A UTC freeze window from an hour ago to two hours ahead: it covers now, whatever the day. */
function freezeCoveringNow(now = new Date()): string {
  const at = (offsetMs: number) => {
    const instant = new Date(now.getTime() + offsetMs);
    const hh = String(instant.getUTCHours()).padStart(2, "0");
    const mm = String(instant.getUTCMinutes()).padStart(2, "0");
    return `${DAYS[instant.getUTCDay()]} ${hh}:${mm}`;
  };
  return `${at(-3_600_000)}-${at(7_200_000)} UTC`;
}

async function setAnnotation(namespace: string, name: string, key: string, value: string | null) {
  await apps().patchNamespacedDeployment(
    { namespace, name, body: { metadata: { annotations: { [key]: value } } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}

afterAll(deleteTestNamespaces);

describe("release gates on the harness", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("gates");
    functions = await localFunctions([namespace]);
  });
  afterAll(async () => functions?.close());

  it("freeze: a push is held and notified once; the reconciler rolls it out when no window covers it", async () => {
    const repositoryName = uniqueName("frozen");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "frozen", {
      image: running.pinned,
      annotations: { [Annotation.freeze]: freezeCoveringNow() },
    });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");
    const sent = functions.slack.received.length;

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments).toEqual([
      expect.objectContaining({
        namespace,
        name: "frozen",
        action: "held",
        reason: expect.stringContaining("held by a change freeze until"),
      }),
    ]);
    const held = await readDeployment(namespace, "frozen");
    expect(imageOf(held)).toBe(running.pinned);
    expect(readLedger(held.metadata?.annotations ?? {}).pending).toMatchObject({
      gate: "freeze",
      digest: pushed.digest,
      trigger: "push",
    });
    expect(functions.notifications().slice(sent)).toEqual(["rollout.held"]);

    // Still frozen: the reconciler keeps it held, writes nothing and says nothing more.
    const before = await writtenState(namespace, "frozen");
    const still = await functions.reconcile();
    expect(still.deployments).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "frozen", action: "held" })]),
    );
    expect(await writtenState(namespace, "frozen")).toEqual(before);
    expect(functions.notifications().slice(sent)).toEqual(["rollout.held"]);

    // The freeze is over (the operator removes the window; the planner's own tests cover a
    // window's end in time): the next reconcile rolls out the held image and clears the record.
    await setAnnotation(namespace, "frozen", Annotation.freeze, null);
    const released = await functions.reconcile();
    expect(released.deployments).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "frozen", outcome: "succeeded" })]),
    );
    const after = await readDeployment(namespace, "frozen");
    expect(imageOf(after)).toBe(pushed.pinned);
    expect(readLedger(after.metadata?.annotations ?? {}).pending).toBeUndefined();
  });

  it("paused: a push is not rolled out and nothing is written", async () => {
    const repositoryName = uniqueName("paused");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "paused", {
      image: running.pinned,
      annotations: { [Annotation.paused]: "true" },
    });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");
    const before = await writtenState(namespace, "paused");

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments.filter((report) => report.name === "paused")).toEqual([
      expect.objectContaining({
        action: "skipped",
        reason: expect.stringContaining("paused"),
      }),
    ]);
    expect(await writtenState(namespace, "paused")).toEqual(before);
  });

  it("dry run: the push is planned and notified as it would happen, and nothing is written", async () => {
    const repositoryName = uniqueName("dry");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "dry", {
      image: running.pinned,
      annotations: { [Annotation.mode]: "dry-run" },
    });
    await afterNextPushSecond();
    const pushed = await pushImage(repositoryName, "1.1.0");
    const before = await writtenState(namespace, "dry");
    const sent = functions.slack.received.length;

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments.filter((report) => report.name === "dry")).toEqual([
      expect.objectContaining({
        action: "held",
        reason: "dry run: would roll out; nothing written",
        to: expect.stringContaining(`${repositoryName}:1.1.0@`),
      }),
    ]);
    expect(await writtenState(namespace, "dry")).toEqual(before);
    expect(functions.notifications().slice(sent)).toEqual(["rollout.dry_run"]);
  });
});
