// The reports as the HTTP layer sees them: each one a fresh-enough, already serialized body.
import type { Pool } from "pg";
import { type JsonBody, jsonBody } from "./body.js";
import { type DailyUsageRow, dailyUsageJson, userVisitsJson } from "./format.js";
import { FreshCache } from "./freshCache.js";
import { currentSnapshot, queryDailyUsage, queryUserVisits } from "./queries.js";

export interface DailyUsageSnapshot {
  rows: DailyUsageRow[];
  body: JsonBody;
}

export interface Reports {
  dailyUsage(): Promise<DailyUsageSnapshot>;
  userVisits(): Promise<JsonBody>;
}

/**
 * Runs `load` only when the database changed since the last load; otherwise returns the last result.
 * The snapshot is taken before the load, so the stored result is at least as new as its snapshot.
 */
function unlessUnchanged<T>(db: Pool, load: () => Promise<T>): () => Promise<T> {
  let last: { snapshot: string; value: T } | undefined;
  return async () => {
    const snapshot = await currentSnapshot(db);
    if (last !== undefined && last.snapshot === snapshot) return last.value;
    const value = await load();
    last = { snapshot, value };
    return value;
  };
}

export function createReports(
  db: Pool,
  freshnessSeconds: number,
  onBackgroundError: (error: unknown) => void,
): Reports {
  const boundMs = freshnessSeconds * 1000;
  const dailyUsage = new FreshCache(
    unlessUnchanged(db, async () => {
      const rows = await queryDailyUsage(db);
      return { rows, body: await jsonBody(dailyUsageJson(rows)) };
    }),
    boundMs,
    onBackgroundError,
  );
  const userVisits = new FreshCache(
    unlessUnchanged(db, async () => await jsonBody(await userVisitsJson(await queryUserVisits(db)))),
    boundMs,
    onBackgroundError,
  );
  return { dailyUsage: () => dailyUsage.get(), userVisits: () => userVisits.get() };
}
