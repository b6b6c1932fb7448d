// Runs the analytics API as a real separate process, the way `npm start` does (node + tsx on
// service/src/main.ts), and collects its JSON log lines.
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../service/src/database/embedded.js";
import { eventually } from "./fixtures.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface ServiceProcess {
  child: ChildProcess;
  base: string;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  logLines(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** false: read and drop the output (a load test writes a log line per request). */
  keepOutput?: boolean;
  /** Node arguments; default: the sources through tsx, as `npm start` runs them. */
  nodeArgs?: string[];
}

/** Starts the service with exactly `env` (plus PATH/HOME) and an APP_PORT of its own. */
export async function startService(
  env: Record<string, string>,
  {
    keepOutput = true,
    nodeArgs = ["--import", "tsx", join(root, "service", "src", "main.ts")],
  }: StartOptions = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", APP_PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    if (keepOutput) output += chunk;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    logLines: () =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
  };
}

/** Resolves once /health_check answers; returns how long that took. Fails with the process output otherwise. */
export async function untilHealthy(service: ServiceProcess, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let exitCode: number | null | undefined;
  void service.exited.then((code) => {
    exitCode = code;
  });
  try {
    await eventually(
      async () => {
        if (exitCode !== undefined) throw new Error(`exited with ${exitCode}`);
        return (await fetch(`${service.base}/health_check`)).ok ? true : undefined;
      },
      timeoutMs,
      "the service's /health_check",
    );
  } catch (error) {
    service.child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}; service output:\n${service.output()}`);
  }
  return performance.now() - started;
}
