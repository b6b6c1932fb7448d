// The schema Job's commands, taken from the rendered dev overlay and run for real against an empty
// PostgreSQL database (kwok only simulates the Job's pod; this proves what the pod would do). The
// image layout is reproduced from service/scripts/bundle.ts (/app/dist/sql) and the Job's /sql
// emptyDir is a temporary folder. Run twice: the second run must succeed and change nothing.
// psql (the Job's client) is the pgserver wheel's, from the harness virtualenv.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { V1Container, V1Job } from "@kubernetes/client-node";
import pg from "pg";
import { harness } from "../../harness/env.js";
import { REPO_ROOT } from "../../harness/rbac.js";
import { postgresClient } from "../../harness/venv.js";
import { startTestDatabase, type TestDatabase } from "../service/postgres.js";
import { find, ManifestCopy, render } from "./kustomize.js";

const run = promisify(execFile);
const DATABASE = "schema_job";

let db: TestDatabase;
let work: string;
let schemaFiles: V1Container;
let schema: V1Container;

beforeAll(async () => {
  const copy = await ManifestCopy.create();
  try {
    const job = find(await render(copy.overlay("dev")), "Job", "analytics-schema") as V1Job;
    const pod = job.spec?.template.spec;
    schemaFiles = pod?.initContainers?.find((c) => c.name === "schema-files") as V1Container;
    schema = pod?.containers.find((c) => c.name === "schema") as V1Container;
  } finally {
    await copy.remove();
  }
  work = await mkdtemp(join(tmpdir(), "coworking-schema-job-"));
  await mkdir(join(work, "image", "dist"), { recursive: true });
  await cp(join(REPO_ROOT, "service", "sql"), join(work, "image", "dist", "sql"), { recursive: true });
  db = await startTestDatabase();
  await db.pool.query(`CREATE DATABASE ${DATABASE}`);
}, 60_000);

afterAll(async () => {
  await db?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The container's command with the pod's /sql volume moved to the test's folder. */
function commandOf(container: V1Container): [string, string[]] {
  const [command = "", ...args] = (container.command ?? []).map((part) =>
    part.replaceAll("'/sql'", `'${join(work, "sql")}'`).replace(/^\/sql\//, `${join(work, "sql")}/`),
  );
  return [command, args];
}

async function runSchemaJob(): Promise<string> {
  const [copyCommand, copyArgs] = commandOf(schemaFiles);
  await rm(join(work, "sql"), { recursive: true, force: true });
  await run(copyCommand === "node" ? process.execPath : copyCommand, copyArgs, { cwd: join(work, "image") });

  const [program, psqlArgs] = commandOf(schema);
  // The image's psql is on PATH; here it is the virtualenv's (same program, same arguments).
  const psql = program === "psql" ? postgresClient(harness().venv, "psql") : program;
  const env = {
    ...process.env,
    PGHOST: "127.0.0.1",
    PGPORT: String(db.port),
    PGDATABASE: DATABASE,
    PGUSER: "postgres",
    PGPASSWORD: db.password,
  };
  const { stdout } = await run(psql, psqlArgs, { env }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT")
      throw new Error(`${psql} is missing: run \`npm run cluster -- build\` (pgserver in the virtualenv)`);
    throw error;
  });
  return stdout;
}

async function schemaState(): Promise<string[]> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port: db.port,
    user: "postgres",
    password: db.password,
    database: DATABASE,
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ object: string }>(
      `SELECT 'table ' || tablename AS object FROM pg_tables WHERE schemaname = 'public'
       UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
       ORDER BY 1`,
    );
    return rows.map((row) => row.object);
  } finally {
    await client.end();
  }
}

it("the Job's commands are what this test runs: copy dist/sql from the service image, then psql both files", () => {
  expect(schemaFiles.command?.[0]).toBe("node");
  expect(schema.command).toEqual([
    "psql",
    "-v",
    "ON_ERROR_STOP=1",
    "-f",
    "/sql/schema.sql",
    "-f",
    "/sql/report-indexes.sql",
  ]);
});

it("creates the tables and the report index in an empty database", async () => {
  expect(await schemaState()).toEqual([]);
  await runSchemaJob();
  const state = await schemaState();
  expect(state).toEqual(
    expect.arrayContaining(["table tokens", "table users", "index tokens_used_created_at_idx"]),
  );
}, 60_000);

it("a second run succeeds and changes nothing", async () => {
  const before = await schemaState();
  await runSchemaJob();
  expect(await schemaState()).toEqual(before);
}, 60_000);
