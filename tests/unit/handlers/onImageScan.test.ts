// onImageScan with small fakes (the in-memory apiserver, scan results in memory, ECR's findings as
// a function): which Deployments a scan concerns (those holding the digest at their scan gate, in
// the same registry and repository), that the result is recorded before any Deployment is read,
// and what the handler does with them: a clean scan rolls out, a blocking one blocks with the top
// findings ECR lists (best effort), and events it does not act on are ignored or rejected.
import { handleImageScan, waitingFor } from "../../../functions/handlers/onImageScan/handler.js";
import { composeOnImageScan, type OnImageScanRoot } from "../../../functions/handlers/onImageScan/wiring.js";
import { EcrScanFacts } from "../../../functions/provider/ecr/scanFacts.js";
import { RolloutExecutor } from "../../../functions/rollout/executor.js";
import { Fleet } from "../../../functions/rollout/fleet.js";
import type { PendingRecord } from "../../../functions/rollout/gates/evaluate.js";
import { severityCounts } from "../../../functions/rollout/gates/scan.js";
import { Annotation, encodePending, readLedger } from "../../../functions/rollout/ledger.js";
import type { ScanFindings, ScanReport } from "../../../functions/rollout/ports/scanFindings.js";
import { MemoryScanResults, type RecordedScan } from "../../../functions/rollout/ports/scanResults.js";
import { RolloutReporter } from "../../../functions/rollout/report.js";
import { parseImageScan, type ScanResult } from "../../../functions/trigger/imageScan.js";
import type { Notification } from "../../../functions/types/notification.js";
import { completes, InMemoryDeployments } from "../../fakes/inMemoryDeployments.js";
import { scanEvent } from "../../fixtures/events/scanEvents.js";
import { ACCOUNT, deployment, digest, REGISTRY, REPOSITORY } from "../rollout/deployments.js";
import { InMemoryQuarantine } from "../rollout/quarantineStores.js";

const SCANNED = digest("b");
const OTHER_ACCOUNT = "210987654321";

function pending(overrides: Partial<PendingRecord> = {}): PendingRecord {
  return {
    repository: REPOSITORY,
    tag: "1.1.0",
    digest: SCANNED,
    pushedAt: "2026-11-02T10:00:00.000Z",
    trigger: "push",
    since: new Date(Date.now() - 60_000).toISOString(),
    gate: "scan",
    scanDeadline: new Date(Date.now() + 30 * 60_000).toISOString(),
    approvals: [],
    ...overrides,
  };
}

/** A scan-gated Deployment named `name`, holding `held` on its ledger (or nothing). */
function gated(name: string, held?: PendingRecord, annotations: Record<string, string> = {}) {
  return deployment(
    { name },
    {
      [Annotation.maxSeverity]: "HIGH",
      ...(held ? { [Annotation.pending]: encodePending(held) } : {}),
      ...annotations,
    },
  );
}

