// The harness's long-running processes. Each is started detached in its own process group (so it
// outlives the CLI that started it), logs to logs/<name>.log and is recorded in pids/<name>.pid
// as "<pid> <start time> <binary>". A process is identified by its PID *and* its start time (from
// /proc), so a stale record whose PID the kernel has since reused never gets another process killed.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { HarnessError } from "./progress.js";

export interface Daemon {
  name: string;
  pid: number;
  /** clock ticks after boot at which the process started (/proc/<pid>/stat field 22) */
  startTime: string;
  binary: string;
  log: string;
}

/** When `pid` started, or null if no such live process (a zombie has exited already). */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is parenthesised and may contain spaces: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return null;
    return fields[22 - 3] ?? null;
  } catch {
    return null;
  }
}

export function logPath(dir: string, name: string): string {
  return join(dir, "logs", `${name}.log`);
}

export async function startDaemon(
  dir: string,
  name: string,
  binary: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Daemon> {
  await mkdir(join(dir, "logs"), { recursive: true });
  await mkdir(join(dir, "pids"), { recursive: true });
  const log = logPath(dir, name);
  const fd = openSync(log, "a");
  try {
    const child = spawn(binary, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, ...env },
    });
    const pid = child.pid;
    if (pid === undefined) throw new HarnessError(`could not start ${name} (${binary})`);
    child.unref();
    const startTime = (await processStartTime(pid)) ?? "exited";
    await writeFile(join(dir, "pids", `${name}.pid`), `${pid} ${startTime} ${binary}\n`);
    return { name, pid, startTime, binary, log };
  } finally {
    closeSync(fd);
  }
}

/** Whether the recorded process still runs (the same process, not a reused PID). */
export async function isRunning(daemon: Pick<Daemon, "pid" | "startTime">): Promise<boolean> {
  return (await processStartTime(daemon.pid)) === daemon.startTime;
}

export async function recordedDaemons(dir: string): Promise<Daemon[]> {
  const pidsDir = join(dir, "pids");
  if (!existsSync(pidsDir)) return [];
  const daemons: Daemon[] = [];
  for (const file of await readdir(pidsDir)) {
    if (!file.endsWith(".pid")) continue;
    const [pid, startTime = "", ...binary] = (await readFile(join(pidsDir, file), "utf8")).trim().split(" ");
    const name = file.slice(0, -".pid".length);
    daemons.push({ name, pid: Number(pid), startTime, binary: binary.join(" "), log: logPath(dir, name) });
  }
  return daemons;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the whole process group (a daemon's own children too)
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopDaemon(daemon: Daemon, graceMs = 5000): Promise<void> {
  if (!(await isRunning(daemon))) return;
  signal(daemon.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isRunning(daemon))) return;
    await sleep(100);
  }
  signal(daemon.pid, "SIGKILL");
  while (await isRunning(daemon)) await sleep(50);
}

/**
 * Stops in reverse start order: clients before the apiserver, the apiserver before etcd. Stopped
 * the other way round, each waits for what it depends on until it is killed (seconds lost).
 */
export async function stopRecordedDaemons(dir: string): Promise<void> {
  const daemons = await recordedDaemons(dir);
  const started = new Map(
    await Promise.all(
      daemons.map(async (d) => [d.name, (await stat(join(dir, "pids", `${d.name}.pid`))).mtimeMs] as const),
    ),
  );
  daemons.sort((a, b) => (started.get(b.name) ?? 0) - (started.get(a.name) ?? 0));
  for (const daemon of daemons) await stopDaemon(daemon);
}

export async function logTail(daemon: Daemon, lines = 20): Promise<string> {
  try {
    return (await readFile(daemon.log, "utf8")).trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Polls `check` until it returns true. Fails early, with its log tail, if one of `daemons` died,
 * and fails with the log tails after `timeoutMs`.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  daemons: Daemon[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    for (const daemon of daemons) {
      if (!(await isRunning(daemon))) {
        throw new HarnessError(
          `${daemon.name} exited while waiting for ${what}. ${daemon.log}:\n${await logTail(daemon)}`,
        );
      }
    }
    if (Date.now() > deadline) {
      const tails = await Promise.all(daemons.map(async (d) => `\n${d.log}:\n${await logTail(d)}`));
      throw new HarnessError(`timed out after ${timeoutMs / 1000}s waiting for ${what}.${tails.join("")}`);
    }
    await sleep(200);
  }
}
