// Composition root of the analytics API: configuration, database (configured or embedded),
// reports, HTTP server, periodic report log, graceful shutdown.
import { createServer } from "node:http";
import { pino } from "pino";
import { describeTarget, readConfig, redactor, secretsIn } from "./config.js";
import { EmbeddedDatabaseError } from "./database/embeddedError.js";
import { createPool } from "./database/pool.js";
import { reportIndexStatements } from "./database/schema.js";
import { createApp } from "./http/app.js";
import { applyKeepAliveTimeouts } from "./http/keepAlive.js";
import { createReadinessCheck } from "./http/readiness.js";
import { installGracefulShutdown } from "./http/shutdown.js";
import { startReportLog } from "./reports/reportLog.js";
import { createReports } from "./reports/reports.js";

// Level "info" until the configuration (LOG_LEVEL included) is read and validated. Every line
// passes the redactor: whatever an error carries, the database password never reaches the log.
const logger = pino({
  base: { service: "coworking-analytics" },
  level: "info",
  hooks: { streamWrite: redactor(secretsIn(process.env)) },
});
// Node's own report of an uncaught error would print its properties (a URL's `input`, say)
// past the redactor; this one goes through it.
process.on("uncaughtException", (error) => {
  logger.fatal({ err: error }, "uncaught exception");
  process.exit(1);
});

async function main(): Promise<void> {
  const config = readConfig(process.env);
  logger.level = config.logLevel;
  const embedded =
    config.database === undefined
      ? await (await import("./database/embedded.js")).startEmbeddedDatabase(logger)
      : undefined;
  const target = config.database ?? embedded?.target;
  if (target === undefined) throw new Error("unreachable: no database target");
  logger.info({ database: describeTarget(target), embedded: embedded !== undefined }, "database");

  const pool = createPool(target, logger);
  const reports = createReports(pool, config.freshnessSeconds, (error) =>
    logger.warn({ err: error }, "background report refresh failed"),
  );
  let isShuttingDown = () => false;
  const app = createApp({
    reports,
    isReady: createReadinessCheck(pool),
    logger,
    isShuttingDown: () => isShuttingDown(),
  });
  const server = createServer(app);
  applyKeepAliveTimeouts(server, config.keepAliveTimeoutSeconds * 1000);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
    server.listen(config.port);
  });
  logger.info(
    {
      port: config.port,
      freshnessSeconds: config.freshnessSeconds,
      keepAliveTimeoutSeconds: config.keepAliveTimeoutSeconds,
    },
    "analytics API listening",
  );

  const stopReportLog = startReportLog(reports, config.reportLogIntervalSeconds, logger);
  isShuttingDown = installGracefulShutdown({
    server,
    graceMs: config.shutdownGraceSeconds * 1000,
    logger,
    release: [stopReportLog, () => reports.close(), () => pool.end(), () => embedded?.stop()],
    exit: (code) => process.exit(code),
  });
  void ensureReportIndexes(pool);
}

/** Builds the additive report indexes without blocking start-up; without them reports are correct, only slower. */
async function ensureReportIndexes(pool: ReturnType<typeof createPool>): Promise<void> {
  for (const statement of reportIndexStatements()) {
    try {
      await pool.query(statement);
    } catch (error) {
      // A read-only role (the Kubernetes deployment's) may not: the schema Job builds them there.
      if ((error as { code?: unknown }).code === "42501") {
        logger.info("report indexes are left to the schema owner: this database role may not create them");
        return;
      }
      logger.warn(
        { err: error, statement },
        "could not create a report index; reports stay correct but slower",
      );
    }
  }
}

main().catch((error: unknown) => {
  // The embedded database's own failures are one line, why and what to do; no stack, no secrets.
  if (error instanceof EmbeddedDatabaseError) logger.fatal(error.message);
  else logger.fatal({ err: error }, "analytics API failed to start");
  process.exit(1);
});
