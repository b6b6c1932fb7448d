// One invocation of a function's bundle in a fresh node process (the function runner of
// functionRunner.ts, as bundles.ts builds it), for the scale bench: unlike bundles.ts's
// coldStart, an invocation that throws is a figure too (the reconciler throws, after reporting
// everything, when throttling outlasted its retries), so its record comes back rather than an
// error. The process's own output (logs, EMF lines) goes to a file in the work folder.
//
// The process's V8 heap is sized the way Lambda's Node.js runtime sizes it for the memory size
// (its /var/runtime/bootstrap: --max-semi-space-size of memory/20 MB, --max-old-space-size of
// memory minus memory/10 MB). Without them V8 sizes its heap from this machine's memory and
// collects lazily: the same reconcile of 1,000 Deployments peaked at 421 MB unbounded and 209 MB
// with a 256 MB function's flags, which is what Lambda would see.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { InvocationRecord, RunRecord, RunSpec } from "./functionRunner.js";

export interface Invoked {
  functionName: string;
  record: RunRecord;
  invocation: InvocationRecord;
  /** spawn → the process exited, as the bench sees it. */
  processMs: number;
  /** The invocation: handler called → returned or threw. */
  invokeMs: number;
  /** Peak resident set of the process, MiB (what Lambda reports as Max Memory Used). */
  rssMiB: number;
  /** CPU time of the invocation (user + system, every thread). */
  cpuMs: number;
  /** Where the process's stdout and stderr went. */
  log: string;
}

/** NODE_OPTIONS' heap flags that Lambda's Node.js runtime adds for a memory size (MB). */
export function lambdaHeapOptions(memoryMB: number): string {
  const newSpace = Math.floor(memoryMB / 10);
  return `--max-semi-space-size=${Math.floor(newSpace / 2)} --max-old-space-size=${memoryMB - newSpace}`;
}

export interface InvokeOptions {
  runner: string;
  bundle: string;
  functionName: string;
  event: unknown;
  env: Record<string, string>;
  timeoutSeconds: number;
  /** The function's memory size: its heap flags, AWS_LAMBDA_FUNCTION_MEMORY_SIZE and the context's limit. */
  memoryMB: number;
  workDir: string;
  /** Names the log file. */
  label: string;
}

export async function invokeOnce(options: InvokeOptions): Promise<Invoked> {
  const out = join(options.workDir, `${options.label}.json`);
  const log = join(options.workDir, `${options.label}.log`);
  const spec: RunSpec = {
    bundle: options.bundle,
    functionName: options.functionName,
    timeoutSeconds: options.timeoutSeconds,
    memoryMB: options.memoryMB,
    events: [options.event],
    out,
  };
  const fd = openSync(log, "w");
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [options.runner], {
      env: {
        ...options.env,
        NODE_OPTIONS: `${options.env.NODE_OPTIONS ?? ""} ${lambdaHeapOptions(options.memoryMB)}`.trim(),
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMB),
        BENCH_RUN: JSON.stringify(spec),
      },
      stdio: ["ignore", fd, fd],
    });
    child.on("error", reject);
    child.on("close", resolve);
  }).finally(() => closeSync(fd));
  const processMs = performance.now() - started;
  const record = JSON.parse(await readFile(out, "utf8").catch(() => "null")) as RunRecord | null;
  await rm(out, { force: true });
  const invocation = record?.invocations[0];
  if (!record || !invocation) {
    const tail = (await readFile(log, "utf8").catch(() => "")).slice(-2000);
    throw new Error(`${options.functionName} process exited with ${code} and wrote no figures: ${tail}`);
  }
  return {
    functionName: options.functionName,
    record,
    invocation,
    processMs,
    invokeMs: invocation.endMs - invocation.startMs,
    rssMiB: record.maxRssKiB / 1024,
    cpuMs: invocation.cpuMs,
    log,
  };
}
