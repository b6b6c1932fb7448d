// What the rollout and lambda benches share: each function bundled the way serverless.yml packages
// it (its custom.esbuild settings, read from the file), a fresh node process per cold start
// (functionRunner.ts), optionally held to the CPU share Lambda gives a memory size, and the small
// statistics and table helpers the benches print with.
//
// Lambda allocates CPU in proportion to memory: at 1,769 MB a function has the equivalent of one
// vCPU (one vCPU-second of credits per second), per
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html. A cold start at another
// size is run under a CPU quota of size/1,769 of one CPU (cgroup v2 cpu.max, else cgroup v1 CFS
// quota, over any number of cores, as Lambda's credits are), when this machine lets the bench
// create a cgroup; otherwise only the model (modelledAt) is printed, and labelled as one.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import { parse } from "yaml";
import type { RunRecord, RunSpec } from "./functionRunner.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
export const ONE_VCPU_MB = 1769;

interface ServerlessFunction {
  handler: string;
  timeout?: number;
  memorySize?: number;
}

interface ServerlessFile {
  custom: { esbuild: Record<string, unknown> };
  provider: { memorySize?: number; timeout?: number; environment?: Record<string, string> };
  functions: Record<string, ServerlessFunction>;
}

let serverlessFile: ServerlessFile | undefined;

/** serverless.yml as written (variables unresolved); read once. */
function serverless(): ServerlessFile {
  serverlessFile ??= parse(readFileSync(join(ROOT, "serverless.yml"), "utf8"), {
    logLevel: "silent", // !GetAtt and !Ref are CloudFormation's tags, not YAML's
  }) as ServerlessFile;
  return serverlessFile;
}

/** The Lambda functions serverless.yml deploys, in its order. */
export function functionNames(): string[] {
  return Object.keys(serverless().functions);
}

/** memorySize and timeout as deployed (the function's own, else the provider's, else Lambda's defaults). */
export function deployedSizing(name: string): { memoryMB: number; timeoutSeconds: number } {
  const file = serverless();
  const fn = file.functions[name];
  if (!fn) throw new Error(`serverless.yml has no function ${name}`);
  return {
    memoryMB: fn.memorySize ?? file.provider.memorySize ?? 1024,
    timeoutSeconds: fn.timeout ?? file.provider.timeout ?? 6,
  };
}

/** NODE_OPTIONS as serverless.yml sets it for every function (source maps on). */
export function deployedNodeOptions(): string {
  return serverless().provider.environment?.NODE_OPTIONS ?? "";
}

export interface Bundle {
  name: string;
  path: string;
  bytes: number;
  /** The linked source map's size, when one is written. */
  mapBytes?: number;
}

/**
 * Swaps functions/provider/eks/clusterResolvers for the bench-only eksResolverSeam.ts, except in
 * the seam itself, which wraps the real module.
 */
const eksSeamPlugin: Plugin = {
  name: "bench-eks-seam",
  setup(pluginBuild) {
    const seam = join(ROOT, "tests", "bench", "eksResolverSeam.ts");
    pluginBuild.onResolve({ filter: /provider\/eks\/clusterResolvers\.js$/ }, (args) =>
      args.importer === seam ? undefined : { path: seam },
    );
  },
};

export interface BundleOptions {
  /** Through the EKS seam (eksResolverSeam.ts): the real EKS path, then the harness's kubeconfig. */
  eksSeam?: boolean;
  /** false: no source map, whatever serverless.yml says (to show what the maps cost). */
  sourcemap?: boolean;
}

