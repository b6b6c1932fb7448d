// The scan gate on the real harness, through the real handlers (onImagePush, onImageScan,
// reconcile), on a Deployment annotated `rollout.coworking.dev/max-severity: HIGH`:
// - a push is held until its scan is known; a scan event (built here in the documented shape)
//   then blocks it (a CRITICAL: image unchanged, digest quarantined on the ledger and for the
//   stage, rollout.blocked naming the counts and the top finding ECR lists) or rolls it out (clean);
// - a scan that arrives before its push is kept, and the push rolls out directly;
// - a scan whose event was lost is read from ECR by the reconciler (moto's configured findings);
// - a scan that never comes blocks at `scan-timeout` (1s here: a real wait, since it is the
//   timeout's own meaning), and a repository without scanning blocks at once, saying how to fix it.
// Each case has a namespace (and functions, and a state table) of its own, so one case's reconcile
// never plans another's Deployment.
import { randomUUID } from "node:crypto";
import { ECRClient } from "@aws-sdk/client-ecr";
import { handleImageScan } from "../../../functions/handlers/onImageScan/handler.js";
import { composeOnImageScan } from "../../../functions/handlers/onImageScan/wiring.js";
import { QuarantineTable } from "../../../functions/provider/dynamodb/quarantineTable.js";
import { ScanResultsTable } from "../../../functions/provider/dynamodb/scanResultsTable.js";
import { Annotation, readLedger } from "../../../functions/rollout/ledger.js";
import type { DeploymentReport } from "../../../functions/rollout/report.js";
import { scanEvent } from "../../fixtures/events/scanEvents.js";
import { harness } from "../../harness/env.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { type ScanSpec, scanWith } from "../../support/ecrScans.js";
import { stateTableClient } from "../../support/stateTable.js";
import {
  ACCOUNT,
  createDeployment,
  deleteTestNamespaces,
  imageOf,
  type LocalFunctions,
  localFunctions,
  type PushedImage,
  pushEvent,
  pushImage,
  REGION,
  readDeployment,
  testNamespace,
  uniqueName,
} from "./support.js";

const ecr = () => new ECRClient({ region: REGION, endpoint: harness().awsEndpoint });

interface ScanResultOf {
  outcome: "handled" | "ignored" | "rejected";
  reason?: string;
  eventId?: string;
  image?: string;
  scan?: string;
  deployments: DeploymentReport[];
}

interface ScanGated {
  namespace: string;
  functions: LocalFunctions;
  onImageScan(event: unknown): Promise<ScanResultOf>;
  running: PushedImage;
  pushed: PushedImage;
}

const opened: LocalFunctions[] = [];

/**
 * A namespace with one scan-gated Deployment `api` running 1.0.0, 1.1.0 pushed (not yet handled),
 * and the real functions: localFunctions' push and reconcile, and onImageScan composed here with
 * the same environment (kubeconfig, moto, state table, Slack receiver).
 */
async function scanGated(prefix: string, annotations: Record<string, string> = {}): Promise<ScanGated> {
  const namespace = await testNamespace(prefix);
  const functions = await localFunctions([namespace]);
  opened.push(functions);
  const scanRoot = composeOnImageScan(functions.env);
  const repositoryName = uniqueName(prefix);
  const running = await pushImage(repositoryName, "1.0.0");
  await createDeployment(namespace, "api", {
    image: running.pinned,
    annotations: { [Annotation.maxSeverity]: "HIGH", ...annotations },
  });
  await afterNextPushSecond();
  const pushed = await pushImage(repositoryName, "1.1.0");
  return {
    namespace,
    functions,
    onImageScan: async (event) => ({ deployments: [], ...(await handleImageScan(scanRoot, event)) }),
    running,
    pushed,
  };
}

/** The "ECR Image Scan" event ECR basic scanning sends for `image`: `counts` absent = no findings. */
function imageScanEvent(image: PushedImage, counts?: Record<string, number>) {
  const event = scanEvent(counts ? "ecr-image-scan" : "ecr-image-scan-clean", {
    id: randomUUID(),
    digest: image.digest,
    ...(counts ? { counts } : {}),
    detail: { "repository-name": image.repositoryName, "image-tags": [image.tag] },
  });
  event.time = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  event.resources = [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${image.repositoryName}`];
  return event;
}

async function ledgerOf(namespace: string) {
  return readLedger((await readDeployment(namespace, "api")).metadata?.annotations ?? {});
}

function quarantineTable(functions: LocalFunctions) {
  return new QuarantineTable(stateTableClient(), functions.stateTable);
}

/** The Slack payloads of one notification event, as text. */
function slackTexts(functions: LocalFunctions, event: string): string[] {
  return functions.slack.received
    .map((message) => JSON.stringify(message.payload))
    .filter((text) => text.includes(`\`${event}\``));
}