/** The Deployments of every case: only `held` waits for the scan of `api@SCANNED`. */
function fleetOf(api: InMemoryDeployments) {
  api.put(gated("held", pending()));
  api.put(gated("other-digest", pending({ digest: digest("c") })));
  api.put(gated("at-freeze", pending({ gate: "freeze", until: "2026-11-03T00:00:00.000Z" })));
  api.put(
    gated("other-repository", pending({ repository: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web` })),
  );
  api.put(
    gated("other-account", pending({ repository: `${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api` })),
  );
  api.put(gated("other-region", pending({ repository: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api` })));
  api.put(gated("nothing-held"));
  api.put(gated("unreadable", undefined, { [Annotation.pending]: "{not json" }));
}

/** The "ECR Image Scan" event for `api@SCANNED`; `counts` absent = no findings. */
function scanOf(counts?: Record<string, number>, change: { account?: string; id?: string } = {}) {
  const event = scanEvent(counts ? "ecr-image-scan" : "ecr-image-scan-clean", {
    ...(change.id ? { id: change.id } : {}),
    digest: SCANNED,
    ...(counts ? { counts } : {}),
    detail: { "repository-name": "api", "image-tags": ["1.1.0"] },
  });
  if (change.account) event.account = change.account;
  return event;
}

const report = (overrides: Partial<ScanReport> = {}): ScanReport => ({
  status: "complete",
  registryStatus: "COMPLETE",
  counts: severityCounts({ CRITICAL: 1 }),
  topFindings: [{ id: "CVE-2023-4911", package: "glibc", severity: "CRITICAL" }],
  truncated: false,
  ...overrides,
});

function setup(options: { findings?: () => Promise<ScanReport> } = {}) {
  const base = composeOnImageScan({
    KUBECONFIG: "/nonexistent/kubeconfig",
    AWS_REGION: "us-east-1",
    REGISTRY_ACCOUNT_IDS: ACCOUNT,
    ROLLOUT_NAMESPACES: "coworking",
    ROLLOUT_WAIT_SECONDS: "5",
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
  });
  const steps: string[] = [];
  const api = new InMemoryDeployments("prod");
  api.controller = completes;
  fleetOf(api);
  const results = new MemoryScanResults();
  const scanResults = {
    record: async (result: RecordedScan) => {
      steps.push("record");
      await results.record(result);
    },
    get: (registryId: string, repositoryName: string, digestOf: string) =>
      results.get(registryId, repositoryName, digestOf),
  };
  const findingsAsked: string[] = [];
  const scanFindings = (registryId: string): ScanFindings => ({
    findings: async (repositoryName, digestOf) => {
      findingsAsked.push(`${registryId}/${repositoryName}@${digestOf}`);
      return (options.findings ?? (async () => report()))();
    },
  });
  const quarantine = new InMemoryQuarantine();
  const notifications: Notification[] = [];
  const fleet = new Fleet({
    apis: async () => {
      steps.push("list");
      return [api];
    },
    namespaces: { kind: "namespaces", names: ["coworking"] },
    concurrency: 1,
  });
  const executor = new RolloutExecutor({
    registry: () => ({ describeImage: async () => undefined, listImages: async () => [] }),
    logger: { info: () => undefined },
    ownRegistry: REGISTRY,
    quarantine,
    scans: new EcrScanFacts(scanResults, scanFindings),
  });
  const reporter = new RolloutReporter({
    metrics: base.metrics,
    notifier: {
      notify: async (notification) => {
        notifications.push(notification);
        return { delivered: ["test"], failed: [] };
      },
    },
    logger: base.logger,
    costReferenceInstanceType: "t3a.medium",
  });
  const root: OnImageScanRoot = {
    ...base,
    fleet,
    executor,
    reporter,
    quarantine,
    scanResults,
    scanFindings,
  };
  return { root, api, results, steps, findingsAsked, notifications, quarantine };
}

const imageOf = (api: InMemoryDeployments, name: string) =>
  api.read("coworking", name).containers.find((container) => container.name === "api")?.image;

describe("onImageScan: which Deployments a scan concerns", () => {
  it("only those holding the scanned digest at their scan gate, in the same registry, region and repository", async () => {
    const api = new InMemoryDeployments("prod");
    fleetOf(api);
    const members = (await api.listOptedIn("coworking")).map((state) => ({ api, deployment: state }));

    const waiting = waitingFor(parseImageScan(scanOf()) as ScanResult, members);

    expect(waiting.map(({ member }) => member.deployment.name)).toEqual(["held"]);
    expect(waiting[0]?.candidate).toEqual({
      account: ACCOUNT,
      region: "us-east-1",
      repositoryName: "api",
      tag: "1.1.0",
      digest: SCANNED,
      pushedAt: new Date("2026-11-02T10:00:00.000Z"),
      trigger: "push",
    });
  });
});

describe("onImageScan", () => {
  it("records the result before reading any Deployment, then rolls out the one a clean scan releases", async () => {
    const { root, api, results, steps, findingsAsked } = setup();
    const event = scanOf(undefined, { id: "11111111-2222-3333-4444-555555555555" });

    const result = await handleImageScan(root, event);

    expect(result).toMatchObject({
      outcome: "handled",
      eventId: "11111111-2222-3333-4444-555555555555",
      image: `api@${SCANNED}`,
      scan: "complete: no findings",
      deployments: [expect.objectContaining({ name: "held", action: "patched", outcome: "succeeded" })],
    });
    expect(steps.slice(0, 2)).toEqual(["record", "list"]);
    expect(await results.get(ACCOUNT, "api", SCANNED)).toMatchObject({
      source: "ecr-basic",
      at: new Date("2019-10-29T02:36:48Z"),
      fact: { status: "complete", counts: severityCounts(), topFindings: [], registryStatus: "COMPLETE" },
    });
    // No findings: nothing to ask ECR.
    expect(findingsAsked).toEqual([]);
    expect(imageOf(api, "held")).toBe(`${REPOSITORY}:1.1.0@${SCANNED}`);
    expect(readLedger(api.read("coworking", "held").annotations).pending).toBeUndefined();
    // The others are untouched.
    expect(imageOf(api, "other-digest")).not.toContain(SCANNED);
  });

  it("blocks on a finding at or above max-severity, with the top findings ECR lists, read once", async () => {
    const { root, api, results, findingsAsked, notifications, quarantine } = setup();

    const result = await handleImageScan(root, scanOf({ CRITICAL: 1 }));

    expect(result).toMatchObject({
      outcome: "handled",
      scan: "complete: 1 CRITICAL",
      deployments: [
        expect.objectContaining({
          name: "held",
          action: "blocked",
          reason: "scan found 1 CRITICAL: max-severity is HIGH",
        }),
      ],
    });
    expect(findingsAsked).toEqual([`${ACCOUNT}/api@${SCANNED}`]);
    expect((await results.get(ACCOUNT, "api", SCANNED))?.fact.topFindings).toEqual([
      { id: "CVE-2023-4911", package: "glibc", severity: "CRITICAL" },
    ]);
    expect(imageOf(api, "held")).not.toContain(SCANNED);
    expect(readLedger(api.read("coworking", "held").annotations).quarantined).toContain(SCANNED);
    expect(await quarantine.isQuarantined(ACCOUNT, "api", SCANNED)).toBe(true);
    const blocked = notifications.find((notification) => notification.event === "rollout.blocked");
    expect(blocked?.facts).toEqual(
      expect.arrayContaining([
        { label: "Findings", value: "1 CRITICAL" },
        { label: "CRITICAL", value: "CVE-2023-4911 in glibc" },
      ]),
    );
  });

  it("blocks on the event's counts alone when ECR cannot list the findings", async () => {
    const { root, results } = setup({
      findings: async () => {
        throw new Error("ecr:DescribeImageScanFindings: AccessDeniedException");
      },
    });

    const result = await handleImageScan(root, scanOf({ HIGH: 2 }));

    expect(result).toMatchObject({
      outcome: "handled",
      deployments: [expect.objectContaining({ name: "held", action: "blocked" })],
    });
    expect((await results.get(ACCOUNT, "api", SCANNED))?.fact).toMatchObject({
      status: "complete",
      counts: severityCounts({ HIGH: 2 }),
      topFindings: [],
    });
  });

  it("records a scan nobody waits for (its push may come later) and reports no Deployment", async () => {
    const { root, api, results } = setup();
    api.update("coworking", "held", (current) => ({
      annotations: {
        ...current.annotations,
        [Annotation.pending]: encodePending(pending({ digest: digest("d") })),
      },
    }));

    const result = await handleImageScan(root, scanOf());

    expect(result).toMatchObject({ outcome: "handled", deployments: [] });
    expect(await results.get(ACCOUNT, "api", SCANNED)).toBeDefined();
  });

  it("does not roll out a digest the stage quarantined since it was held", async () => {
    const { root, api, quarantine } = setup();
    await quarantine.quarantine({
      registryId: ACCOUNT,
      repositoryName: "api",
      digest: SCANNED,
      reason: "rolled back in another cluster",
      deployment: "staging/coworking/api",
      at: new Date(),
    });

    const result = await handleImageScan(root, scanOf());

    expect(result).toMatchObject({
      outcome: "handled",
      deployments: [
        expect.objectContaining({
          name: "held",
          action: "skipped",
          reason: expect.stringContaining("quarantined"),
        }),
      ],
    });
    expect(imageOf(api, "held")).not.toContain(SCANNED);
  });

  it("ignores a scan of another registry without recording it, and Inspector scans of other resources", async () => {
    const { root, steps } = setup();

    expect(await handleImageScan(root, scanOf(undefined, { account: OTHER_ACCOUNT }))).toMatchObject({
      outcome: "ignored",
      reason: `image is in ${OTHER_ACCOUNT}/us-east-1, outside the registries rolled out from`,
    });
    expect(await handleImageScan(root, scanEvent("inspector-scan-ec2-instance"))).toMatchObject({
      outcome: "ignored",
      reason: "Inspector2 Scan of a resource that is not an ECR image",
    });
    expect(steps).toEqual([]);
  });

  it("rejects a malformed event, naming the field", async () => {
    const { root, steps } = setup();
    const event = scanOf();
    event.detail["image-digest"] = "sha256:short";

    expect(await handleImageScan(root, event)).toMatchObject({
      outcome: "rejected",
      field: "detail.image-digest",
    });
    expect(steps).toEqual([]);
  });
});
