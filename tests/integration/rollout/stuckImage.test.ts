// A stuck image against the real harness (kwok never readies pods whose image contains
// "never-ready"): ProgressDeadlineExceeded → rollback to the last known-good image → digest
// quarantined → the reconciler never rolls it out again. Also: a rollout still running when the
// invocation's time is spent is finished by the reconciler.
import { QuarantineTable } from "../../../functions/provider/dynamodb/quarantineTable.js";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { stateTableClient } from "../../support/stateTable.js";
import {
  ACCOUNT,
  apps,
  createDeployment,
  deleteTestNamespaces,
  deploymentMetric,
  eventually,
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

describe("a rollout that never becomes ready", () => {
  let namespace: string;
  let functions: LocalFunctions;

  beforeAll(async () => {
    namespace = await testNamespace("stuck");
    functions = await localFunctions([namespace], { ROLLOUT_WAIT_SECONDS: "30", METRICS_SINK: "cloudwatch" });
  });
  afterAll(async () => functions?.close());

  it("is rolled back to the last known-good image, quarantined, and not rolled out again by the reconciler", async () => {
    const repositoryName = uniqueName("api");
    const good = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "api", { image: good.pinned, progressDeadlineSeconds: 3 });
    await afterNextPushSecond();
    const stuck = await pushImage(repositoryName, "1.1.0-never-ready");

    const result = await functions.onImagePush(pushEvent(stuck));

    const [report] = result.deployments;
    expect(report).toMatchObject({ name: "api", action: "patched", outcome: "rolled_back" });
    expect(report?.reason).toMatch(/has timed out progressing/);
    const after = await readDeployment(namespace, "api");
    expect(imageOf(after)).toBe(good.pinned);
    const ledger = readLedger(after.metadata?.annotations ?? {});
    expect(ledger.quarantined).toEqual([stuck.digest]);
    // the record stays, settled as rolled back, its message recorded as delivered
    expect(ledger.rollout).toMatchObject({
      phase: "rolled_back",
      notified: { sinks: { "rollout.rolled_back": ["slack"] } },
    });
    expect(ledger.pushedAt).toEqual(good.pushedAt);
    expect(after.metadata?.annotations?.[Annotation.changeCause]).toMatch(
      new RegExp(
        `^rollback of 1.1.0-never-ready \\(${stuck.digest.slice(7, 19)}\\): .*timed out progressing`,
      ),
    );
    expect(functions.notifications()).toEqual(["rollout.rolled_back"]);
    const message = JSON.stringify(functions.slack.received[0]?.payload);
    expect(message).toContain("Rolled back because");
    expect(message).toContain(`${repositoryName}:1.0.0@${good.digest.slice(7, 19)}`);
    expect(await deploymentMetric(`harness/${namespace}/api`, "ChangeFailureRate")).toMatchObject({
      Sum: 100,
      SampleCount: 1,
    });

    // the quarantined digest is the newest image in ECR, yet the reconciler leaves it alone
    const written = await writtenState(namespace, "api");
    const reconciled = await functions.reconcile();
    expect(reconciled.deployments).toEqual([expect.objectContaining({ name: "api", action: "skipped" })]);
    expect(await writtenState(namespace, "api")).toEqual(written);
    expect(functions.notifications()).toEqual(["rollout.rolled_back"]);

    // the quarantine outlives the Deployment: the stage's state table still holds the digest
    const table = new QuarantineTable(stateTableClient(), functions.stateTable);
    expect(await table.isQuarantined(ACCOUNT, repositoryName, stuck.digest)).toBe(true);
    await apps().deleteNamespacedDeployment({ namespace, name: "api" });
    await eventually(
      async () =>
        (await apps().listNamespacedDeployment({ namespace })).items.length === 0 ? true : undefined,
      "the Deployment to be gone",
    );
    await createDeployment(namespace, "api", { image: good.pinned, progressDeadlineSeconds: 3 });
    const again = await functions.onImagePush(pushEvent(stuck));
    expect(again.deployments).toEqual([
      expect.objectContaining({
        name: "api",
        action: "skipped",
        reason: `digest ${stuck.digest.slice(7, 19)} is quarantined in this stage after a failed rollout`,
      }),
    ]);
    expect(imageOf(await readDeployment(namespace, "api"))).toBe(good.pinned);
    const caughtUp = await functions.reconcile();
    expect(caughtUp.deployments).toEqual([expect.objectContaining({ name: "api", action: "skipped" })]);
    expect(imageOf(await readDeployment(namespace, "api"))).toBe(good.pinned);
  });
});

describe("a rollout that outlives its invocation", () => {
  let namespace: string;

  beforeAll(async () => {
    namespace = await testNamespace("handover");
  });

  it("is left in flight on the Deployment and finished (here: rolled back) by the reconciler", async () => {
    const quick = await localFunctions([namespace], { ROLLOUT_WAIT_SECONDS: "1" });
    // one stage: both invocations share its state table
    const patient = await localFunctions([namespace], {
      ROLLOUT_WAIT_SECONDS: "60",
      STATE_TABLE_NAME: quick.stateTable,
    });
    try {
      const repositoryName = uniqueName("api");
      const good = await pushImage(repositoryName, "1.0.0");
      await createDeployment(namespace, "api", { image: good.pinned, progressDeadlineSeconds: 4 });
      await afterNextPushSecond();
      const stuck = await pushImage(repositoryName, "2.0.0-never-ready");

      const handedOver = await quick.onImagePush(pushEvent(stuck));
      expect(handedOver.deployments).toEqual([
        expect.objectContaining({ action: "patched", outcome: "in_progress" }),
      ]);
      expect(
        readLedger((await readDeployment(namespace, "api")).metadata?.annotations ?? {}).rollout,
      ).toMatchObject({
        phase: "progressing",
        digest: stuck.digest,
      });
      expect(quick.notifications()).toEqual([]);

      const reconciled = await patient.reconcile();
      expect(reconciled.deployments).toEqual([
        expect.objectContaining({ name: "api", action: "finished", outcome: "rolled_back" }),
      ]);
      const after = await readDeployment(namespace, "api");
      expect(imageOf(after)).toBe(good.pinned);
      expect(readLedger(after.metadata?.annotations ?? {}).quarantined).toEqual([stuck.digest]);
      expect(patient.notifications()).toEqual(["rollout.rolled_back"]);
    } finally {
      await quick.close();
      await patient.close();
    }
  });
});
