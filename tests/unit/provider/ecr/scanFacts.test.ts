// EcrScanFacts with fakes: the recorded result answers first; the registry only when the caller
// allows it (the reconciler), a complete scan it reports is recorded and the others are not; an
// image or repository ECR no longer has cannot be scanned (IMAGE_NOT_FOUND); any other failure is
// the caller's to report, never "no scan yet".
import { EcrScanFacts } from "../../../../functions/provider/ecr/scanFacts.js";
import type { ScanFact } from "../../../../functions/rollout/gates/evaluate.js";
import { severityCounts } from "../../../../functions/rollout/gates/scan.js";
import type { ScanFindings, ScanReport } from "../../../../functions/rollout/ports/scanFindings.js";
import { MemoryScanResults } from "../../../../functions/rollout/ports/scanResults.js";
import { NotFoundError, ThrottledError } from "../../../../functions/types/errors.js";

const ACCOUNT = "123456789012";
const DIGEST = `sha256:${"b".repeat(64)}`;
const NOW = Date.parse("2026-11-02T12:00:00.000Z");

const recordedFact: ScanFact = {
  status: "complete",
  counts: severityCounts({ LOW: 2 }),
  topFindings: [],
  registryStatus: "COMPLETE",
};

function report(overrides: Partial<ScanReport> = {}): ScanReport {
  return {
    status: "complete",
    registryStatus: "COMPLETE",
    counts: severityCounts({ HIGH: 1 }),
    topFindings: [{ id: "CVE-2024-6119", package: "openssl", severity: "HIGH" }],
    truncated: false,
    completedAt: new Date("2026-11-02T11:00:00.000Z"),
    ...overrides,
  };
}

function setup(answer: () => Promise<ScanReport>) {
  const results = new MemoryScanResults();
  const asked: string[] = [];
  const warnings: string[] = [];
  const registry = (registryId: string): ScanFindings => ({
    findings: async (repositoryName, digest) => {
      asked.push(`${registryId}/${repositoryName}@${digest}`);
      return answer();
    },
  });
  const facts = new EcrScanFacts(results, registry, {
    now: () => NOW,
    logger: { warn: (message: string) => void warnings.push(message) },
  });
  return { results, asked, warnings, facts };
}

describe("EcrScanFacts", () => {
  it("answers from the recorded result, without asking the registry even when allowed", async () => {
    const { results, asked, facts } = setup(async () => report());
    await results.record({
      registryId: ACCOUNT,
      repositoryName: "api",
      digest: DIGEST,
      fact: recordedFact,
      at: new Date(NOW),
      source: "ecr-basic",
    });

    expect(await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true })).toEqual(recordedFact);
    expect(asked).toEqual([]);
  });

  it("knows no scan without a recorded one unless the registry may be asked", async () => {
    const { asked, facts } = setup(async () => report());
    expect(await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: false })).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("asks the registry and records a complete scan (at its completion time), so the next plan reads the table", async () => {
    const { results, asked, facts } = setup(async () => report());

    const fact = await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true });

    expect(fact).toEqual({
      status: "complete",
      counts: severityCounts({ HIGH: 1 }),
      topFindings: [{ id: "CVE-2024-6119", package: "openssl", severity: "HIGH" }],
      registryStatus: "COMPLETE",
    });
    expect(asked).toEqual([`${ACCOUNT}/api@${DIGEST}`]);
    expect(await results.get(ACCOUNT, "api", DIGEST)).toEqual({
      registryId: ACCOUNT,
      repositoryName: "api",
      digest: DIGEST,
      fact,
      at: new Date("2026-11-02T11:00:00.000Z"),
      source: "registry",
    });
    await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true });
    expect(asked).toHaveLength(1);
  });

  it.each([
    ["in_progress", "IN_PROGRESS"],
    ["failed", "FAILED"],
    ["unsupported", "SCAN_NOT_FOUND"],
  ] as const)("does not record a scan that is %s: it may still change", async (status, registryStatus) => {
    const { results, facts } = setup(async () =>
      report({ status, registryStatus, counts: severityCounts(), topFindings: [], description: "said ECR" }),
    );

    expect(await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true })).toEqual({
      status,
      counts: severityCounts(),
      topFindings: [],
      registryStatus,
      description: "said ECR",
    });
    expect(await results.get(ACCOUNT, "api", DIGEST)).toBeUndefined();
  });

  it("takes an image or repository ECR no longer has for one that can never be scanned", async () => {
    const { facts } = setup(async () => {
      throw new NotFoundError(
        `image ${DIGEST} is not in ECR repository api (ecr:DescribeImageScanFindings: ImageNotFoundException)`,
      );
    });

    expect(await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true })).toEqual({
      status: "unsupported",
      counts: severityCounts(),
      topFindings: [],
      registryStatus: "IMAGE_NOT_FOUND",
      description: expect.stringContaining("ImageNotFoundException"),
    });
  });

  it("lets any other failure through: the Deployment's error, never taken for no scan", async () => {
    const throttled = new ThrottledError(
      "ecr:DescribeImageScanFindings on api: throttled (ThrottlingException)",
    );
    const { facts } = setup(async () => {
      throw throttled;
    });
    await expect(facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true })).rejects.toBe(throttled);
  });

  it("still answers what the registry said when it cannot be recorded, and says so", async () => {
    const { results, warnings, facts } = setup(async () => report({ completedAt: undefined }));
    results.record = async () => {
      throw new Error("dynamodb:PutItem on state: throttled");
    };

    expect(await facts.scanOf(ACCOUNT, "api", DIGEST, { askRegistry: true })).toMatchObject({
      status: "complete",
    });
    expect(warnings).toEqual(["scan result not recorded; the next plan asks the registry again"]);
  });
});
