// The analytics API in-process (its real Express app and real pool) against a real PostgreSQL.

import { type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { pino } from "pino";
import { readConfig } from "../../../service/src/config.js";
import { createPool } from "../../../service/src/database/pool.js";
import { createApp } from "../../../service/src/http/app.js";
import { createReadinessCheck } from "../../../service/src/http/readiness.js";
import { createReports } from "../../../service/src/reports/reports.js";
import {
  activeServiceQueries,
  eventually,
  expectedDailyUsage,
  expectedUserVisits,
  loadFixture,
} from "./fixtures.js";
import { startTestDatabase, type TestDatabase } from "./postgres.js";

const FRESHNESS_SECONDS = 1;
let db: TestDatabase;
let server: Server;
let servicePool: ReturnType<typeof createPool>;
let base: string;
/** Requests the server has received so far. */
let received = 0;

beforeAll(async () => {
  db = await startTestDatabase();
  await loadFixture(db.pool);
  const logger = pino({ level: "silent" });
  const target = readConfig(db.env).database;
  if (target === undefined) throw new Error("test database env not read as a database target");
  servicePool = createPool(target, logger);
  const app = createApp({
    reports: createReports(servicePool, FRESHNESS_SECONDS, () => {}),
    isReady: createReadinessCheck(servicePool),
    logger,
    isShuttingDown: () => false,
  });
  server = app.listen(0, "127.0.0.1");
  server.on("request", () => received++);
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await servicePool?.end();
  await db?.destroy();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves with `work`, or fails as soon as one of the service's queries waits on a lock: proof
 * by observation that the work needed no locked table, with no time limit to tune.
 */
async function unlessBlockedOnLock<T>(work: Promise<T>): Promise<T> {
  let finished = false;
  const watch = async (): Promise<never> => {
    while (!finished) {
      const waiting = await db.pool.query(
        "SELECT query FROM pg_stat_activity WHERE application_name = 'coworking-analytics' AND wait_event_type = 'Lock'",
      );
      if (waiting.rowCount !== 0 && !finished)
        throw new Error(`the service waits on a lock: ${waiting.rows.map((row) => row.query).join("; ")}`);
      await sleep(25);
    }
    return new Promise<never>(() => {}); // the work settled the race
  };
  try {
    return await Promise.race([work, watch()]);
  } finally {
    finished = true;
  }
}

describe("the Flask endpoints", () => {
  it("answers /health_check with ok", async () => {
    const response = await get("/health_check");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
  });

  it("answers /readiness_check with ok while the database answers", async () => {
    const response = await get("/readiness_check");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
  });

  it("reports daily usage: used tokens per creation day, as jsonify wrote it", async () => {
    const response = await get("/api/reports/daily_usage");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(expectedDailyUsage);
  });

  it("reports user visits: all tokens per user, joined_at as Python's str(datetime), users without tokens absent", async () => {
    const response = await get("/api/reports/user_visits");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(expectedUserVisits);
  });

  it("serves HEAD like GET without a body", async () => {
    const response = await fetch(`${base}/api/reports/user_visits`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(expectedUserVisits));
    expect(await response.text()).toBe("");
  });
});

describe("extensions", () => {
  it("sends an ETag and answers 304 to a client that has the current body", async () => {
    const first = await get("/api/reports/daily_usage");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await get("/api/reports/daily_usage", { "If-None-Match": etag ?? "" });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const stale = await get("/api/reports/daily_usage", { "If-None-Match": '"something-else"' });
    expect(stale.status).toBe(200);
  });

  it("filters daily usage by an inclusive day range", async () => {
    const response = await get("/api/reports/daily_usage?from=2026-01-06&to=2026-01-07");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"2026-01-06":1,"2026-01-07":1}\n');
  });

  it.each([
    [
      "/api/reports/daily_usage?from=06-01-2026",
      "query parameter 'from' must be a calendar date YYYY-MM-DD, got '06-01-2026'",
    ],
    [
      "/api/reports/daily_usage?to=2026-13-01",
      "query parameter 'to' must be a calendar date YYYY-MM-DD, got '2026-13-01'",
    ],
    ["/api/reports/daily_usage?from=2026-01-01&from=2026-01-02", "query parameter 'from' must be given once"],
    [
      "/api/reports/daily_usage?from=2026-01-08&to=2026-01-01",
      "'from' (2026-01-08) is after 'to' (2026-01-01)",
    ],
  ])("answers %s with 400 and a JSON error", async (path, message) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
  });

  it("answers an unknown path with 404 and a wrong method with 405", async () => {
    const missing = await get("/api/reports/monthly_usage");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "not found: /api/reports/monthly_usage" });
    const posted = await fetch(`${base}/api/reports/daily_usage`, { method: "POST" });
    expect(posted.status).toBe(405);
    expect(posted.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("freshness and load on the database", () => {
  // These tests wait in real time: the freshness bound is kept by the service's own clock against
  // a real database, which no fake clock reaches. Each wait is a lower bound (at least the bound
  // has passed), so a slow machine only makes them wait longer, never fail.
  it("shows rows written by another service once the freshness bound has passed since the commit", async () => {
    await get("/api/reports/daily_usage"); // the caches hold the current reports
    await get("/api/reports/user_visits");
    await db.pool.query(
      "INSERT INTO tokens (user_id, token, created_at, used_at) VALUES (11, 'NEWNEW', '2026-01-09 10:00:00', now())",
    );
    // Every answer's query started less than the bound before it was served, so a request made a
    // full bound after the commit must see it: one request, no polling.
    await sleep(FRESHNESS_SECONDS * 1000 + 50);
    const daily = (await (await get("/api/reports/daily_usage")).json()) as Record<string, number>;
    expect(daily["2026-01-09"]).toBe(1);
    const visits = (await (await get("/api/reports/user_visits")).json()) as Record<
      string,
      { visits: number }
    >;
    expect(visits["11"]).toEqual({ joined_at: "2025-03-06 12:00:00", visits: 1 });

    // A later update (a token being used) too.
    await db.pool.query("UPDATE tokens SET used_at = now() WHERE token = 'BBBBBA'");
    await sleep(FRESHNESS_SECONDS * 1000 + 50);
    const updated = (await (await get("/api/reports/daily_usage")).json()) as Record<string, number>;
    expect(updated["2026-01-06"]).toBe(2);
  });

  it("keeps serving without reading tokens when nothing was committed since the last query", async () => {
    const before = await get("/api/reports/user_visits");
    const blocker = await db.pool.connect();
    try {
      // Any query on tokens would now wait for this lock; an uncommitted write changes nothing visible.
      await blocker.query("BEGIN");
      await blocker.query(
        "INSERT INTO tokens (user_id, token, created_at) VALUES (11, 'UNSEEN', '2026-01-09 12:00:00')",
      );
      await blocker.query("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");
      await sleep(FRESHNESS_SECONDS * 1000 + 100); // past the bound: the reports must be revalidated
      // Answered while the lock still holds: had they read tokens they could not have been.
      const [visits, daily] = await unlessBlockedOnLock(
        Promise.all([get("/api/reports/user_visits"), get("/api/reports/daily_usage")]),
      );
      expect(visits.status).toBe(200);
      expect(daily.status).toBe(200);
      expect(visits.headers.get("etag")).toBe(before.headers.get("etag"));
      expect(await activeServiceQueries(db.pool)).toEqual([]);
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
  });

  it("never stacks duplicate report queries: a burst shares one query per report", async () => {
    await sleep(FRESHNESS_SECONDS * 1000 + 100); // both cached reports are now too old to serve
    const blocker = await db.pool.connect();
    try {
      // A committed write (so the reports must be recomputed), then a lock that makes their queries wait.
      await db.pool.query(
        "INSERT INTO tokens (user_id, token, created_at) VALUES (11, 'LOCKED', '2026-01-09 11:00:00')",
      );
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");
      const receivedBefore = received;
      const burst = [
        ...Array.from({ length: 20 }, () => get("/api/reports/daily_usage")),
        ...Array.from({ length: 20 }, () => get("/api/reports/user_visits")),
      ];
      await eventually(
        async () => ((await activeServiceQueries(db.pool)).length >= 1 ? true : undefined),
        30_000, // a failure detector, not a speed claim: it takes milliseconds
        "a report query to reach the database",
      );
      // The two reports' queries take turns (the other one queues in the service), and while the
      // lock holds, no request adds a duplicate of the one waiting on it: checked once all 40
      // requests are in the server, however long the machine takes to deliver them.
      const first = await activeServiceQueries(db.pool);
      expect(first).toHaveLength(1);
      await eventually(
        async () => (received - receivedBefore >= 40 ? true : undefined),
        30_000,
        "the whole burst to reach the server",
      );
      for (let sample = 0; sample < 3; sample++) {
        expect(await activeServiceQueries(db.pool)).toEqual(first);
        await sleep(50);
      }
      expect(
        first.filter((query) => query.includes("WHERE used_at IS NOT NULL") || query.includes("JOIN users")),
      ).toHaveLength(1);
      await blocker.query("ROLLBACK");
      const responses = await Promise.all(burst);
      expect(responses.map((response) => response.status)).toEqual(Array(40).fill(200));
      const bodies = new Set(await Promise.all(responses.slice(0, 20).map((response) => response.text())));
      expect(bodies.size).toBe(1);
    } finally {
      blocker.release();
    }
  });
});

describe("readiness when the database goes away", () => {
  it("answers 500 failed while the database is stopped, stays up, and recovers when it is back", async () => {
    await db.pause();
    try {
      const readiness = await get("/readiness_check");
      expect(readiness.status).toBe(500);
      expect(await readiness.text()).toBe("failed");
      expect((await get("/health_check")).status).toBe(200);
      await sleep(FRESHNESS_SECONDS * 1000 + 100);
      const report = await get("/api/reports/daily_usage");
      expect(report.status).toBe(500);
      expect(await report.json()).toEqual({ error: "internal error: the report could not be produced" });
    } finally {
      await db.resume();
    }
    const recovered = await eventually(
      async () => ((await get("/readiness_check")).status === 200 ? true : undefined),
      30_000, // the pool reconnects on the next probe; the bound only catches a service that never does
      "readiness after the database restarted",
    );
    expect(recovered.value).toBe(true);
    const report = await get("/api/reports/daily_usage");
    expect(report.status).toBe(200);
    expect(((await report.json()) as Record<string, number>)["2026-01-05"]).toBe(2);
  });
});

describe("gzip for clients that ask for it", () => {
  /** A raw request: fetch would decompress by itself and hide what was on the wire. */
  function raw(path: string, headers: Record<string, string>) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      request(`${base}${path}`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
        .on("error", reject)
        .end();
    });
  }

  it("sends user_visits gzipped, with its own ETag, and the same JSON once decompressed", async () => {
    // Enough users for a body worth compressing.
    await db.pool.query(`
      INSERT INTO users (first_name, last_name, joined_at)
        SELECT 'Load', 'Test', timestamp '2025-06-01 08:00:00' + n * interval '1 minute' FROM generate_series(1, 100) AS n;
      INSERT INTO tokens (user_id, token, created_at)
        SELECT id, 'GZIPPD', '2026-01-10 09:00:00' FROM users WHERE first_name = 'Load';`);
    await sleep(FRESHNESS_SECONDS * 1000 + 100);
    const plain = await raw("/api/reports/user_visits", {});
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept-Encoding");
    expect(Object.keys(JSON.parse(plain.body.toString("utf8")))).toHaveLength(106);

    const zipped = await raw("/api/reports/user_visits", { "Accept-Encoding": "gzip, deflate" });
    expect(zipped.status).toBe(200);
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(Number(zipped.headers["content-length"])).toBe(zipped.body.length);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);

    const revalidated = await raw("/api/reports/user_visits", {
      "Accept-Encoding": "gzip",
      "If-None-Match": String(zipped.headers.etag),
    });
    expect(revalidated.status).toBe(304);
  });
});
