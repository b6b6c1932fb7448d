import {
  type Finding,
  MAX_SEVERITIES,
  type MaxSeverity,
  parseMaxSeverity,
  type SeverityCounts,
  scanVerdict,
  severityCounts,
  topFindings,
} from "../../../../functions/rollout/gates/scan.js";

describe("parseMaxSeverity", () => {
  it.each(MAX_SEVERITIES)("accepts %s", (value) => {
    expect(parseMaxSeverity(value)).toEqual({ valid: true, maxSeverity: value });
  });

  it("reads an absent annotation as no gate", () => {
    expect(parseMaxSeverity(undefined)).toEqual({ valid: true, maxSeverity: undefined });
  });

  it.each([
    ["high", ' (did you mean "HIGH"?)'],
    ["High", ' (did you mean "HIGH"?)'],
    [" HIGH", ' (did you mean "HIGH"?)'],
    ["CRITICAL\n", ' (did you mean "CRITICAL"?)'],
    ["none", ' (did you mean "NONE"?)'],
    ["", ""],
    ["SEVERE", ""],
    ["UNDEFINED", ""],
    ["UNTRIAGED", ""],
    ["HIGH,CRITICAL", ""],
    ["7.0", ""],
  ])("refuses %p, saying what it must be", (value, hint) => {
    expect(parseMaxSeverity(value)).toEqual({
      valid: false,
      problem: `must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, NONE, in uppercase${hint}`,
    });
  });
});

describe("scanVerdict", () => {
  const blocks = (max: MaxSeverity, counts: Partial<SeverityCounts>, unclassified = 0) =>
    !scanVerdict(max, counts, unclassified).pass;

  it.each<[MaxSeverity, Partial<SeverityCounts>, boolean]>([
    // at or above the threshold blocks, below passes
    ["CRITICAL", { CRITICAL: 1 }, true],
    ["CRITICAL", { HIGH: 40, MEDIUM: 90 }, false],
    ["HIGH", { CRITICAL: 1 }, true],
    ["HIGH", { HIGH: 2 }, true],
    ["HIGH", { MEDIUM: 5, LOW: 9, INFORMATIONAL: 3 }, false],
    ["MEDIUM", { MEDIUM: 1 }, true],
    ["MEDIUM", { LOW: 1 }, false],
    ["LOW", { LOW: 1 }, true],
    ["LOW", { INFORMATIONAL: 4 }, false],
    ["INFORMATIONAL", { INFORMATIONAL: 1 }, true],
    ["NONE", { INFORMATIONAL: 1 }, true],
    // no findings never block, zero counts are no findings
    ["NONE", {}, false],
    ["NONE", severityCounts(), false],
    ["HIGH", { CRITICAL: 0, HIGH: 0 }, false],
    // unknown severities count as LOW
    ["HIGH", { UNDEFINED: 12, UNTRIAGED: 3 }, false],
    ["MEDIUM", { UNDEFINED: 12, UNTRIAGED: 3 }, false],
    ["LOW", { UNDEFINED: 1 }, true],
    ["LOW", { UNTRIAGED: 1 }, true],
    ["INFORMATIONAL", { UNDEFINED: 1 }, true],
    ["NONE", { UNTRIAGED: 1 }, true],
  ])("under %s, %j blocks: %s", (max, counts, blocked) => {
    expect(blocks(max, counts)).toBe(blocked);
  });

  it("names the blocking severities, most severe first, and only those", () => {
    expect(scanVerdict("HIGH", { MEDIUM: 62, HIGH: 61, CRITICAL: 7, LOW: 3 })).toEqual({
      pass: false,
      blocking: { CRITICAL: 7, HIGH: 61 },
      reason: "scan found 7 CRITICAL, 61 HIGH: max-severity is HIGH",
    });
  });

  it("says when unknown severities block, and why", () => {
    expect(scanVerdict("LOW", { LOW: 1, UNDEFINED: 2, INFORMATIONAL: 5 })).toEqual({
      pass: false,
      blocking: { LOW: 1, UNDEFINED: 2 },
      reason: "scan found 1 LOW, 2 UNDEFINED: max-severity is LOW; findings of unknown severity count as LOW",
    });
  });

  it("says NONE allows no finding at all", () => {
    expect(scanVerdict("NONE", { INFORMATIONAL: 1 })).toEqual({
      pass: false,
      blocking: { INFORMATIONAL: 1 },
      reason: "scan found 1 INFORMATIONAL: no findings are allowed (max-severity NONE)",
    });
  });

  it("passes with nothing else to say", () => {
    expect(scanVerdict("CRITICAL", { HIGH: 3 })).toEqual({ pass: true });
  });

  describe("unclassified findings (LOW, INFORMATIONAL or UNTRIAGED: Inspector's event does not say)", () => {
    it.each<[MaxSeverity, boolean]>([
      ["CRITICAL", false],
      ["HIGH", false],
      ["MEDIUM", false],
      // one of them may be LOW: the gate fails closed
      ["LOW", true],
      ["INFORMATIONAL", true],
      ["NONE", true],
    ])("under %s, block: %s", (max, blocked) => {
      expect(blocks(max, {}, 28)).toBe(blocked);
    });

    it("are reported apart from the itemised counts", () => {
      expect(scanVerdict("LOW", { MEDIUM: 2 }, 28)).toEqual({
        pass: false,
        blocking: { MEDIUM: 2 },
        unclassified: 28,
        reason:
          "scan found 2 MEDIUM, 28 of unreported severity (LOW, INFORMATIONAL or UNTRIAGED): max-severity is LOW",
      });
    });

    it("are left out where they cannot block", () => {
      expect(scanVerdict("HIGH", { CRITICAL: 7, HIGH: 61, MEDIUM: 62 }, 28)).toEqual({
        pass: false,
        blocking: { CRITICAL: 7, HIGH: 61 },
        reason: "scan found 7 CRITICAL, 61 HIGH: max-severity is HIGH",
      });
    });
  });
});