/** functions/handlers/<name>/handler.ts, bundled with serverless.yml's custom.esbuild settings. */
export async function bundleFunction(
  name: string,
  dir: string,
  options: BundleOptions = {},
): Promise<Bundle> {
  const settings = serverless().custom.esbuild;
  const variant = `${options.eksSeam ? ".eks-seam" : ""}${options.sourcemap === false ? ".nomap" : ""}`;
  const path = join(dir, `${name}${variant}${String(settings.outputFileExtension ?? ".js")}`);
  const sourcemap =
    options.sourcemap === false ? false : (settings.sourcemap as "linked" | boolean | undefined);
  const result = await build({
    entryPoints: [join(ROOT, "functions", "handlers", name, "handler.ts")],
    outfile: path,
    bundle: settings.bundle as boolean,
    minify: settings.minify as boolean,
    sourcemap,
    format: settings.format as "esm",
    platform: settings.platform as "node",
    target: settings.target as string,
    mainFields: settings.mainFields as string[],
    banner: settings.banner as Record<string, string>,
    alias: settings.alias as Record<string, string> | undefined,
    plugins: options.eksSeam ? [eksSeamPlugin] : [],
    metafile: true,
    logLevel: "error",
  });
  // A renamed module would leave the swap silently undone for a function that reaches clusters:
  // it would then try moto's made-up EKS endpoint. Say so here instead.
  const inputs = Object.keys(result.metafile.inputs);
  const reachesClusters = inputs.some((input) => input.includes("functions/provider/eks/"));
  const seamed = inputs.some((input) => input.endsWith("eksResolverSeam.ts"));
  if (options.eksSeam && reachesClusters && !seamed) {
    throw new Error(
      `${name}: no import of functions/provider/eks/clusterResolvers.js to swap for the EKS seam`,
    );
  }
  const mapPath = `${path}.map`;
  return {
    name,
    path,
    bytes: (await stat(path)).size,
    ...(sourcemap && existsSync(mapPath) ? { mapBytes: (await stat(mapPath)).size } : {}),
  };
}

/** The function runner (functionRunner.ts) as one small ESM file, so no loader runs in the child. */
export async function bundleRunner(dir: string): Promise<string> {
  const path = join(dir, "functionRunner.mjs");
  await build({
    entryPoints: [join(ROOT, "tests", "bench", "functionRunner.ts")],
    outfile: path,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node24",
    logLevel: "error",
  });
  return path;
}

// --- CPU share of a memory size --------------------------------------------------------------

export interface CpuLimiter {
  /** "cgroup v2 cpu.max" or "cgroup v1 cpu.cfs_quota_us" */
  kind: string;
  /** A cgroup holding `share` of one CPU; run a command in it with `command`, then remove it. */
  create(share: number): Promise<{ command(argv: string[]): string[]; remove(): Promise<void> }>;
}

const PERIOD_US = 100_000; // the kernel's default CFS period

function mounts(type: string): { dir: string; options: string[] }[] {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .filter((fields) => fields[2] === type)
    .map((fields) => ({ dir: fields[1] ?? "", options: (fields[3] ?? "").split(",") }));
}

let cgroups = 0;

async function tryLimiter(
  kind: string,
  root: string,
  write: (dir: string, quotaUs: number) => Promise<void>,
): Promise<CpuLimiter | undefined> {
  const make = async (share: number) => {
    const dir = join(root, `coworking-bench-${process.pid}-${++cgroups}`);
    await mkdir(dir);
    try {
      await write(dir, Math.max(1000, Math.round(share * PERIOD_US)));
    } catch (error) {
      await rmdir(dir).catch(() => undefined);
      throw error;
    }
    return {
      // The shell joins the cgroup, then becomes the command: nothing runs outside it.
      command: (argv: string[]) => [
        "/bin/sh",
        "-c",
        'echo $$ > "$0/cgroup.procs" && exec "$@"',
        dir,
        ...argv,
      ],
      remove: async () => {
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            await rmdir(dir);
            return;
          } catch {
            await new Promise((done) => setTimeout(done, 50)); // the exited process may linger a moment
          }
        }
      },
    };
  };
  try {
    const probe = await make(0.5);
    await probe.remove();
    return { kind, create: make };
  } catch {
    return undefined;
  }
}

/** A way to hold a process to a CPU share on this machine, or undefined (then the benches model it). */
export async function cpuLimiter(): Promise<CpuLimiter | undefined> {
  for (const { dir } of mounts("cgroup2")) {
    const controllers = await readFile(join(dir, "cgroup.controllers"), "utf8").catch(() => "");
    if (!controllers.split(/\s+/).includes("cpu")) continue;
    await writeFile(join(dir, "cgroup.subtree_control"), "+cpu").catch(() => undefined);
    const limiter = await tryLimiter("cgroup v2 cpu.max", dir, (cgroup, quotaUs) =>
      writeFile(join(cgroup, "cpu.max"), `${quotaUs} ${PERIOD_US}`),
    );
    if (limiter) return limiter;
  }
  for (const { dir, options } of mounts("cgroup")) {
    if (!options.includes("cpu")) continue;
    const limiter = await tryLimiter("cgroup v1 cpu.cfs_quota_us", dir, async (cgroup, quotaUs) => {
      await writeFile(join(cgroup, "cpu.cfs_period_us"), String(PERIOD_US));
      await writeFile(join(cgroup, "cpu.cfs_quota_us"), String(quotaUs));
    });
    if (limiter) return limiter;
  }
  return undefined;
}

