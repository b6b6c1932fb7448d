import {
  InvalidQueryError,
  isWholeRange,
  parseDayRange,
  rowsInRange,
} from "../../../../service/src/reports/dayRange.js";

const rows = [
  { day: "2026-01-05", visits: 1 },
  { day: "2026-01-06", visits: 2 },
  { day: "2026-01-07", visits: 3 },
];

describe("daily_usage day range", () => {
  it("is the whole report when neither bound is given; other parameters are ignored as Flask did", () => {
    const range = parseDayRange({ page: "2" });
    expect(isWholeRange(range)).toBe(true);
    expect(rowsInRange(rows, range)).toEqual(rows);
  });

  it("keeps the days between the inclusive bounds", () => {
    expect(rowsInRange(rows, parseDayRange({ from: "2026-01-06" })).map((row) => row.day)).toEqual([
      "2026-01-06",
      "2026-01-07",
    ]);
    expect(rowsInRange(rows, parseDayRange({ to: "2026-01-05" })).map((row) => row.day)).toEqual([
      "2026-01-05",
    ]);
    expect(rowsInRange(rows, parseDayRange({ from: "2026-01-06", to: "2026-01-06" }))).toEqual([
      { day: "2026-01-06", visits: 2 },
    ]);
  });

  it.each([
    [{ from: "2026-1-5" }, /'from' must be a calendar date YYYY-MM-DD, got '2026-1-5'/],
    [{ to: "2026-02-30" }, /'to' must be a calendar date/],
    [{ from: "yesterday" }, /'from' must be a calendar date/],
    [{ from: ["2026-01-05", "2026-01-06"] }, /'from' must be given once/],
    [{ from: "2026-01-07", to: "2026-01-05" }, /'from' \(2026-01-07\) is after 'to' \(2026-01-05\)/],
  ])("rejects %j with a message that says what is wrong", (query, message) => {
    expect(() => parseDayRange(query)).toThrow(InvalidQueryError);
    expect(() => parseDayRange(query)).toThrow(message);
  });
});