describe("severityCounts", () => {
  it("has every severity, 0 unless named", () => {
    expect(severityCounts({ HIGH: 2 })).toEqual({
      CRITICAL: 0,
      HIGH: 2,
      MEDIUM: 0,
      LOW: 0,
      INFORMATIONAL: 0,
      UNDEFINED: 0,
      UNTRIAGED: 0,
    });
  });
});

describe("topFindings", () => {
  const findings: Finding[] = [
    {
      id: "CVE-2024-10000",
      package: "zlib",
      severity: "HIGH",
      link: "https://nvd.nist.gov/vuln/detail/CVE-2024-10000",
    },
    { id: "CVE-2023-1", severity: "INFORMATIONAL" },
    { id: "CVE-2024-9999", package: "openssl", severity: "HIGH" },
    { id: "CVE-2025-0001", package: "glibc", severity: "UNTRIAGED" },
    { id: "CVE-2022-7", package: "bash", severity: "LOW" },
    { id: "CVE-2021-3", package: "curl", severity: "UNDEFINED" },
    { id: "CVE-2024-5", package: "libssl3", severity: "CRITICAL" },
    { id: "CVE-2024-5", package: "libcrypto3", severity: "CRITICAL" },
    { id: "CVE-2020-2", package: "sed", severity: "MEDIUM" },
  ];

  it("sorts by severity, then id (numerically within), then package", () => {
    expect(
      topFindings(findings, 20).map((finding) => `${finding.severity} ${finding.id} ${finding.package}`),
    ).toEqual([
      "CRITICAL CVE-2024-5 libcrypto3",
      "CRITICAL CVE-2024-5 libssl3",
      "HIGH CVE-2024-9999 openssl",
      "HIGH CVE-2024-10000 zlib",
      "MEDIUM CVE-2020-2 sed",
      "LOW CVE-2022-7 bash",
      "UNTRIAGED CVE-2025-0001 glibc",
      "UNDEFINED CVE-2021-3 curl",
      "INFORMATIONAL CVE-2023-1 undefined",
    ]);
  });

  it("keeps each finding's id, package, severity and link", () => {
    expect(topFindings(findings, 4)[3]).toEqual({
      id: "CVE-2024-10000",
      package: "zlib",
      severity: "HIGH",
      link: "https://nvd.nist.gov/vuln/detail/CVE-2024-10000",
    });
  });

  it("returns at most n, and copies: the input is left as it was", () => {
    const before = structuredClone(findings);
    const top = topFindings(findings, 2);
    expect(top).toHaveLength(2);
    if (top[0]) top[0].id = "changed";
    expect(findings).toEqual(before);
    expect(topFindings(findings, 0)).toEqual([]);
    expect(topFindings([], 5)).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])("refuses n = %p", (n) => {
    expect(() => topFindings(findings, n)).toThrow(RangeError);
  });
});
