// The reports' wire format, as the Flask service wrote it with jsonify: compact JSON, keys sorted
// (Flask < 2.3 sorted keys; Python sorts the integer user ids numerically and the ISO dates sort
// chronologically), a trailing newline, and datetimes as Python's str(datetime).
export interface DailyUsageRow {
  /** YYYY-MM-DD */
  day: string;
  visits: number;
}

export interface UserVisitsRow {
  userId: number;
  visits: number;
  /** to_char(joined_at, 'YYYY-MM-DD HH24:MI:SS.US'): always six fractional digits. */
  joinedAt: string;
}

const TIMESTAMP_US = /^(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{6})$/;

/** Python's str(datetime): `YYYY-MM-DD HH:MM:SS`, plus `.ffffff` only when the microseconds are not zero. */
export function pythonDatetime(timestampUs: string): string {
  const match = TIMESTAMP_US.exec(timestampUs);
  if (match === null) throw new RangeError(`not a finite timestamp with microseconds: ${timestampUs}`);
  const [, seconds, micros] = match;
  return micros === "000000" ? `${seconds}` : `${seconds}.${micros}`;
}

// Keys and values below are integers, ISO days and pythonDatetime output (digits, '-', ':', ' ',
// '.'): none needs JSON escaping, so the bodies are written directly; at 10,000 users this halves
// the time a refresh holds the event loop.
export function dailyUsageJson(rows: readonly DailyUsageRow[]): string {
  const sorted = [...rows].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return `{${sorted.map((row) => `"${row.day}":${row.visits}`).join(",")}}\n`;
}

/**
 * Serializes in slices of `slice` users and yields to the event loop between slices: at 10,000
 * users a single pass would hold every waiting request up for tens of milliseconds.
 */
export async function userVisitsJson(rows: readonly UserVisitsRow[], slice = 1000): Promise<string> {
  const sorted = [...rows].sort((a, b) => a.userId - b.userId);
  const parts: string[] = [];
  for (let start = 0; start < sorted.length; start += slice) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    // Keys inside each entry are sorted too: "joined_at" < "visits".
    for (const row of sorted.slice(start, start + slice)) {
      parts.push(`"${row.userId}":{"joined_at":"${pythonDatetime(row.joinedAt)}","visits":${row.visits}}`);
    }
  }
  return `{${parts.join(",")}}\n`;
}