/** The push is handled and held at the scan gate: image untouched, the pending record on the ledger. */
async function pushHeld(gated: ScanGated): Promise<void> {
  const { namespace, functions, running, pushed } = gated;
  const result = await functions.onImagePush(pushEvent(pushed));
  expect(result.deployments).toEqual([
    expect.objectContaining({
      namespace,
      name: "api",
      action: "held",
      reason: expect.stringContaining("waiting for the image's scan"),
    }),
  ]);
  const held = await readDeployment(namespace, "api");
  expect(imageOf(held)).toBe(running.pinned);
  expect(readLedger(held.metadata?.annotations ?? {}).pending).toMatchObject({
    gate: "scan",
    digest: pushed.digest,
    trigger: "push",
  });
}

function reportOf(deployments: DeploymentReport[], action: DeploymentReport["action"]) {
  return deployments.filter((report) => report.name === "api" && report.action === action);
}

afterAll(async () => {
  await Promise.all(opened.splice(0).map((functions) => functions.close()));
  await deleteTestNamespaces();
});

describe("the scan gate on the harness", () => {
  it("a push waits for its scan; a scan event with a CRITICAL finding blocks it and quarantines the digest for the stage", async () => {
    const gated = await scanGated("scan-block");
    const { namespace, functions, running, pushed } = gated;
    await pushHeld(gated);
    expect(functions.notifications()).toEqual(["rollout.held"]);

    // What ECR lists for the image: the handler reads the top findings the event does not carry.
    await scanWith(ecr(), pushed.repositoryName, pushed.digest, {
      counts: { CRITICAL: 1 },
      findings: [
        {
          name: "CVE-2023-4911",
          severity: "CRITICAL",
          packageName: "glibc",
          uri: "https://security-tracker.debian.org/tracker/CVE-2023-4911",
        },
      ],
    });
    const event = imageScanEvent(pushed, { CRITICAL: 1 });
    const result = await gated.onImageScan(event);

    expect(result).toMatchObject({
      outcome: "handled",
      eventId: event.id,
      image: `${pushed.repositoryName}@${pushed.digest}`,
      scan: "complete: 1 CRITICAL",
    });
    expect(result.deployments).toEqual([
      expect.objectContaining({
        namespace,
        name: "api",
        action: "blocked",
        reason: "scan found 1 CRITICAL: max-severity is HIGH",
      }),
    ]);
    const blocked = await readDeployment(namespace, "api");
    expect(imageOf(blocked)).toBe(running.pinned);
    const ledger = readLedger(blocked.metadata?.annotations ?? {});
    expect(ledger.quarantined).toContain(pushed.digest);
    expect(ledger.pending).toBeUndefined();
    expect(await quarantineTable(functions).list(ACCOUNT, pushed.repositoryName)).toEqual([
      expect.objectContaining({
        digest: pushed.digest,
        reason: expect.stringContaining("scan found 1 CRITICAL"),
        deployment: expect.stringContaining(`${namespace}/api`),
      }),
    ]);
    expect(functions.notifications()).toEqual(["rollout.held", "rollout.blocked"]);
    const [message] = slackTexts(functions, "rollout.blocked");
    expect(message).toContain("1 CRITICAL");
    expect(message).toContain("CVE-2023-4911");

    // The same event delivered again: nothing waits for it any more; nothing written, nothing said.
    const again = await gated.onImageScan(event);
    expect(again).toMatchObject({ outcome: "handled", deployments: [] });
    expect(functions.notifications()).toEqual(["rollout.held", "rollout.blocked"]);
  });

  it("a push waits for its scan; a clean scan event rolls it out", async () => {
    const gated = await scanGated("scan-clean");
    const { namespace, functions, pushed } = gated;
    await pushHeld(gated);

    const result = await gated.onImageScan(imageScanEvent(pushed));

    expect(result.scan).toBe("complete: no findings");
    expect(result.deployments).toEqual([
      expect.objectContaining({ namespace, name: "api", action: "patched", outcome: "succeeded" }),
    ]);
    expect(imageOf(await readDeployment(namespace, "api"))).toBe(pushed.pinned);
    expect((await ledgerOf(namespace)).pending).toBeUndefined();
    expect(functions.notifications()).toEqual(["rollout.held", "rollout.succeeded"]);
  });

  it("a scan that arrives before its push is kept: the push rolls out directly", async () => {
    const gated = await scanGated("scan-first");
    const { namespace, functions, pushed } = gated;

    const scanned = await gated.onImageScan(imageScanEvent(pushed));
    expect(scanned).toMatchObject({ outcome: "handled", deployments: [] });
    expect(
      await new ScanResultsTable(stateTableClient(), functions.stateTable).get(
        ACCOUNT,
        pushed.repositoryName,
        pushed.digest,
      ),
    ).toMatchObject({
      source: "ecr-basic",
      fact: { status: "complete", registryStatus: "COMPLETE" },
    });

    const result = await functions.onImagePush(pushEvent(pushed));

    expect(result.deployments).toEqual([
      expect.objectContaining({ namespace, name: "api", action: "patched", outcome: "succeeded" }),
    ]);
    expect(imageOf(await readDeployment(namespace, "api"))).toBe(pushed.pinned);
    expect((await ledgerOf(namespace)).pending).toBeUndefined();
    expect(functions.notifications()).toEqual(["rollout.succeeded"]);
  });

  describe("a scan event that never arrives: the reconciler asks ECR", () => {
    async function lostEvent(prefix: string, scan: ScanSpec) {
      const gated = await scanGated(prefix);
      await pushHeld(gated);
      await scanWith(ecr(), gated.pushed.repositoryName, gated.pushed.digest, scan);
      return { gated, result: await gated.functions.reconcile() };
    }

    it("a clean scan releases the held push, and the registry's answer is recorded", async () => {
      const { gated, result } = await lostEvent("scan-lost-clean", { counts: {} });
      const { namespace, functions, pushed } = gated;

      expect(reportOf(result.deployments, "patched")).toEqual([
        expect.objectContaining({ namespace, outcome: "succeeded" }),
      ]);
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(pushed.pinned);
      expect((await ledgerOf(namespace)).pending).toBeUndefined();
      expect(
        await new ScanResultsTable(stateTableClient(), functions.stateTable).get(
          ACCOUNT,
          pushed.repositoryName,
          pushed.digest,
        ),
      ).toMatchObject({ source: "registry", fact: { status: "complete" } });
    });

    it("a HIGH finding blocks the held push and quarantines the digest for the stage", async () => {
      const { gated, result } = await lostEvent("scan-lost-high", {
        counts: { HIGH: 1 },
        findings: [{ name: "CVE-2024-6119", severity: "HIGH", packageName: "openssl" }],
      });
      const { namespace, functions, running, pushed } = gated;

      expect(reportOf(result.deployments, "blocked")).toEqual([
        expect.objectContaining({ namespace, reason: "scan found 1 HIGH: max-severity is HIGH" }),
      ]);
      expect(imageOf(await readDeployment(namespace, "api"))).toBe(running.pinned);
      expect((await ledgerOf(namespace)).quarantined).toContain(pushed.digest);
      expect(
        await quarantineTable(functions).isQuarantined(ACCOUNT, pushed.repositoryName, pushed.digest),
      ).toBe(true);
      expect(slackTexts(functions, "rollout.blocked").join("\n")).toContain("CVE-2024-6119");
    });
  });

  it("a scan that does not come within scan-timeout blocks the release (cause scan-timeout)", async () => {
    const gated = await scanGated("scan-timeout", { [Annotation.scanTimeout]: "1s" });
    const { namespace, functions, running, pushed } = gated;
    await pushHeld(gated);
    // Asked, ECR says the scan is still running: only the timeout can end the wait.
    await scanWith(ecr(), pushed.repositoryName, pushed.digest, { status: "IN_PROGRESS" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const result = await functions.reconcile();

    expect(reportOf(result.deployments, "blocked")).toEqual([
      expect.objectContaining({ namespace, reason: expect.stringContaining("(scan-timeout)") }),
    ]);
    expect(imageOf(await readDeployment(namespace, "api"))).toBe(running.pinned);
    const ledger = await ledgerOf(namespace);
    expect(ledger.quarantined).toContain(pushed.digest);
    expect(ledger.pending).toBeUndefined();
    // Not a finding: only this Deployment's ledger quarantines it, not the stage.
    expect(
      await quarantineTable(functions).isQuarantined(ACCOUNT, pushed.repositoryName, pushed.digest),
    ).toBe(false);
    expect(functions.notifications()).toEqual(["rollout.held", "rollout.blocked"]);
  });

  it("a repository without scanning blocks at once (scan-unsupported), naming the fix", async () => {
    const gated = await scanGated("scan-none");
    const { namespace, functions, running, pushed } = gated;
    await pushHeld(gated);

    // No scan was ever started for the image: ECR answers ScanNotFoundException.
    const result = await functions.reconcile();

    expect(reportOf(result.deployments, "blocked")).toEqual([
      expect.objectContaining({
        namespace,
        reason: expect.stringContaining("put-image-scanning-configuration"),
      }),
    ]);
    expect(imageOf(await readDeployment(namespace, "api"))).toBe(running.pinned);
    expect((await ledgerOf(namespace)).quarantined).toContain(pushed.digest);
    expect(slackTexts(functions, "rollout.blocked").join("\n")).toContain("SCAN_NOT_FOUND");
  });
});
