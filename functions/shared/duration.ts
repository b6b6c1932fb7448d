// Human durations for every message (rollouts, pipelines, the digest): "7m 30s", "2h 5m", "45s",
// "3d 4h". Two units at most: a phone notification has no room for more, and nobody acts on the
// seconds of a 3-day lead time.

const UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "unknown";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000) * 1000;
  const largest = UNITS.findIndex(([, size]) => seconds >= size);
  return UNITS.slice(largest, largest + 2)
    .map(([unit, size], index) => {
      const count =
        index === 0 ? Math.floor(seconds / size) : Math.floor((seconds % (UNITS[largest]?.[1] ?? 1)) / size);
      return count > 0 ? `${count}${unit}` : "";
    })
    .filter((part) => part !== "")
    .join(" ");
}

// ---- the duration annotations -------------------------------------------------------------
// Every annotation that takes a duration (approval-timeout, scan-timeout, …) reads it here, so
// one syntax holds everywhere: `<digits><unit>` groups, largest unit first, each unit at most
// once (`30m`, `24h`, `1h30m`, `2d`, `1d12h`). The length is capped before anything else is
// read, and a hand scanner (no backtracking) reads the rest, so any input, however hostile,
// costs a few passes over at most 32 characters. Readers of an annotation report
// `DurationSyntaxError.problem`, since their refusal quotes the value already.

/** How the syntax reads in documentation and in every refusal. */
export const DURATION_SYNTAX = "a duration like 30m, 24h or 1h30m (units d, h, m, s)";
/** Longer than any sensible duration (`999999d23h59m59s` is 16): the cap that keeps parsing cheap. */
export const MAX_DURATION_LENGTH = 32;
const MAX_DIGITS = 6;
/** How much of a bad value a message quotes. */
const QUOTED_LIMIT = 32;

/** A duration annotation that does not follow DURATION_SYNTAX; `problem` is the message without the value. */
export class DurationSyntaxError extends RangeError {
  constructor(
    readonly text: string,
    readonly problem: string,
  ) {
    const quoted = text.length > QUOTED_LIMIT ? `${text.slice(0, QUOTED_LIMIT)}…` : text;
    super(`${JSON.stringify(quoted)}: ${problem}`);
    this.name = "DurationSyntaxError";
  }
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const UNIT_ORDER = "dhms";

const isDigit = (char: string | undefined) => char !== undefined && char >= "0" && char <= "9";
const isLower = (char: string | undefined) => char !== undefined && char >= "a" && char <= "z";

/** The annotation spelling of a whole number of seconds: `5400000` → `1h30m`. */
function durationText(ms: number): string {
  let rest = ms;
  let text = "";
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit] ?? 1;
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) text += `${count}${unit}`;
  }
  return text;
}

/** `1.5h` → `1h30m` when the decimal is a whole number of seconds, so the refusal says what to write. */
function decimalHint(text: string): string {
  const match = /^([0-9]{1,6})[.,]([0-9]{1,6})([dhms])$/.exec(text);
  if (match) {
    const [, whole = "", fraction = "", unit = ""] = match;
    const unitSeconds = (UNIT_MS[unit] ?? 0) / 1000;
    const scale = 10 ** fraction.length;
    const fractionSeconds = Number(fraction) * unitSeconds;
    if (fractionSeconds % scale === 0) {
      const ms = (Number(whole) * unitSeconds + fractionSeconds / scale) * 1000;
      if (ms > 0) return `write ${durationText(ms)}`;
    }
  }
  return "write whole units, e.g. 1h30m";
}

/** `1H30M` → `write 1h30m` when that is a duration; the general syntax otherwise. */
function lowerCaseHint(text: string): string {
  const lower = text.toLowerCase();
  try {
    parseDuration(lower);
    return `write ${lower}`;
  } catch {
    return `write ${DURATION_SYNTAX}`;
  }
}

/**
 * The milliseconds of a duration annotation (see DURATION_SYNTAX): one or more `<digits><unit>`
 * groups, units from `d`, `h`, `m`, `s` in that order and each at most once, 1 to 6 digits each,
 * in lower case, with no space, sign or decimal point, longer than zero. Anything else throws a
 * DurationSyntaxError (a RangeError) saying what is wrong; callers apply their own bounds.
 */
export function parseDuration(text: string): number {
  const fail = (problem: string): never => {
    throw new DurationSyntaxError(text, problem);
  };
  if (text.length > MAX_DURATION_LENGTH) {
    fail(`is longer than ${MAX_DURATION_LENGTH} characters; write ${DURATION_SYNTAX}`);
  }
  if (text === "") fail(`is empty; write ${DURATION_SYNTAX}`);
  // The common mistakes first, each with its own message, before the general scan.
  if (/\s/.test(text)) fail("spaces are not allowed; write 1h30m, not 1h 30m");
  if (text.startsWith("-") || text.startsWith("+")) fail(`a sign is not allowed; write ${DURATION_SYNTAX}`);
  if (/[.,]/.test(text)) fail(`decimals are not allowed; ${decimalHint(text)}`);
  if (/[A-Z]/.test(text)) fail(`units are lower case; ${lowerCaseHint(text)}`);

  let total = 0;
  let lastRank = -1;
  let at = 0;
  while (at < text.length) {
    const digitsFrom = at;
    while (isDigit(text[at])) at++;
    const digits = text.slice(digitsFrom, at);
    const unitFrom = at;
    while (isLower(text[at])) at++;
    const unit = text.slice(unitFrom, at);
    if (digits === "" && unit === "")
      fail(`${JSON.stringify(text[at])} is not allowed; write ${DURATION_SYNTAX}`);
    if (digits === "") fail(`"${unit}" has no number before it; write ${DURATION_SYNTAX}`);
    if (digits.length > MAX_DIGITS) fail(`"${digits}" has more than ${MAX_DIGITS} digits; use a larger unit`);
    if (unit === "") {
      fail(
        at === text.length
          ? `${digits === text ? "a number" : `"${digits}"`} has no unit; write e.g. ${digits}s or ${digits}m (units d, h, m, s)`
          : `${JSON.stringify(text[at])} is not allowed; write ${DURATION_SYNTAX}`,
      );
    }
    const rank = unit.length === 1 ? UNIT_ORDER.indexOf(unit) : -1;
    if (rank < 0) {
      fail(
        unit === "ms"
          ? "milliseconds are not supported; the smallest unit is s"
          : `"${unit}" is not a unit; use d, h, m or s`,
      );
    }
    if (rank === lastRank) fail(`the unit "${unit}" appears twice; write each unit once`);
    if (rank < lastRank) {
      fail(`"${unit}" comes after "${UNIT_ORDER[lastRank]}"; write the units largest first (d, h, m, s)`);
    }
    lastRank = rank;
    total += Number(digits) * (UNIT_MS[unit] ?? 0);
  }
  if (total === 0) fail("must be longer than zero");
  return total;
}
