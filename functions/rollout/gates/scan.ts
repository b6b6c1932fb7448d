// The scan gate, pure: `rollout.coworking.dev/max-severity: HIGH` on a Deployment blocks a rollout
// of an image whose registry scan found anything at or above HIGH. What the registry reports comes
// in through the ScanFindings port (rollout/ports/scanFindings.ts) or a scan event
// (trigger/imageScan.ts); this file only decides.
//
// Severities, most severe first: CRITICAL > HIGH > MEDIUM > LOW > INFORMATIONAL. Two more say
// "severity unknown": UNDEFINED (ECR basic scanning: the vulnerability source gave none) and
// UNTRIAGED (Amazon Inspector: not scored yet). Both COUNT AS LOW. The reasoning:
// - an unknown severity is a real, known vulnerability, so it is at least as bad as the least
//   severity that asks for a fix (LOW), and never dismissed as INFORMATIONAL;
// - it is not evidence of a serious one, and counting it as HIGH would make the common settings
//   (HIGH, CRITICAL) block on noise: distributions leave many minor CVEs unrated, and every newly
//   published CVE is untriaged for a while;
// - so `max-severity: LOW` (and INFORMATIONAL, NONE) blocks on them, MEDIUM and above lets them
//   through, and they are still listed in the notification's top findings (after LOW).
// `NONE` blocks on any finding at all. With unknown severities counted as LOW, INFORMATIONAL and
// NONE block the same findings today; NONE is the spelling that says "no finding", whatever
// severities a scanner adds later.
//
// The annotation is strict, like every other setting: exactly one of the six uppercase words, no
// spaces, no other case ("high" is refused, with a hint), because a typo that silently meant
// "no gate" or "block everything" is worse than a refusal the operator sees.
//
// Amazon Inspector's scan event itemises only CRITICAL, HIGH and MEDIUM plus a TOTAL, so the
// findings it does not itemise (LOW, INFORMATIONAL or UNTRIAGED, it does not say which) arrive as
// `unclassified`. They block under INFORMATIONAL and NONE (each of the three would), never under
// MEDIUM and above (none of them would), and under LOW they block too: one of them may be LOW, and
// the gate fails closed. The registry's own counts (the ScanFindings port) itemise every severity
// and settle it.

export const SEVERITIES = [
  "CRITICAL",
  "HIGH",
  "MEDIUM",
  "LOW",
  "INFORMATIONAL",
  "UNDEFINED",
  "UNTRIAGED",
] as const;

export type Severity = (typeof SEVERITIES)[number];

/** Findings per severity; every severity present (0 when none). */
export type SeverityCounts = Record<Severity, number>;

/** What the annotation may say: block at or above this severity, or (NONE) on any finding. */
export const MAX_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "NONE"] as const;

export type MaxSeverity = (typeof MAX_SEVERITIES)[number];

/** Rank for blocking: higher is more severe. Unknown severities count as LOW (see the header). */
const BLOCKING_RANK: Record<Severity, number> = {
  CRITICAL: 5,
  HIGH: 4,
  MEDIUM: 3,
  LOW: 2,
  UNTRIAGED: 2,
  UNDEFINED: 2,
  INFORMATIONAL: 1,
};

/** The rank a finding must reach to block; NONE blocks anything (every rank is at least 1). */
const THRESHOLD_RANK: Record<MaxSeverity, number> = {
  CRITICAL: 5,
  HIGH: 4,
  MEDIUM: 3,
  LOW: 2,
  INFORMATIONAL: 1,
  NONE: 0,
};

/**
 * Display order of findings, most severe first: the unknown severities right after LOW (they
 * count as LOW), Inspector's untriaged ones first as the more recent kind.
 */
const DISPLAY_ORDER: Record<Severity, number> = {
  CRITICAL: 0,
  HIGH: 1,
  MEDIUM: 2,
  LOW: 3,
  UNTRIAGED: 4,
  UNDEFINED: 5,
  INFORMATIONAL: 6,
};

