// The two report queries. Their meaning is the Flask service's; their shape lets PostgreSQL answer
// from indexes: daily_usage from the partial index on used tokens (sql/report-indexes.sql),
// user_visits by counting per user on the existing (user_id, token, used_at) index before joining
// the users. Timestamps are read as text with all six fractional digits, never as JS Dates, which
// would lose microseconds and apply the local time zone.
import type { Pool } from "pg";
import type { DailyUsageRow, UserVisitsRow } from "./format.js";

export async function queryDailyUsage(db: Pool): Promise<DailyUsageRow[]> {
  const result = await db.query<{ day: string; visits: string }>(
    `SELECT to_char(created_at::date, 'YYYY-MM-DD') AS day, count(*) AS visits
       FROM tokens
      WHERE used_at IS NOT NULL
      GROUP BY created_at::date`,
  );
  return result.rows.map((row) => ({ day: row.day, visits: Number(row.visits) }));
}

export async function queryUserVisits(db: Pool): Promise<UserVisitsRow[]> {
  const result = await db.query<{ user_id: number; visits: string; joined_at: string }>(
    `SELECT t.user_id, t.visits, to_char(u.joined_at, 'YYYY-MM-DD HH24:MI:SS.US') AS joined_at
       FROM (SELECT user_id, count(*) AS visits FROM tokens GROUP BY user_id) AS t
       JOIN users AS u ON u.id = t.user_id`,
  );
  return result.rows.map((row) => ({
    userId: row.user_id,
    visits: Number(row.visits),
    joinedAt: row.joined_at,
  }));
}

/**
 * The database's current MVCC snapshot (xmin:xmax:in-progress list). Two equal snapshots see the
 * same committed data: any commit in between moves xmax or changes the in-progress list. So an
 * unchanged snapshot proves a report computed since then is still exact, for the price of a
 * query that reads no table.
 */
export async function currentSnapshot(db: Pool): Promise<string> {
  const result = await db.query<{ snapshot: string }>("SELECT pg_current_snapshot()::text AS snapshot");
  return result.rows[0]?.snapshot ?? "";
}

/** The readiness probe's query, the one the Flask service ran. */
export async function countTokens(db: Pool): Promise<number> {
  const result = await db.query<{ count: string }>("SELECT COUNT(*) AS count FROM tokens");
  return Number(result.rows[0]?.count);
}
