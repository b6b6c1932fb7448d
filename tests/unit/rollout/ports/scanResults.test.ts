// MemoryScanResults keeps the rule the table keeps: of two results for one digest, the later scan
// stays whatever order they arrive in; repositories and registries apart; copies, never shared
// objects.
import type { ScanFact } from "../../../../functions/rollout/gates/evaluate.js";
import { severityCounts } from "../../../../functions/rollout/gates/scan.js";
import { MemoryScanResults, type RecordedScan } from "../../../../functions/rollout/ports/scanResults.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const fact = (counts = {}): ScanFact => ({
  status: "complete",
  counts: severityCounts(counts),
  topFindings: [],
  registryStatus: "COMPLETE",
});

function result(at: string, overrides: Partial<RecordedScan> = {}): RecordedScan {
  return {
    registryId: "123456789012",
    repositoryName: "api",
    digest: DIGEST,
    fact: fact(),
    at: new Date(at),
    source: "ecr-basic",
    ...overrides,
  };
}

describe("MemoryScanResults", () => {
  it("keeps the later scan whatever order the results arrive in, and the first of two at the same time", async () => {
    const results = new MemoryScanResults();
    const older = result("2026-11-02T10:00:00Z", { fact: fact({ HIGH: 1 }) });
    const newer = result("2026-11-02T10:05:00Z", { source: "inspector" });

    await results.record(newer);
    await results.record(older);
    expect(await results.get("123456789012", "api", DIGEST)).toEqual(newer);

    await results.record({ ...newer, fact: fact({ CRITICAL: 1 }) });
    expect(await results.get("123456789012", "api", DIGEST)).toEqual(newer);
  });

  it("keeps repositories and registries apart, and hands out copies", async () => {
    const results = new MemoryScanResults();
    await results.record(result("2026-11-02T10:00:00Z"));

    expect(await results.get("123456789012", "web", DIGEST)).toBeUndefined();
    expect(await results.get("210987654321", "api", DIGEST)).toBeUndefined();
    const read = await results.get("123456789012", "api", DIGEST);
    if (read) read.fact.counts.CRITICAL = 9;
    expect((await results.get("123456789012", "api", DIGEST))?.fact.counts.CRITICAL).toBe(0);
  });
});
