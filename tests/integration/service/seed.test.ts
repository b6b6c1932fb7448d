// `npm run seed` as a user runs it: a separate process writing into the configured database.
import { spawnSync } from "node:child_process";
import { startTestDatabase, type TestDatabase } from "./postgres.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
});

afterAll(async () => {
  await db?.destroy();
});

function seed(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "service/scripts/seed.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

async function counts() {
  const result = await db.pool.query<{ users: number; tokens: number; max_user: number; unused: number }>(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM tokens)::int AS tokens,
            (SELECT max(id) FROM users) AS max_user, (SELECT count(*) FROM tokens WHERE used_at IS NULL)::int AS unused`,
  );
  return result.rows[0];
}

it("writes the requested data set, deterministically, after the rows already there", async () => {
  const first = seed(["--users", "50", "--tokens", "400"], db.env);
  expect(first.output).toContain("50 users, 400 tokens");
  expect(first.status).toBe(0);
  const once = await counts();
  expect(once).toMatchObject({ users: 50, tokens: 400, max_user: 50 });
  expect(once?.unused).toBeGreaterThan(20);
  const snapshot = await db.pool.query(
    "SELECT user_id, token, created_at::text, used_at::text FROM tokens ORDER BY id",
  );

  expect(seed(["--users", "50", "--tokens", "400"], { DATABASE_URL: db.url }).status).toBe(0);
  expect(await counts()).toMatchObject({ users: 100, tokens: 800, max_user: 100 });
  // The same options give the same rows, shifted to the new user ids.
  const again = await db.pool.query(
    "SELECT user_id - 50 AS user_id, token, created_at::text, used_at::text FROM tokens WHERE id > 400 ORDER BY id",
  );
  expect(again.rows).toEqual(snapshot.rows);
  // Serial sequences follow, so other services' inserts do not collide with seeded ids.
  const inserted = await db.pool.query<{ id: number }>(
    "INSERT INTO users (first_name, last_name, joined_at) VALUES ('A', 'B', now()) RETURNING id",
  );
  expect(inserted.rows[0]?.id).toBe(101);
});

it("rejects bad arguments and a missing database before writing anything", async () => {
  const before = await counts();
  const badCount = seed(["--users", "ten"], db.env);
  expect(badCount.status).toBe(1);
  expect(badCount.output).toContain("--users must be an integer >= 1, got 'ten'");
  const unknown = seed(["--colour", "blue"], db.env);
  expect(unknown.status).toBe(1);
  expect(unknown.output).toContain("--colour");
  const noDatabase = seed([], {});
  expect(noDatabase.status).toBe(1);
  expect(noDatabase.output).toContain("no database configured");
  expect(await counts()).toEqual(before);
});
