import pg from "pg";
import type { Logger } from "pino";
import { type DatabaseTarget, poolConfig } from "../config.js";

/**
 * The service's one connection pool. Small on purpose: the reports are single-flight, so a few
 * connections serve any load. Timeouts make a stopped or hung database fail requests quickly
 * instead of piling them up.
 */
export function createPool(target: DatabaseTarget, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    ...poolConfig(target),
    max: 4,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    application_name: "coworking-analytics",
  });
  // An idle connection dropped by the server (database restarted or stopped) is an event, not a
  // crash: the next query opens a new one.
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  return pool;
}
