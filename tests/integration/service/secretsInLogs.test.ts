// No database password reaches the analytics API's log, on any error path: the real service
// process (node + tsx, as `npm start`) with malformed and unreachable database settings that
// hold a password, every line it writes to stdout and stderr searched for that password in each
// form it could take (as written, percent-encoded, percent-decoded).
import { createServer } from "node:net";
import { freePort } from "../../../service/src/database/embedded.js";
import { eventually } from "./fixtures.js";
import { type ServiceProcess, startService, untilHealthy } from "./process.js";

const PASSWORD = "Sup3r-s3cret pw";
const ENCODED = encodeURIComponent(PASSWORD);
const FORMS = [PASSWORD, ENCODED, "Sup3r-s3cret"];

/** Every form of the password that appears anywhere in what the process wrote. */
function leaks(service: ServiceProcess): string[] {
  const output = service.output();
  return FORMS.filter((form) => output.includes(form));
}

async function closedPort(): Promise<number> {
  return await freePort();
}

/**
 * Waits for the process to exit, or SIGTERMs it after `ms` and waits for that. The bound only
 * ends a process that hangs; a bad configuration exits within a second or two.
 */
async function runFor(service: ServiceProcess, ms: number): Promise<number | null> {
  const timer = setTimeout(() => service.child.kill("SIGTERM"), ms);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Asks the endpoints that touch the database, so their error paths log. */
async function exercise(service: ServiceProcess): Promise<void> {
  await untilHealthy(service, 60_000); // a start that never ends fails here, not as a missing log line
  for (const path of ["/readiness_check", "/api/reports/daily_usage", "/api/reports/user_visits"]) {
    await fetch(`${service.base}${path}`).catch(() => undefined);
  }
}

describe("malformed DATABASE_URL", () => {
  it.each([
    ["a space in the host", `postgres://app:${PASSWORD}@db host:5432/coworking`],
    ["a port that is no number", `postgres://app:${ENCODED}@db:port/coworking`],
    ["a raw # in the password", `postgres://app:${ENCODED}#x@db:5432/coworking`],
  ])(
    "%s: exits 1 naming DATABASE_URL, without the password",
    async (_, url) => {
      const service = await startService({ DATABASE_URL: url, REPORT_LOG_INTERVAL_SECONDS: "0" });
      try {
        expect(await runFor(service, 60_000)).toBe(1);
        expect(service.output()).toContain("DATABASE_URL");
        expect(leaks(service)).toEqual([]);
      } finally {
        service.child.kill("SIGKILL");
      }
    },
    120_000,
  );
});

describe("unreachable database", () => {
  it.each([
    [
      "DATABASE_URL to a closed port",
      async () => ({
        DATABASE_URL: `postgres://app:${ENCODED}@127.0.0.1:${await closedPort()}/coworking`,
      }),
    ],
    [
      "DATABASE_URL with a password that is no valid percent-encoding",
      async () => ({
        DATABASE_URL: `postgres://app:Sup3r-s3cret%zz@127.0.0.1:${await closedPort()}/coworking`,
      }),
    ],
    [
      "DB_* to a closed port",
      async () => ({
        DB_HOST: "127.0.0.1",
        DB_PORT: String(await closedPort()),
        DB_USERNAME: "app",
        DB_PASSWORD: PASSWORD,
        DB_NAME: "coworking",
      }),
    ],
  ])(
    "%s: serves its errors and logs them without the password",
    async (_, env) => {
      const service = await startService({
        ...(await env()),
        REPORT_LOG_INTERVAL_SECONDS: "0.2",
        LOG_LEVEL: "trace",
      });
      try {
        await exercise(service);
        // the periodic report log fails too
        await eventually(
          async () =>
            service.logLines().some((line) => line.msg === "daily usage report failed") ? true : undefined,
          60_000,
          "the periodic report log to fail",
        );
        service.child.kill("SIGTERM");
        await service.exited;
        const lines = service.logLines();
        expect(lines.some((line) => Number(line.level) >= 40)).toBe(true); // the failures were logged
        expect(leaks(service)).toEqual([]);
      } finally {
        service.child.kill("SIGKILL");
      }
    },
    120_000,
  );

  it("a database that answers and then closes the connection: no password either", async () => {
    // Accepts TCP and hangs up at once, so the driver fails mid-handshake rather than on connect.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const service = await startService({
      DATABASE_URL: `postgresql://app:${ENCODED}@127.0.0.1:${port}/coworking`,
      REPORT_LOG_INTERVAL_SECONDS: "0.2",
      LOG_LEVEL: "trace",
    });
    try {
      await exercise(service);
      service.child.kill("SIGTERM");
      await service.exited;
      expect(service.logLines().some((line) => Number(line.level) >= 40)).toBe(true);
      expect(leaks(service)).toEqual([]);
    } finally {
      service.child.kill("SIGKILL");
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);
});
