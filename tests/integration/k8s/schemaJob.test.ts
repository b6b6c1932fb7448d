// The schema Job's commands, taken from the rendered dev overlay and run for real against an empty
// PostgreSQL database (kwok only simulates the Job's pod; this proves what the pod would do). The
// image layout is reproduced from service/scripts/bundle.ts (/app/dist/sql) and the Job's /sql
// emptyDir is a temporary folder. Run twice: the second run must succeed and change nothing. The
// Job also creates the API's read-only role from the Secret's ANALYTICS_DB_* keys (resolved here
// from the rendered Secret, as the kubelet would): that role can read the report tables and
// cannot write or create anything. psql (the Job's client) is the pgserver wheel's, from the
// harness virtualenv.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { V1Container, V1Job, V1Secret } from "@kubernetes/client-node";
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
/** The Secret's keys the schema container reads, decoded. */
let secretEnv: Record<string, string>;

beforeAll(async () => {
  const copy = await ManifestCopy.create();
  try {
    const objects = await render(copy.overlay("dev"));
    const job = find(objects, "Job", "analytics-schema") as V1Job;
    const pod = job.spec?.template.spec;
    schemaFiles = pod?.initContainers?.find((c) => c.name === "schema-files") as V1Container;
    schema = pod?.containers.find((c) => c.name === "schema") as V1Container;
    const secret = find(objects, "Secret", "postgres-credentials") as V1Secret;
    secretEnv = {};
    for (const variable of schema.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref?.name !== "postgres-credentials") continue;
      const encoded = secret.data?.[ref.key];
      if (encoded === undefined) throw new Error(`the Secret has no key ${ref.key} (${variable.name})`);
      secretEnv[variable.name] = Buffer.from(encoded, "base64").toString("utf8");
    }
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
  // The Secret's values as the pod gets them; the owner's connection is the test database's.
  const env = {
    ...process.env,
    ...secretEnv,
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

async function connect(user: string, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: "127.0.0.1", port: db.port, user, password, database: DATABASE });
  await client.connect();
  return client;
}

async function schemaState(): Promise<string[]> {
  const client = await connect("postgres", db.password);
  try {
    const { rows } = await client.query<{ object: string }>(
      `SELECT 'table ' || tablename AS object FROM pg_tables WHERE schemaname = 'public'
       UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
       UNION ALL SELECT 'role ' || rolname || ' login=' || rolcanlogin || ' super=' || rolsuper
         || ' createdb=' || rolcreatedb || ' createrole=' || rolcreaterole || ' ' || coalesce(array_to_string(rolconfig, ','), '')
         FROM pg_roles WHERE rolname = 'analytics_reader'
       UNION ALL SELECT 'grant ' || table_name || ' ' || privilege_type FROM information_schema.role_table_grants
         WHERE grantee = 'analytics_reader'
       UNION ALL SELECT 'default ' || array_to_string(defaclacl, ',') FROM pg_default_acl
       ORDER BY 1`,
    );
    return rows.map((row) => row.object);
  } finally {
    await client.end();
  }
}

/** The API's connection: the role and password the Deployment's DB_USERNAME/DB_PASSWORD name. */
const reader = () => connect(secretEnv.ANALYTICS_DB_USER ?? "", secretEnv.ANALYTICS_DB_PASSWORD ?? "");

it("the Job's commands are what this test runs: copy dist/sql from the service image, then psql the three files", () => {
  expect(schemaFiles.command?.[0]).toBe("node");
  expect(schema.command).toEqual([
    "psql",
    "-v",
    "ON_ERROR_STOP=1",
    "-f",
    "/sql/schema.sql",
    "-f",
    "/sql/report-indexes.sql",
    "-f",
    "/sql/reader-role.sql",
  ]);
  // the reader's credentials reach psql from the Secret, never on its command line
  expect(Object.keys(secretEnv).sort()).toEqual([
    "ANALYTICS_DB_PASSWORD",
    "ANALYTICS_DB_USER",
    "PGPASSWORD",
    "PGUSER",
  ]);
  expect(secretEnv.ANALYTICS_DB_USER).toBe("analytics_reader");
  expect(JSON.stringify(schema.command)).not.toContain(secretEnv.ANALYTICS_DB_PASSWORD);
});

it("creates the tables and the report index in an empty database", async () => {
  expect(await schemaState()).toEqual([]);
  await runSchemaJob();
  const state = await schemaState();
  expect(state).toEqual(
    expect.arrayContaining([
      "table tokens",
      "table users",
      "index tokens_used_created_at_idx",
      "role analytics_reader login=true super=false createdb=false createrole=false default_transaction_read_only=on",
      "grant tokens SELECT",
      "grant users SELECT",
    ]),
  );
  expect(state.filter((line) => line.startsWith("grant "))).toEqual([
    "grant tokens SELECT",
    "grant users SELECT",
  ]);
}, 60_000);

it("the API's role reads the report tables, and cannot write, create or leave read-only mode", async () => {
  const owner = await connect("postgres", db.password);
  try {
    await owner.query(
      "INSERT INTO users (first_name, last_name, joined_at) VALUES ('Ada', 'Lovelace', now())",
    );
  } finally {
    await owner.end();
  }
  const client = await reader();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tokens) AS n",
    );
    expect(rows[0]?.n).toBe("1");
    const refused = async (sql: string) =>
      client.query(sql).then(
        () => "allowed",
        (error: { code?: string }) => error.code,
      );
    // 25006: read-only transaction (the role's default); 42501: insufficient privilege
    expect(
      await refused("INSERT INTO users (first_name, last_name, joined_at) VALUES ('x', 'y', now())"),
    ).toBe("25006");
    expect(await refused("CREATE TABLE public.reader_made (id int)")).toBe("25006");
    // Even out of read-only mode, the grants alone refuse every write and every CREATE.
    await client.query("SET default_transaction_read_only = off");
    expect(
      await refused("INSERT INTO users (first_name, last_name, joined_at) VALUES ('x', 'y', now())"),
    ).toBe("42501");
    expect(await refused("UPDATE tokens SET used_at = now()")).toBe("42501");
    expect(await refused("DELETE FROM users")).toBe("42501");
    expect(await refused("CREATE TABLE public.reader_made (id int)")).toBe("42501");
    expect(await refused("CREATE INDEX reader_idx ON tokens (token)")).toBe("42501");
    expect(await refused("CREATE SCHEMA reader_schema")).toBe("42501");
  } finally {
    await client.end();
  }
}, 60_000);

it("a table the owner creates later is readable by the API's role (default privileges)", async () => {
  const owner = await connect("postgres", db.password);
  try {
    await owner.query("CREATE TABLE IF NOT EXISTS later_report (id int)");
  } finally {
    await owner.end();
  }
  const client = await reader();
  try {
    expect((await client.query("SELECT count(*) FROM later_report")).rows).toEqual([{ count: "0" }]);
  } finally {
    await client.end();
  }
  const cleanup = await connect("postgres", db.password);
  try {
    await cleanup.query("DROP TABLE later_report");
  } finally {
    await cleanup.end();
  }
}, 60_000);

it("a second run succeeds and changes nothing", async () => {
  const before = await schemaState();
  await runSchemaJob();
  expect(await schemaState()).toEqual(before);
}, 60_000);
