// The reports as the HTTP layer sees them: each one a fresh-enough, already serialized body.
import type { Pool } from "pg";
import { type JsonBody, jsonBody } from "./body.js";
import { type DailyUsageRow, dailyUsageJson, userVisitsJson } from "./format.js";
import { FreshCache, type GetOptions } from "./freshCache.js";
import { currentSnapshot, queryDailyUsage, queryUserVisits } from "./queries.js";

export interface DailyUsageSnapshot {
  rows: DailyUsageRow[];
  body: JsonBody;
}

export interface Reports {
  dailyUsage(options?: GetOptions): Promise<DailyUsageSnapshot>;
  userVisits(options?: GetOptions): Promise<JsonBody>;
  /** Stops the keep-warm refreshes (shutdown, before the pool closes). */
  close(): void;
}

/**
 * How long a report is kept fresh by a timer after it was last asked for (see FreshCache): a
 * client polling a report, or traffic with pauses, never waits for a query; a report nobody
 * reads costs the database nothing once this has passed.
 */
export const KEEP_WARM_MS = 5 * 60_000;

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

/**
 * Runs the jobs it wraps one at a time, in arrival order. The two report queries each keep a
 * PostgreSQL backend busy for 0.2-0.7 s at 1M tokens under load; on a small machine running both
 * at once also takes the CPU the event loop needs to serve the cached bodies (measured: event-loop
 * stalls of 80-110 ms while both ran, under 30 ms with one at a time).
 */
function oneAtATime(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (job) => {
    const run = tail.then(job);
    tail = run.catch(() => {});
    return run;
  };
}

export function createReports(
  db: Pool,
  freshnessSeconds: number,
  onBackgroundError: (error: unknown) => void,
): Reports {
  const boundMs = freshnessSeconds * 1000;
  // A value's age counts from before it queued here, so the wait only makes it look older.
  const exclusive = oneAtATime();
  const dailyUsage = new FreshCache(
    unlessUnchanged(db, () =>
      exclusive(async () => {
        const rows = await queryDailyUsage(db);
        return { rows, body: await jsonBody(dailyUsageJson(rows)) };
      }),
    ),
    boundMs,
    onBackgroundError,
    undefined,
    KEEP_WARM_MS,
  );
  const userVisits = new FreshCache(
    unlessUnchanged(db, () =>
      exclusive(async () => await jsonBody(await userVisitsJson(await queryUserVisits(db)))),
    ),
    boundMs,
    onBackgroundError,
    undefined,
    KEEP_WARM_MS,
  );
  return {
    dailyUsage: (options) => dailyUsage.get(options),
    userVisits: (options) => userVisits.get(options),
    close: () => {
      dailyUsage.close();
      userVisits.close();
    },
  };
}