/** Every severity at 0, plus what `counts` names. */
export function severityCounts(counts: Partial<SeverityCounts> = {}): SeverityCounts {
  const all = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as SeverityCounts;
  for (const severity of SEVERITIES) all[severity] = counts[severity] ?? 0;
  return all;
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export type MaxSeverityReading =
  | { valid: true; maxSeverity: MaxSeverity | undefined }
  | { valid: false; problem: string };

/**
 * The `rollout.coworking.dev/max-severity` annotation: absent means no scan gate
 * (`maxSeverity: undefined`); present, it must be exactly one of MAX_SEVERITIES.
 */
export function parseMaxSeverity(value: string | undefined): MaxSeverityReading {
  if (value === undefined) return { valid: true, maxSeverity: undefined };
  if ((MAX_SEVERITIES as readonly string[]).includes(value)) {
    return { valid: true, maxSeverity: value as MaxSeverity };
  }
  const upper = value.trim().toUpperCase();
  const hint = (MAX_SEVERITIES as readonly string[]).includes(upper) ? ` (did you mean "${upper}"?)` : "";
  return { valid: false, problem: `must be one of ${MAX_SEVERITIES.join(", ")}, in uppercase${hint}` };
}

export type ScanVerdict =
  | { pass: true }
  | {
      pass: false;
      /** The blocking severities and their counts; only severities with at least one finding. */
      blocking: Partial<SeverityCounts>;
      /** Inspector event findings of unreported severity that block (see the header); absent when none. */
      unclassified?: number;
      reason: string;
    };

/**
 * Whether an image whose scan counted `counts` may roll out under `maxSeverity`. `unclassified`:
 * findings of unreported severity, LOW, INFORMATIONAL or UNTRIAGED (Inspector's scan event).
 */
export function scanVerdict(
  maxSeverity: MaxSeverity,
  counts: Partial<SeverityCounts>,
  unclassified = 0,
): ScanVerdict {
  const threshold = THRESHOLD_RANK[maxSeverity];
  const blocking: Partial<SeverityCounts> = {};
  for (const severity of [...SEVERITIES].sort((a, b) => DISPLAY_ORDER[a] - DISPLAY_ORDER[b])) {
    const count = counts[severity] ?? 0;
    if (count > 0 && BLOCKING_RANK[severity] >= threshold) blocking[severity] = count;
  }
  // Unclassified findings are LOW, INFORMATIONAL or UNTRIAGED (rank 2 or 1): at a threshold of
  // LOW or below at least one of them may block, so they do (fail closed).
  const unclassifiedBlocks = unclassified > 0 && threshold <= BLOCKING_RANK.LOW;
  const parts = Object.entries(blocking).map(([severity, count]) => `${count} ${severity}`);
  if (unclassifiedBlocks)
    parts.push(`${unclassified} of unreported severity (LOW, INFORMATIONAL or UNTRIAGED)`);
  if (parts.length === 0) return { pass: true };
  const limit =
    maxSeverity === "NONE" ? "no findings are allowed (max-severity NONE)" : `max-severity is ${maxSeverity}`;
  const unknownNote =
    blocking.UNDEFINED !== undefined || blocking.UNTRIAGED !== undefined
      ? "; findings of unknown severity count as LOW"
      : "";
  return {
    pass: false,
    blocking,
    ...(unclassifiedBlocks && { unclassified }),
    reason: `scan found ${parts.join(", ")}: ${limit}${unknownNote}`,
  };
}

export interface Finding {
  /** The vulnerability's id, e.g. CVE-2024-6119. */
  id: string;
  /** The vulnerable package, where the scanner names one. */
  package?: string;
  severity: Severity;
  /** Where to read about it. */
  link?: string;
}

// Numeric collation, so CVE-2024-9999 sorts before CVE-2024-10000; fixed locale, so every Lambda
// sorts alike.
const byId = new Intl.Collator("en", { numeric: true, sensitivity: "variant" });

/** The `n` most severe findings for a notification: by severity (display order), then by id. */
export function topFindings(findings: readonly Finding[], n: number): Finding[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  return [...findings]
    .sort(
      (a, b) =>
        DISPLAY_ORDER[a.severity] - DISPLAY_ORDER[b.severity] ||
        byId.compare(a.id, b.id) ||
        byId.compare(a.package ?? "", b.package ?? ""),
    )
    .slice(0, n)
    .map((finding) => ({ ...finding }));
}