/** The CPU share Lambda gives a memory size, in CPUs. */
export const cpuShareOf = (memoryMB: number) => memoryMB / ONE_VCPU_MB;

/**
 * The model, for a run measured unthrottled: the time not spent on CPU (waiting on the network)
 * stays, the CPU time stretches by 1,769/size. An estimate: it ignores that the run had two cores.
 */
export function modelledAt(memoryMB: number, wallMs: number, cpuMs: number): number {
  return Math.max(0, wallMs - cpuMs) + cpuMs * (ONE_VCPU_MB / memoryMB);
}

// --- a cold start in a fresh process ------------------------------------------------------------

export interface ColdRun {
  runner: string;
  bundle: string;
  functionName: string;
  events: unknown[];
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMB: number;
  /** Held to this CPU share (CPUs) through the limiter; unset: unthrottled. */
  cpuShare?: number;
  limiter?: CpuLimiter;
  workDir: string;
}

let runs = 0;

/** Starts a new node process that imports the bundle and invokes it once per event; its figures. */
export async function coldStart(run: ColdRun): Promise<RunRecord> {
  const out = join(run.workDir, `run-${process.pid}-${++runs}.json`);
  const spec: RunSpec = {
    bundle: run.bundle,
    functionName: run.functionName,
    timeoutSeconds: run.timeoutSeconds,
    memoryMB: run.memoryMB,
    events: run.events,
    out,
  };
  const cgroup =
    run.cpuShare !== undefined && run.limiter !== undefined
      ? await run.limiter.create(run.cpuShare)
      : undefined;
  const argv = [process.execPath, run.runner];
  const [command = process.execPath, ...args] = cgroup ? cgroup.command(argv) : argv;
  try {
    const stderr = await new Promise<string>((done, fail) => {
      // stdout (logs, EMF lines) is discarded as cheaply as Lambda's log pipe takes it.
      const child = spawn(command, args, {
        env: { ...run.env, BENCH_RUN: JSON.stringify(spec) },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let text = "";
      child.stderr.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      child.on("error", fail);
      child.on("close", (code) =>
        code === 0 ? done(text) : fail(new Error(`${run.functionName} run exited with ${code}: ${text}`)),
      );
    });
    const record = JSON.parse(await readFile(out, "utf8").catch(() => "null")) as RunRecord | null;
    if (!record) throw new Error(`${run.functionName} run wrote no figures: ${stderr}`);
    const failed = record.invocations.find((invocation) => invocation.error !== undefined);
    if (failed) throw new Error(`${run.functionName} invocation failed: ${failed.error}`);
    return record;
  } finally {
    await cgroup?.remove();
    await rm(out, { force: true });
  }
}

// --- statistics and tables ----------------------------------------------------------------------

/**
 * The machine's CPUs and its 1-minute load average at the start and now: the benches share the
 * machine with whatever else runs, and the figures move with it.
 */
export function machineLoad(loadAtStart: number): string {
  return `${cpus().length} CPUs; load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`;
}

export const currentLoad = () => loadavg()[0] ?? 0;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export const median = (values: number[]) => percentile(values, 50);

export const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : "n/a");

/** Rows of label / figure / target, aligned. */
export function printRows(title: string, rows: [string, string, string][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(10, ...rows.map(([, value]) => value.length));
  console.log(title);
  for (const [label, value, target] of rows) {
    console.log(`  ${label.padEnd(width)}  ${value.padStart(valueWidth)}  ${target}`);
  }
}

/**
 * A bench's targets: `mark` returns "" for a target met and " ✗" for one missed (noting it), and
 * `assertMet` fails the bench naming every miss, so `npm run bench` exits non-zero when one does.
 */
export class Targets {
  readonly missed: string[] = [];
  mark(ok: boolean, what: string): string {
    if (!ok) this.missed.push(what);
    return ok ? "" : " ✗";
  }
  assertMet(): void {
    if (this.missed.length > 0) throw new Error(`targets missed: ${this.missed.join("; ")}`);
  }
}

/** A Markdown table (pastes into docs/benchmarks.md as is). */
export function printTable(header: string[], rows: string[][], rightAligned: boolean[] = []): void {
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map((_, index) => (rightAligned[index] ? "---:" : "---")).join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
}
