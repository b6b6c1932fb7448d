// Keep-alive behind a load balancer, against the real service process: idle connections outlive
// the balancer's idle timeout, and a SIGTERM under load loses no request the server accepted.
import { Agent, request } from "node:http";
import { loadFixture } from "./fixtures.js";
import { startTestDatabase, type TestDatabase } from "./postgres.js";
import { type ServiceProcess, startService, untilHealthy } from "./process.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
  await loadFixture(db.pool);
});

afterAll(async () => {
  await db?.destroy();
});

interface Outcome {
  /** The request went out on a connection an earlier request had used (Node's `reusedSocket`). */
  reused: boolean;
  status?: number;
  /** The answer asked the client to close the connection (`Connection: close`). */
  close?: boolean;
  keepAlive?: string;
  /** The error code when no answer came (ECONNREFUSED, ECONNRESET, ...). */
  error?: string;
}

/** One GET through `agent`; never rejects: a failure is an outcome to count. */
function get(agent: Agent, url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({
          reused: req.reusedSocket,
          status: res.statusCode,
          close: res.headers.connection === "close",
          keepAlive: String(res.headers["keep-alive"]),
        }),
      );
      res.on("error", (error: NodeJS.ErrnoException) =>
        resolve({ reused: req.reusedSocket, error: error.code ?? error.message }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ reused: req.reusedSocket, error: error.code ?? error.message }),
    );
    req.end();
  });
}

const PATHS = ["/health_check", "/api/reports/daily_usage", "/api/reports/user_visits", "/readiness_check"];

describe("keep-alive connections", () => {
  let service: ServiceProcess;

  beforeEach(async () => {
    service = await startService(db.env);
    await untilHealthy(service, 30_000);
  });

  afterEach(() => {
    service.child.kill("SIGKILL");
  });

  it("keeps an idle connection open longer than Node's 5 s default, and says so in Keep-Alive", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(agent, `${service.base}/health_check`);
      expect(first).toMatchObject({ status: 200, keepAlive: "timeout=65" });
      // Real time on purpose: what is tested is the server's own idle timer on a real socket,
      // which no fake clock reaches. 6 s is past Node's default 5 s, which would have closed it.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const second = await get(agent, `${service.base}/api/reports/daily_usage`);
      expect(second).toMatchObject({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  // The load generator is this file's own client rather than autocannon: autocannon ignores
  // `Connection: close` (it writes its next request on the socket the server is closing) and
  // reconnects in a loop after the listener closes, so it counts refused connections and its own
  // protocol violations as errors and cannot tell either from a reset the server caused.
  // Node's Agent honours `Connection: close` and reports each request's outcome on its own.
  //
  // "Accepted" requests are those sent on a TCP connection the server accepted: every request
  // except the ones whose connection attempt was refused (ECONNREFUSED), which, once the listener
  // is closed, is what a client's new connection gets. The listener closes in the signal handler
  // before any answer carries `Connection: close`, so no client opens a new connection while the
  // kernel could still queue it for a process that no longer accepts.
  it("answers every accepted request with a 2xx through a SIGTERM under load, with no reset", async () => {
    const WORKERS = 16;
    const SIGTERM_AFTER = 4000; // answers before the signal: the signal lands mid-run
    const MAX_PER_WORKER = 20_000; // bound on the run, whatever happens
    const outcomes: Outcome[] = [];
    let answered = 0;
    let signalled = false;
    const worker = async (index: number) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let n = 0; n < MAX_PER_WORKER; n++) {
          const outcome = await get(agent, `${service.base}${PATHS[(index + n) % PATHS.length]}`);
          outcomes.push(outcome);
          if (outcome.error === "ECONNREFUSED") return; // the listener is closed: the run is over
          if (outcome.error === undefined && ++answered === SIGTERM_AFTER) {
            service.child.kill("SIGTERM");
            signalled = true;
          }
        }
      } finally {
        agent.destroy();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));

    expect(signalled).toBe(true);
    expect(await service.exited).toBe(0);
    const accepted = outcomes.filter((outcome) => outcome.error !== "ECONNREFUSED");
    const failures = new Map<string, number>();
    for (const outcome of accepted) {
      const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
      if (ok) continue;
      const key = outcome.error ?? `HTTP ${outcome.status}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(failures)).toEqual({});
    expect(accepted.length).toBeGreaterThan(SIGTERM_AFTER);
    // Each worker's run ended with a refused connection: its connection was closed cleanly
    // (after an answer with Connection: close, or while idle), never cut under a request.
    expect(outcomes.filter((outcome) => outcome.error === "ECONNREFUSED")).toHaveLength(WORKERS);
    expect(accepted.some((outcome) => outcome.close)).toBe(true);
    expect(service.logLines().at(-1)).toMatchObject({ msg: "shut down cleanly" });
  });
});
