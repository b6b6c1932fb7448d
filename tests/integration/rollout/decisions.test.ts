// The decision path on the harness, as an operator uses it: `npm run approve` in local mode (the
// CLI's main, in this process), which runs the real onDecision handler against the cluster and
// moto under the caller's STS identity. A push to a Deployment that asks for one approval is held;
// one approval rolls it out and the change-cause names the approver's ARN; a second approval rolls
// nothing out twice. A rejection quarantines the digest on the Deployment and leaves its image.
import { main } from "../../../functions/local/decisionCli.js";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import {
  ACCOUNT,
  createDeployment,
  deleteTestNamespaces,
  holdForApproval,
  imageOf,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
} from "./support.js";

/** The harness kubeconfig's cluster: what a target names in local mode. */
const CLUSTER = "harness";

afterAll(deleteTestNamespaces);

describe("decisions through `npm run approve` (local mode)", () => {
  let namespace: string;
  let functions: LocalFunctions;
  let env: Record<string, string | undefined>;
  let approver: string;

  beforeAll(async () => {
    namespace = await testNamespace("decide");
    functions = await localFunctions([namespace]);
    // What the CLI's local mode composes the handler with: the same environment as the handlers
    // the push went through (support.ts), so it shares their state table and Slack receiver.
    env = { ...functions.env, DECISION_URL: undefined };
    // moto's caller identity for the harness's credentials: who the CLI decides as.
    approver = `arn:aws:sts::${ACCOUNT}:user/moto`;
  });
  afterAll(async () => functions?.close());

  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, {
      env,
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
    });
    const stdout = out.join("");
    let result: { outcome?: string; decision?: { by?: string }; deployments?: Record<string, unknown>[] } =
      {};
    try {
      result = JSON.parse(stdout);
    } catch {
      // left empty: the assertions on `code` and stderr say what happened
    }
    return { code, stdout, stderr: err.join(""), result };
  }

  /** A Deployment asking for one approval, and a newer image pushed to it: the push is held. */
  async function heldRelease(name: string) {
    const { running, pushed } = await holdForApproval(functions, namespace, name);
    const held = await readDeployment(namespace, name);
    expect(imageOf(held)).toBe(running.pinned);
    expect(readLedger(held.metadata?.annotations ?? {}).pending).toMatchObject({
      gate: "approval",
      digest: pushed.digest,
    });
    return { running, pushed, target: `${CLUSTER}/${namespace}/${name}` };
  }

  it("approve: the held release rolls out, named after its approver; a second approval rolls out nothing", async () => {
    const { pushed, target } = await heldRelease("approved");

    const first = await cli(["approve", target, "--reason", "release review passed"]);

    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(first.result).toMatchObject({ outcome: "handled", decision: { by: approver } });
    expect(first.result.deployments).toEqual([
      expect.objectContaining({ cluster: CLUSTER, namespace, name: "approved", outcome: "succeeded" }),
    ]);
    const rolledOut = await readDeployment(namespace, "approved");
    expect(imageOf(rolledOut)).toBe(pushed.pinned);
    expect(rolledOut.metadata?.annotations?.[Annotation.changeCause]).toContain(approver);
    expect(readLedger(rolledOut.metadata?.annotations ?? {}).pending).toBeUndefined();

    const second = await cli(["approve", target]);

    expect(second.code).toBe(0);
    expect(second.result.deployments).toEqual([
      expect.objectContaining({
        name: "approved",
        action: "skipped",
        reason: expect.stringContaining("nothing is pending"),
      }),
    ]);
    const after = await readDeployment(namespace, "approved");
    expect(after.metadata?.generation).toBe(rolledOut.metadata?.generation);
    expect(imageOf(after)).toBe(pushed.pinned);
  });

  it("reject: the digest is quarantined on the Deployment and its image is left as it was", async () => {
    const { running, pushed, target } = await heldRelease("rejected");

    const rejected = await cli(["approve", target, "--reject", "--reason", "breaks the invoice export"]);

    expect(rejected.code).toBe(0);
    expect(rejected.result.deployments).toEqual([
      expect.objectContaining({ name: "rejected", action: "blocked" }),
    ]);
    const after = await readDeployment(namespace, "rejected");
    expect(imageOf(after)).toBe(running.pinned);
    const ledger = readLedger(after.metadata?.annotations ?? {});
    expect(ledger.quarantined).toContain(pushed.digest);
    expect(ledger.pending).toBeUndefined();
  });

  it("refuses a target that names no Deployment it manages, and a malformed one before anything runs", async () => {
    const missing = await cli(["approve", `${CLUSTER}/${namespace}/no-such-deployment`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("answer 404");
    const malformed = await cli(["approve", `${CLUSTER}/${namespace}`]);
    expect(malformed.code).toBe(2);
    expect(malformed.stdout).toBe("");
  });

  it("supersession and expiry: a newer push replaces the held release; unapproved by its deadline, it expires and is notified", async () => {
    const { running, pushed: first } = await holdForApproval(functions, namespace, "expiring", {
      [Annotation.approvalTimeout]: "2s",
    });
    await afterNextPushSecond();
    const second = await pushImage(first.repositoryName, "1.2.0");
    const sent = functions.slack.received.length;

    const superseding = await functions.onImagePush(pushEvent(second));

    expect(superseding.deployments.filter((line) => line.name === "expiring")).toEqual([
      expect.objectContaining({
        action: "held",
        reason: expect.stringContaining(`replacing the held ${first.digest.slice(7, 19)}`),
      }),
    ]);
    expect(
      readLedger((await readDeployment(namespace, "expiring")).metadata?.annotations ?? {}).pending,
    ).toMatchObject({
      digest: second.digest,
      supersedes: first.digest,
    });
    expect(functions.notifications().slice(sent)).toEqual(["rollout.held"]);

    // The approval timeout is the gate's own clock: a real 2 s wait, then the reconciler finds it expired.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const expired = await functions.reconcile();

    expect(expired.deployments.filter((line) => line.name === "expiring")).toEqual([
      expect.objectContaining({ action: "blocked", reason: expect.stringContaining("0 of 1 approvals") }),
    ]);
    const after = await readDeployment(namespace, "expiring");
    expect(imageOf(after)).toBe(running.pinned);
    expect(readLedger(after.metadata?.annotations ?? {})).toMatchObject({ quarantined: [second.digest] });
    expect(functions.notifications().slice(sent)).toEqual(["rollout.held", "rollout.blocked"]);
  });

  it("rollback: back to the known-good image now, held there until a newer push; unquarantine releases a quarantined digest", async () => {
    const repositoryName = uniqueName("manual");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "manual", {
      image: running.pinned,
      annotations: { [Annotation.bakeSeconds]: "0" },
    });
    await afterNextPushSecond();
    const bad = await pushImage(repositoryName, "1.1.0");
    await functions.onImagePush(pushEvent(bad));
    expect(imageOf(await readDeployment(namespace, "manual"))).toBe(bad.pinned);
    await functions.reconcile(); // the 0 s bake window is over: the release settles as succeeded

    const rolledBack = await cli([
      "rollback",
      `${CLUSTER}/${namespace}/manual`,
      "--reason",
      "5xx since 14:02",
      "--quarantine",
    ]);

    expect(rolledBack.code).toBe(0);
    expect(rolledBack.result.deployments).toEqual([
      expect.objectContaining({ name: "manual", action: "rolled_back" }),
    ]);
    const after = await readDeployment(namespace, "manual");
    expect(imageOf(after)).toBe(running.pinned);
    expect(after.metadata?.annotations?.[Annotation.changeCause]).toBe(
      `manual rollback of 1.1.0 (${bad.digest.slice(7, 19)}) by ${approver}: 5xx since 14:02`,
    );
    const caughtUp = await functions.reconcile();
    expect(
      caughtUp.deployments.filter((line) => line.name === "manual" && line.action === "patched"),
    ).toEqual([]);
    expect(imageOf(await readDeployment(namespace, "manual"))).toBe(running.pinned);

    const released = await cli([
      "unquarantine",
      `${repositoryName}@${bad.digest}`,
      "--reason",
      "false alarm",
    ]);

    expect(released.code).toBe(0);
    expect(released.result.deployments).toEqual([
      expect.objectContaining({
        action: "unquarantined",
        reason: expect.stringContaining(`${CLUSTER}/${namespace}/manual`),
      }),
    ]);
    expect(
      readLedger((await readDeployment(namespace, "manual")).metadata?.annotations ?? {}).quarantined,
    ).toEqual([]);
  });
});
