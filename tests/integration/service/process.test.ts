// The analytics API as a separate process: environment handling, the embedded default, logs
// without secrets, and draining on SIGTERM.
import { existsSync } from "node:fs";
import { get } from "node:http";
import { eventually } from "./fixtures.js";
import { startTestDatabase, type TestDatabase } from "./postgres.js";
import { startService, untilHealthy } from "./process.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
});

afterAll(async () => {
  await db?.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error code of a GET on a new connection (no keep-alive pool), or "answered". */
function freshConnectionGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve("answered");
    }).on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("with DB_* configured", () => {
  it("uses that database, never seeds it, logs the report without the password, and drains on SIGTERM", async () => {
    const service = await startService({
      ...db.env,
      REPORT_LOG_INTERVAL_SECONDS: "0.5",
      REPORT_FRESHNESS_SECONDS: "1",
    });
    try {
      await untilHealthy(service, 30_000);
      expect(await (await fetch(`${service.base}/readiness_check`)).text()).toBe("ok");
      expect(await (await fetch(`${service.base}/api/reports/daily_usage`)).text()).toBe("{}\n");
      const counts = await db.pool.query<{ users: string; tokens: string }>(
        "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM tokens) AS tokens",
      );
      expect(counts.rows[0]).toEqual({ users: "0", tokens: "0" });

      // An in-flight request: the report query waits on a lock held by this test.
      await db.pool.query(
        "INSERT INTO users (first_name, last_name, joined_at) VALUES ('Ada', 'Lovelace', '2025-01-01 00:00:00')",
      );
      await db.pool.query(
        "INSERT INTO tokens (user_id, token, created_at, used_at) SELECT max(id), 'AAAAAA', '2026-01-05 10:00:00', '2026-01-05 11:00:00' FROM users",
      );
      const blocker = await db.pool.connect();
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");
      // Real time: past the service's 1 s freshness bound on its own clock, so the next request queries.
      await sleep(1100);
      const inFlight = fetch(`${service.base}/api/reports/daily_usage`);
      await eventually(
        async () => {
          const waiting = await db.pool.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'coworking-analytics' AND wait_event_type = 'Lock'",
          );
          return waiting.rowCount === 1 ? true : undefined;
        },
        30_000, // a failure detector, not a speed claim: it takes milliseconds
        "the report query to wait on the lock",
      );
      service.child.kill("SIGTERM");
      // Once the signal is handled (its log line is written after the listener closed), no new
      // connection is accepted, while the process is still finishing the in-flight request, which
      // cannot end before this test releases the lock.
      await eventually(
        async () =>
          service.logLines().some((line) => String(line.msg).startsWith("shutting down")) ? true : undefined,
        30_000,
        "the shutdown to begin",
      );
      expect(await freshConnectionGet(`${service.base}/health_check`)).toBe("ECONNREFUSED");
      expect(service.child.exitCode).toBeNull();
      await blocker.query("ROLLBACK");
      blocker.release();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"2026-01-05":1}\n');
      expect(await service.exited).toBe(0);

      const logs = service.logLines();
      expect(service.output()).not.toContain(db.password);
      expect(logs.some((line) => line.msg === "daily usage report")).toBe(true);
      const requestLine = logs.find((line) => line.msg === "request completed");
      expect(requestLine).toMatchObject({ req: { method: "GET" }, res: { statusCode: 200 } });
      expect(typeof requestLine?.responseTime).toBe("number");
      expect(logs.at(-1)).toMatchObject({ msg: "shut down cleanly" });
    } finally {
      service.child.kill("SIGKILL");
    }
  });
});

describe("with DATABASE_URL configured", () => {
  it("connects through the URL and keeps the password out of the logs", async () => {
    const service = await startService({ DATABASE_URL: db.url });
    try {
      await untilHealthy(service, 30_000);
      expect((await fetch(`${service.base}/readiness_check`)).status).toBe(200);
      const visits = (await (await fetch(`${service.base}/api/reports/user_visits`)).json()) as Record<
        string,
        unknown
      >;
      expect(Object.values(visits)).toEqual([{ joined_at: "2025-01-01 00:00:00", visits: 1 }]);
      service.child.kill("SIGTERM");
      expect(await service.exited).toBe(0);
      expect(service.output()).not.toContain(db.password);
      expect(service.logLines().find((line) => line.msg === "database")).toMatchObject({
        database: `postgres@127.0.0.1:${db.port}/postgres`,
        embedded: false,
      });
    } finally {
      service.child.kill("SIGKILL");
    }
  });
});

describe("with a bad configuration", () => {
  it("exits 1 naming the variable, without the password, before touching any database", async () => {
    const service = await startService({ DB_PASSWORD: "hunter2-secret", DB_PORT: "not-a-port" });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain("DB_PORT must be a TCP port");
    expect(service.output()).not.toContain("hunter2-secret");
  });
});

describe("with no database configured (npm start on a fresh machine)", () => {
  it("starts an embedded PostgreSQL with the demo data, answers, and removes it on SIGTERM", async () => {
    const service = await startService({});
    try {
      // How fast it starts is the README's measurement, not this test's; the bound only catches a
      // start that never ends (about 3 s idle, 60 s leaves a loaded 2-core machine a wide margin).
      await untilHealthy(service, 60_000);
      const daily = (await (await fetch(`${service.base}/api/reports/daily_usage`)).json()) as Record<
        string,
        number
      >;
      expect(Object.keys(daily)).toEqual([
        "2026-01-05",
        "2026-01-06",
        "2026-01-07",
        "2026-01-08",
        "2026-01-09",
        "2026-01-10",
        "2026-01-11",
      ]);
      const used = Object.values(daily).reduce((sum, visits) => sum + visits, 0);
      expect(used).toBeGreaterThan(2000);
      expect(used).toBeLessThan(2500);
      const visits = (await (await fetch(`${service.base}/api/reports/user_visits`)).json()) as Record<
        string,
        { visits: number }
      >;
      expect(Object.values(visits).reduce((sum, user) => sum + user.visits, 0)).toBe(2500);
      expect(Object.keys(visits).length).toBeLessThanOrEqual(900);
      const started = service
        .logLines()
        .find((line) => line.msg?.toString().startsWith("embedded postgres started"));
      const databaseDir = String(started?.databaseDir);
      expect(existsSync(databaseDir)).toBe(true);
      service.child.kill("SIGTERM");
      expect(await service.exited).toBe(0);
      expect(existsSync(databaseDir)).toBe(false);
    } finally {
      service.child.kill("SIGKILL");
    }
  });
});
