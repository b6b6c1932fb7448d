import type { Logger } from "pino";
import type { Reports } from "./reports.js";

/**
 * The Flask service logged the daily usage report every 30 s; this keeps that. It reads the cached
 * report, so it adds no query while requests keep the cache fresh. Returns the stopper.
 */
export function startReportLog(reports: Reports, intervalSeconds: number, logger: Logger): () => void {
  if (intervalSeconds === 0) return () => {};
  const timer = setInterval(() => {
    // Not demand: the log alone does not keep the report refreshing between its lines.
    reports.dailyUsage({ demand: false }).then(
      (snapshot) =>
        logger.info(
          { daily_usage: Object.fromEntries(snapshot.rows.map((row) => [row.day, row.visits])) },
          "daily usage report",
        ),
      (error: unknown) => logger.warn({ err: error }, "daily usage report failed"),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
