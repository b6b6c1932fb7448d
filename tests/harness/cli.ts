// npm run cluster -- build | up | down [dir] | env | status
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { build } from "./build.js";
import {
  currentDir,
  down,
  exportLines,
  external,
  prepareCluster,
  readHarness,
  recordCurrent,
  up,
} from "./cluster.js";
import { harnessEnvironment } from "./env.js";
import { isRunning, recordedDaemons } from "./processes.js";
import { HarnessError, say } from "./progress.js";

const USAGE = `usage: npm run cluster -- <command>
  build                  build the binaries and the Python virtualenv (once per machine)
  up [--owner PID] [--env-json]
                         start a harness; --owner ties it to a process (stale once that exits),
                         --env-json prints its environment as JSON on stdout (jest global setup)
  external [--owner PID] --env-json
                         describe an existing cluster and emulator (HARNESS_EXTERNAL=1, see tests/README.md)
  prepare                apply the fake nodes, namespace coworking, the delivery RBAC and the
                         writer's admission policy to the cluster of $KUBECONFIG (an existing cluster; see tests/README.md)
  env [DIR]              print export lines for the harness: eval "$(npm run -s cluster -- env DIR)"
  down [DIR]             stop the harness and remove its folder
  status [DIR]           show the harness folder and which of its processes are running
DIR defaults to HARNESS_DIR, else to the harness the last \`up\` on this machine started (on a
machine shared by several people, pass DIR).`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  switch (command) {
    case "build":
      await build();
      return;
    case "up": {
      const started = Date.now();
      const owner = option(rest, "--owner");
      const h = await up(owner === undefined ? {} : { ownerPid: Number(owner) });
      if (owner === undefined) await recordCurrent(h.dir);
      say(`harness up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      if (rest.includes("--env-json")) process.stdout.write(`${JSON.stringify(harnessEnvironment(h))}\n`);
      else
        say(
          `use it with: eval "$(npm run -s cluster -- env ${h.dir})"; stop it with: npm run cluster -- down ${h.dir}`,
        );
      return;
    }
    case "external": {
      const owner = option(rest, "--owner");
      const h = await external(owner === undefined ? {} : { ownerPid: Number(owner) });
      process.stdout.write(`${JSON.stringify(harnessEnvironment(h))}\n`);
      return;
    }
    case "prepare": {
      // For an existing cluster (HARNESS_EXTERNAL=1): the same objects `up` creates.
      const kc = new KubeConfig();
      kc.loadFromDefault();
      await prepareCluster(kc);
      say(
        `fake nodes, namespace coworking, the delivery RBAC and admission policy applied to ${kc.getCurrentCluster()?.server}`,
      );
      return;
    }
    case "env":
      process.stdout.write(`${exportLines(await readHarness(rest[0] ?? (await currentDir())))}\n`);
      return;
    case "down": {
      const dir = rest[0] ?? (await currentDir());
      await down(dir);
      say(`harness ${dir} stopped and removed`);
      return;
    }
    case "status": {
      const dir = rest[0] ?? (await currentDir());
      process.stdout.write(`${dir}${existsSync(dir) ? "" : " (missing)"}\n`);
      for (const d of await recordedDaemons(dir)) {
        const state = (await isRunning(d)) ? "running" : "stopped";
        process.stdout.write(
          `  ${d.name.padEnd(24)} pid ${String(d.pid).padEnd(8)} ${state.padEnd(8)} ${d.log}\n`,
        );
      }
      return;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof HarnessError) process.stderr.write(`[harness] ERROR: ${error.message}\n`);
  else process.stderr.write(`[harness] ERROR: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
