// One Lambda execution environment, as the benches measure it: bundles.ts bundles this file with
// esbuild and runs it in a fresh node process, which imports one function's bundle (the cold
// start: module evaluation and the composition root on the first call) and invokes its handler
// once per event, in order, with a Lambda context whose remaining time counts down from the
// function's timeout. performance.now() counts from process start; CPU is process.cpuUsage()
// (user + system, every thread); peak RSS is process.resourceUsage().maxRSS. The figures go to the
// file BENCH_RUN names, so nothing the handler prints (logs, EMF metrics on stdout) can mix in.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type SeamTimings, seamTimings } from "./seamTimings.js";

export interface RunSpec {
  /** The function's bundle (.mjs). */
  bundle: string;
  functionName: string;
  timeoutSeconds: number;
  memoryMB: number;
  events: unknown[];
  /** Where the RunRecord is written. */
  out: string;
}

export interface InvocationRecord {
  /** ms since process start */
  startMs: number;
  endMs: number;
  /** CPU time of this invocation (every thread of the process). */
  cpuMs: number;
  result?: unknown;
  error?: string;
}

export interface RunRecord {
  /** The bundle imported: process start → module evaluated. */
  loadedMs: number;
  /** CPU time from process start to the module evaluated. */
  loadedCpuMs: number;
  invocations: InvocationRecord[];
  /** Peak resident set of the process, KiB. */
  maxRssKiB: number;
  seam: SeamTimings;
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function lambdaContext(spec: RunSpec) {
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error("callback-style completion is not supported");
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: spec.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${spec.functionName}`,
    memoryLimitInMB: String(spec.memoryMB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${spec.functionName}`,
    logStreamName: `bench/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

const spec = JSON.parse(process.env.BENCH_RUN ?? "null") as RunSpec;
const module = (await import(pathToFileURL(spec.bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const loadedMs = performance.now();
const loadedCpuMs = cpuMs();
const invocations: InvocationRecord[] = [];
for (const event of spec.events) {
  const startMs = performance.now();
  const startCpu = cpuMs();
  try {
    const result = await module.handler(event, lambdaContext(spec));
    invocations.push({ startMs, endMs: performance.now(), cpuMs: cpuMs() - startCpu, result });
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    invocations.push({ startMs, endMs: performance.now(), cpuMs: cpuMs() - startCpu, error: message });
  }
}
const record: RunRecord = {
  loadedMs,
  loadedCpuMs,
  invocations,
  maxRssKiB: process.resourceUsage().maxRSS,
  seam: seamTimings(),
};
writeFileSync(spec.out, JSON.stringify(record));
// Warm clients (keep-alive agents, watches) would keep the process alive; Lambda freezes it instead.
process.exit(0);
