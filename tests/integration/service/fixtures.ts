// A small hand-written data set whose reports are known exactly. It covers the formats the
// Flask service produced: joined_at at midnight, at a whole second (zero microseconds), with
// microseconds, and with microseconds that PostgreSQL prints shortened (.5 -> .500000); a user
// without tokens (absent from user_visits); unused tokens (counted in user_visits, not in
// daily_usage); a token used the day after it was created (counted on its creation day); user
// ids 9 and 10 (numeric, not string, order).
import type pg from "pg";

export const fixtureSql = `
INSERT INTO users (id, first_name, last_name, joined_at, is_active) VALUES
  (1, 'Ada', 'Lovelace', '2025-03-01 00:00:00', true),
  (2, 'Grace', 'Hopper', '2025-03-02 09:15:30', true),
  (3, 'Alan', 'Turing', '2025-03-03 10:20:30.123456', false),
  (9, 'Barbara', 'Liskov', '2025-03-04 11:00:00.5', true),
  (10, 'Ken', 'Thompson', '2025-03-05 23:59:59.999999', true),
  (11, 'Radia', 'Perlman', '2025-03-06 12:00:00', true);
SELECT setval(pg_get_serial_sequence('users', 'id'), 11);
INSERT INTO tokens (user_id, token, created_at, used_at) VALUES
  (1, 'AAAAAA', '2026-01-05 00:00:00', '2026-01-05 08:00:00'),
  (1, 'AAAAAB', '2026-01-05 23:59:59.999999', '2026-01-06 00:10:00'),
  (2, 'BBBBBA', '2026-01-06 12:00:00', NULL),
  (2, 'BBBBBB', '2026-01-06 13:00:00', '2026-01-06 13:05:00'),
  (3, 'CCCCCC', '2026-01-07 00:00:00', '2026-01-08 01:00:00'),
  (9, 'DDDDDD', '2026-01-07 10:00:00', NULL),
  (10, 'EEEEEE', '2026-01-08 09:00:00.000001', '2026-01-08 09:30:00');
`;

export const expectedDailyUsage = '{"2026-01-05":2,"2026-01-06":1,"2026-01-07":1,"2026-01-08":1}\n';

export const expectedUserVisits =
  '{"1":{"joined_at":"2025-03-01 00:00:00","visits":2},' +
  '"2":{"joined_at":"2025-03-02 09:15:30","visits":2},' +
  '"3":{"joined_at":"2025-03-03 10:20:30.123456","visits":1},' +
  '"9":{"joined_at":"2025-03-04 11:00:00.500000","visits":1},' +
  '"10":{"joined_at":"2025-03-05 23:59:59.999999","visits":1}}\n';

export async function loadFixture(pool: pg.Pool): Promise<void> {
  await pool.query(fixtureSql);
}

/** Polls until `check` returns a value or the time is up; returns the value and how long it took. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return { value, ms: performance.now() - started };
    if (performance.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How many of the service's queries are running (or waiting on a lock) right now. */
export async function activeServiceQueries(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ query: string }>(
    "SELECT query FROM pg_stat_activity WHERE application_name = 'coworking-analytics' AND state = 'active'",
  );
  return result.rows.map((row) => row.query);
}
