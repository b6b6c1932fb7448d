// The optional `from` / `to` filter of daily_usage (an extension; without it the report is the
// Flask one). Both are inclusive calendar days, YYYY-MM-DD. Parsing is strict: anything else is a
// 400 with a message that says what was wrong.
import type { DailyUsageRow } from "./format.js";

export interface DayRange {
  from: string | undefined;
  to: string | undefined;
}

export class InvalidQueryError extends Error {}

const DAY = /^\d{4}-\d\d-\d\d$/;

function parseDay(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new InvalidQueryError(`query parameter '${name}' must be given once`);
  const date = new Date(`${value}T00:00:00Z`);
  if (!DAY.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new InvalidQueryError(
      `query parameter '${name}' must be a calendar date YYYY-MM-DD, got '${value}'`,
    );
  }
  return value;
}

export function parseDayRange(query: Record<string, unknown>): DayRange {
  const range = { from: parseDay("from", query.from), to: parseDay("to", query.to) };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    throw new InvalidQueryError(`'from' (${range.from}) is after 'to' (${range.to})`);
  }
  return range;
}

export function isWholeRange(range: DayRange): boolean {
  return range.from === undefined && range.to === undefined;
}

export function rowsInRange(rows: readonly DailyUsageRow[], range: DayRange): DailyUsageRow[] {
  return rows.filter(
    (row) =>
      (range.from === undefined || row.day >= range.from) && (range.to === undefined || row.day <= range.to),
  );
}
