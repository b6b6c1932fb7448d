// `build`: the harness's binaries (build.sh, from the Go module proxy) and its Python virtualenv
// (moto, cfn-lint, shellcheck, psql, checkov, from PyPI). Idempotent; a no-op on a warm machine.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { missingBinaries } from "./cluster.js";
import { run } from "./commands.js";
import { isRunning, processStartTime } from "./processes.js";
import { HarnessError, say } from "./progress.js";
import { REPO_ROOT } from "./rbac.js";
import { buildScriptEnvironment, CACHE_DIR } from "./toolchain.js";
import { ensureVenv } from "./venv.js";

const LOCK = join(CACHE_DIR, "build.lock");

/**
 * One build per machine at a time (two jest runs, or CI beside a manual build, would otherwise
 * race on the same outputs). mkdir is atomic; a lock whose holder died is taken over.
 */
async function withBuildLock(work: () => Promise<void>): Promise<void> {
  await mkdir(CACHE_DIR, { recursive: true });
  let waiting = false;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, "holder"), `${process.pid} ${await processStartTime(process.pid)}`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const [pid = "0", startTime = ""] = (
        await readFile(join(LOCK, "holder"), "utf8").catch(() => "0")
      ).split(" ");
      const holder = Number(pid);
      if (holder > 0 && !(await isRunning({ pid: holder, startTime }))) {
        await rm(LOCK, { recursive: true, force: true });
        continue;
      }
      if (!waiting) say(`another harness build (pid ${holder || "?"}) is running; waiting for it`);
      waiting = true;
      await sleep(1000);
    }
  }
  try {
    await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

export async function build(): Promise<void> {
  await withBuildLock(buildUnlocked);
}

async function buildUnlocked(): Promise<void> {
  const missing = await missingBinaries();
  if (missing.length > 0) {
    say(
      `building ${missing.length} missing binaries (cold build: about 15 min on 2 cores; progress follows)`,
    );
    try {
      await run("bash", [join(REPO_ROOT, "tests", "harness", "build.sh")], {
        env: buildScriptEnvironment(),
        streamOutput: true,
      });
    } catch (error) {
      throw new HarnessError(
        `building the harness binaries failed (see the output above).\n${(error as Error).message}`,
      );
    }
  }
  await ensureVenv("harness");
  await ensureVenv("scanner");
}
