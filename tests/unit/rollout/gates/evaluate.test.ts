// The gates' verdicts, pure: scan (block on findings, wait, time out, fail closed), approvals
// (distinct identities, expiry), freeze (hold until the window ends, or an approval overrides it),
// the order between them, and the records' clocks surviving re-planning.
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  DEFAULT_SCAN_TIMEOUT_MS,
  evaluateGates,
  type GateSettings,
  type PendingRecord,
  type ScanFact,
  samePending,
  withApproval,
} from "../../../../functions/rollout/gates/evaluate.js";
import { parseFreeze } from "../../../../functions/rollout/gates/freeze.js";
import { severityCounts } from "../../../../functions/rollout/gates/scan.js";

const NOW = new Date("2026-11-02T10:00:00.000Z"); // Monday 11:00 in Berlin
const later = (ms: number) => new Date(NOW.getTime() + ms);
const REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api";
const digest = (seed: string) => `sha256:${seed.repeat(64)}`;
const candidate = (seed = "b") => ({
  repository: REPOSITORY,
  tag: `1.${seed.charCodeAt(0)}.0`,
  digest: digest(seed),
  pushedAt: new Date("2026-11-02T09:59:00.000Z"),
  trigger: "push" as const,
});
const settings = (over: Partial<GateSettings> = {}): GateSettings => ({
  scanTimeoutMs: DEFAULT_SCAN_TIMEOUT_MS,
  approvals: 0,
  approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS,
  freezeOverride: false,
  ...over,
});
const clean: ScanFact = {
  status: "complete",
  counts: severityCounts(),
  topFindings: [],
  registryStatus: "COMPLETE",
};
const critical: ScanFact = {
  ...clean,
  counts: severityCounts({ CRITICAL: 2, HIGH: 1 }),
  topFindings: [{ id: "CVE-2026-1", package: "openssl", severity: "CRITICAL" }],
};
const ALICE = "arn:aws:iam::123456789012:role/alice";
const BOB = "slack:U0BOB";

function held(verdict: ReturnType<typeof evaluateGates>): PendingRecord {
  if (verdict.verdict !== "hold") throw new Error(`expected a hold, got ${verdict.verdict}`);
  return verdict.pending;
}

