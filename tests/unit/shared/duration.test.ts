import {
  DURATION_SYNTAX,
  DurationSyntaxError,
  formatDuration,
  MAX_DURATION_LENGTH,
  parseDuration,
} from "../../../functions/shared/duration.js";

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [450, "450ms"],
    [45_000, "45s"],
    [445_000, "7m 25s"],
    [420_000, "7m"],
    [7_500_000, "2h 5m"],
    [3_600_000, "1h"],
    [3_601_000, "1h"],
    [273_600_000, "3d 4h"],
    [-1, "unknown"],
    [Number.NaN, "unknown"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

function errorOf(text: string): DurationSyntaxError {
  try {
    parseDuration(text);
  } catch (error) {
    if (error instanceof DurationSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parseDuration", () => {
  it.each([
    ["30m", 30 * 60_000],
    ["24h", 24 * 3_600_000],
    ["1h30m", 90 * 60_000],
    ["90s", 90_000],
    ["2d", 2 * 86_400_000],
    ["1d12h", 36 * 3_600_000],
    ["1d2h3m4s", 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4000],
    ["1s", 1000],
    ["05m", 5 * 60_000],
    ["0h30m", 30 * 60_000],
    ["999999d", 999_999 * 86_400_000],
    ["999999d23h59m59s", 999_999 * 86_400_000 + 86_399_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ["", `is empty; write ${DURATION_SYNTAX}`],
    [" 1h", "spaces are not allowed; write 1h30m, not 1h 30m"],
    ["1h ", "spaces are not allowed; write 1h30m, not 1h 30m"],
    ["1h 30m", "spaces are not allowed; write 1h30m, not 1h 30m"],
    ["-5m", `a sign is not allowed; write ${DURATION_SYNTAX}`],
    ["+5m", `a sign is not allowed; write ${DURATION_SYNTAX}`],
    ["1.5h", "decimals are not allowed; write 1h30m"],
    ["0.5d", "decimals are not allowed; write 12h"],
    ["2,5m", "decimals are not allowed; write 2m30s"],
    ["1.1s", "decimals are not allowed; write whole units, e.g. 1h30m"],
    ["1h.5m", "decimals are not allowed; write whole units, e.g. 1h30m"],
    ["1H", "units are lower case; write 1h"],
    ["1H30M", "units are lower case; write 1h30m"],
    ["PT1H", `units are lower case; write ${DURATION_SYNTAX}`],
    ["30", "a number has no unit; write e.g. 30s or 30m (units d, h, m, s)"],
    ["1h30", '"30" has no unit; write e.g. 30s or 30m (units d, h, m, s)'],
    ["h", `"h" has no number before it; write ${DURATION_SYNTAX}`],
    ["1h_", `"_" is not allowed; write ${DURATION_SYNTAX}`],
    ["1_000s", `"_" is not allowed; write ${DURATION_SYNTAX}`],
    ["1h-30m", `"-" is not allowed; write ${DURATION_SYNTAX}`],
    ["1ms", "milliseconds are not supported; the smallest unit is s"],
    ["5min", '"min" is not a unit; use d, h, m or s'],
    ["2w", '"w" is not a unit; use d, h, m or s'],
    ["1hm", '"hm" is not a unit; use d, h, m or s'],
    ["1h1h", 'the unit "h" appears twice; write each unit once'],
    ["30m1h", '"h" comes after "m"; write the units largest first (d, h, m, s)'],
    ["1s1d", '"d" comes after "s"; write the units largest first (d, h, m, s)'],
    ["1234567s", '"1234567" has more than 6 digits; use a larger unit'],
    ["0s", "must be longer than zero"],
    ["0d0h0m0s", "must be longer than zero"],
    ["1h\u0000", `"\\u0000" is not allowed; write ${DURATION_SYNTAX}`],
  ])("refuses %p: %s", (text, problem) => {
    const error = errorOf(text);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.problem).toBe(problem);
    expect(error.text).toBe(text);
    expect(error.message).toBe(`${JSON.stringify(text)}: ${problem}`);
  });

  it("caps the length before reading anything, and quotes only the start of a long value", () => {
    expect(errorOf(`${"1".repeat(MAX_DURATION_LENGTH)}s`).problem).toBe(
      `is longer than ${MAX_DURATION_LENGTH} characters; write ${DURATION_SYNTAX}`,
    );
    const hostile = `${"9".repeat(100_000)}s`;
    const error = errorOf(hostile);
    expect(error.message).toBe(
      `"${"9".repeat(32)}…": is longer than ${MAX_DURATION_LENGTH} characters; write ${DURATION_SYNTAX}`,
    );
    expect(() => parseDuration("1h".repeat(50_000))).toThrow(RangeError);
  });
});
