// The database going down under the real service process (node + tsx, as `npm start`), and
// coming back: readiness says 500 `failed`, the reports answer 500 with a JSON error once their
// cached answers are older than the freshness bound, /health_check stays 200, the process does not
// exit, and when PostgreSQL is back everything answers again without a restart.
import { eventually, expectedDailyUsage, loadFixture } from "./fixtures.js";
import { startTestDatabase, type TestDatabase } from "./postgres.js";
import { type ServiceProcess, startService, untilHealthy } from "./process.js";

const FRESHNESS_SECONDS = 1;
let db: TestDatabase;
let service: ServiceProcess;

beforeAll(async () => {
  db = await startTestDatabase();
  await loadFixture(db.pool);
  service = await startService({
    ...db.env,
    REPORT_FRESHNESS_SECONDS: String(FRESHNESS_SECONDS),
    REPORT_LOG_INTERVAL_SECONDS: "0",
  });
  await untilHealthy(service, 60_000);
});

afterAll(async () => {
  service?.child.kill("SIGKILL");
  await db?.destroy();
});

const get = (path: string) => fetch(`${service.base}${path}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REPORT_ERROR = { error: "internal error: the report could not be produced" };

it("stays up while PostgreSQL is stopped, reports it, and recovers when it is back", async () => {
  expect((await get("/readiness_check")).status).toBe(200);
  expect(await (await get("/api/reports/daily_usage")).text()).toBe(expectedDailyUsage);

  await db.pause(); // PostgreSQL stopped: the pool's open connections are cut under it
  try {
    const readiness = await get("/readiness_check");
    expect(readiness.status).toBe(500);
    expect(await readiness.text()).toBe("failed");
    // Real time: past the freshness bound on the service's own clock, no cached answer may be
    // served any more; each request then needs the database.
    await sleep(FRESHNESS_SECONDS * 1000 + 100);
    for (const path of ["/api/reports/daily_usage", "/api/reports/user_visits"]) {
      const report = await get(path);
      expect(report.status).toBe(500);
      expect(report.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await report.json()).toEqual(REPORT_ERROR);
    }
    const health = await get("/health_check");
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");
    expect(service.child.exitCode).toBeNull();
  } finally {
    await db.resume();
  }

  await eventually(
    async () => ((await get("/readiness_check")).status === 200 ? true : undefined),
    30_000, // the pool reconnects on the next probe; the bound only catches a service that never does
    "readiness after PostgreSQL restarted",
  );
  const daily = await get("/api/reports/daily_usage");
  expect(daily.status).toBe(200);
  expect(await daily.text()).toBe(expectedDailyUsage);
  expect((await get("/api/reports/user_visits")).status).toBe(200);

  // The outage was logged (without the password), and the same process shuts down cleanly.
  const logs = service.logLines();
  expect(logs.some((line) => line.msg === "request failed")).toBe(true);
  expect(service.output()).not.toContain(db.password);
  service.child.kill("SIGTERM");
  expect(await service.exited).toBe(0);
});