describe("evaluateGates", () => {
  it("no gate: go", () => {
    expect(evaluateGates(settings(), undefined, candidate(), { now: NOW })).toEqual({
      verdict: "go",
      approvals: [],
    });
  });

  describe("scan", () => {
    const scanGate = settings({ maxSeverity: "HIGH" });

    it("holds until the scan is known, then passes a clean one, remembering since when it waited", () => {
      const waiting = held(evaluateGates(scanGate, undefined, candidate(), { now: NOW }));
      expect(waiting).toMatchObject({
        gate: "scan",
        since: NOW.toISOString(),
        scanDeadline: later(DEFAULT_SCAN_TIMEOUT_MS).toISOString(),
      });
      expect(evaluateGates(scanGate, waiting, candidate(), { now: later(60_000), scan: clean })).toEqual({
        verdict: "go",
        approvals: [],
        heldSince: NOW.toISOString(),
        heldAt: "scan",
      });
    });

    it("blocks on a finding at or above the threshold, naming the counts", () => {
      const verdict = evaluateGates(scanGate, undefined, candidate(), { now: NOW, scan: critical });
      expect(verdict).toMatchObject({
        verdict: "block",
        cause: "scan",
        reason: expect.stringContaining("2 CRITICAL, 1 HIGH"),
      });
      expect(
        evaluateGates(settings({ maxSeverity: "CRITICAL" }), undefined, candidate(), {
          now: NOW,
          scan: { ...clean, counts: severityCounts({ HIGH: 3 }) },
        }).verdict,
      ).toBe("go");
    });

    it("blocks when no scan came within scan-timeout, and a scan still running counts as none", () => {
      const waiting = held(evaluateGates(scanGate, undefined, candidate(), { now: NOW }));
      const running: ScanFact = { ...clean, status: "in_progress", registryStatus: "IN_PROGRESS" };
      expect(
        evaluateGates(scanGate, waiting, candidate(), {
          now: later(DEFAULT_SCAN_TIMEOUT_MS - 1),
          scan: running,
        }).verdict,
      ).toBe("hold");
      expect(
        evaluateGates(scanGate, waiting, candidate(), { now: later(DEFAULT_SCAN_TIMEOUT_MS), scan: running }),
      ).toMatchObject({
        verdict: "block",
        cause: "scan-timeout",
      });
    });

    it("fails closed at once on a failed scan and on a repository that is not scanned, naming the fix", () => {
      const failed = evaluateGates(scanGate, undefined, candidate(), {
        now: NOW,
        scan: { ...clean, status: "failed", registryStatus: "FAILED" },
      });
      expect(failed).toMatchObject({ verdict: "block", cause: "scan-failed" });
      const unsupported = evaluateGates(scanGate, undefined, candidate(), {
        now: NOW,
        scan: { ...clean, status: "unsupported", registryStatus: "SCAN_NOT_FOUND" },
      });
      expect(unsupported).toMatchObject({
        verdict: "block",
        cause: "scan-unsupported",
        reason: expect.stringContaining("scanOnPush=true"),
      });
    });
  });

  describe("approvals", () => {
    const twoApprovers = settings({ approvals: 2 });

    it("holds until N distinct identities approved; the same identity twice counts once", () => {
      let pending = held(evaluateGates(twoApprovers, undefined, candidate(), { now: NOW }));
      expect(pending).toMatchObject({
        gate: "approval",
        approvals: [],
        approvalDeadline: later(DEFAULT_APPROVAL_TIMEOUT_MS).toISOString(),
      });
      pending = withApproval(pending, { by: ALICE, at: NOW.toISOString() });
      pending = withApproval(pending, { by: ALICE, at: later(1).toISOString() });
      expect(pending.approvals).toHaveLength(1);
      expect(
        held(evaluateGates(twoApprovers, pending, candidate(), { now: later(2) })).approvals,
      ).toHaveLength(1);
      pending = withApproval(pending, { by: BOB, at: later(3).toISOString() });
      expect(evaluateGates(twoApprovers, pending, candidate(), { now: later(4) })).toMatchObject({
        verdict: "go",
        approvals: [{ by: ALICE }, { by: BOB }],
      });
    });

    it("expires at approval-timeout: blocked, not rolled out", () => {
      const pending = held(evaluateGates(twoApprovers, undefined, candidate(), { now: NOW }));
      expect(
        evaluateGates(twoApprovers, pending, candidate(), { now: later(DEFAULT_APPROVAL_TIMEOUT_MS) }),
      ).toMatchObject({
        verdict: "block",
        cause: "expired",
        reason: expect.stringContaining("0 of 2 approvals"),
      });
    });

    it("a newer push supersedes the held one: new clock, no approvals carried over", () => {
      const pending = withApproval(
        held(evaluateGates(twoApprovers, undefined, candidate("b"), { now: NOW })),
        { by: ALICE, at: NOW.toISOString() },
      );
      const newer = held(evaluateGates(twoApprovers, pending, candidate("c"), { now: later(60_000) }));
      expect(newer).toMatchObject({
        digest: digest("c"),
        supersedes: digest("b"),
        approvals: [],
        since: later(60_000).toISOString(),
      });
    });
  });

  describe("freeze", () => {
    const frozen = settings({ freeze: parseFreeze("Mon 09:00-Mon 18:00 Europe/Berlin") });

    it("holds until the window ends, then goes", () => {
      const pending = held(evaluateGates(frozen, undefined, candidate(), { now: NOW }));
      expect(pending).toMatchObject({ gate: "freeze", until: "2026-11-02T17:00:00.000Z" });
      expect(
        evaluateGates(frozen, pending, candidate(), { now: new Date("2026-11-02T17:00:00.000Z") }).verdict,
      ).toBe("go");
    });

    it("an approval releases it early only with freeze-override: approval", () => {
      const approved = (over: Partial<GateSettings>) => {
        const gate = settings({ ...frozen, approvals: 1, ...over });
        const pending = withApproval(held(evaluateGates(gate, undefined, candidate(), { now: NOW })), {
          by: ALICE,
          at: NOW.toISOString(),
        });
        return evaluateGates(gate, pending, candidate(), { now: later(1) });
      };
      expect(approved({ freezeOverride: false })).toMatchObject({
        verdict: "hold",
        pending: { gate: "freeze" },
      });
      expect(approved({ freezeOverride: true })).toMatchObject({ verdict: "go", approvals: [{ by: ALICE }] });
    });
  });

  it("gates come in order: scan first, then approvals, then the freeze", () => {
    const all = settings({
      maxSeverity: "HIGH",
      approvals: 1,
      freeze: parseFreeze("Mon 09:00-Mon 18:00 Europe/Berlin"),
    });
    const first = held(evaluateGates(all, undefined, candidate(), { now: NOW }));
    expect(first.gate).toBe("scan");
    const second = held(evaluateGates(all, first, candidate(), { now: later(1), scan: clean }));
    expect(second.gate).toBe("approval");
    const third = held(
      evaluateGates(all, withApproval(second, { by: ALICE, at: later(2).toISOString() }), candidate(), {
        now: later(3),
        scan: clean,
      }),
    );
    expect(third.gate).toBe("freeze");
    expect(third.since).toBe(NOW.toISOString());
  });

  it("an unchanged hold is the same record, whatever the key order it was read back in", () => {
    const pending = held(evaluateGates(settings({ approvals: 1 }), undefined, candidate(), { now: NOW }));
    const reordered = JSON.parse(
      JSON.stringify(Object.fromEntries(Object.entries(pending).reverse())),
    ) as PendingRecord;
    expect(
      samePending(
        reordered,
        held(evaluateGates(settings({ approvals: 1 }), reordered, candidate(), { now: later(5) })),
      ),
    ).toBe(true);
  });
});
