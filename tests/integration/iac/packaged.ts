// Runs the real `serverless package` (osls + serverless-esbuild) the way `npm run package` does,
// but offline: no AWS credentials, a throwaway HOME (no ~/.aws, no ~/.serverlessrc), and, where
// the machine allows it (root, util-linux `unshare`), inside a network namespace with no network
// at all, so any attempt to reach AWS or a registry fails the packaging.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readZip } from "../../support/zipArchive.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SERVERLESS = join(ROOT, "node_modules", "osls", "bin", "serverless.js");

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties?: Record<string, unknown>;
}

export interface Template {
  Parameters?: Record<string, { Default?: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

export interface PackageRun {
  status: number | null;
  output: string;
  /** The --package folder: the template, serverless-state.json and one zip per function. */
  dir: string;
  /** True when the run had no network at all (see header). */
  isolatedFromNetwork: boolean;
  /** Deletes the package folder and the throwaway HOME. */
  remove(): void;
}

function canIsolateNetwork(): boolean {
  return spawnSync("unshare", ["-n", "true"], { stdio: "ignore" }).status === 0;
}

/** `serverless package <args>` into a fresh folder; never throws on a failed run. */
export function runPackage(args: string[]): PackageRun {
  const dir = mkdtempSync(join(tmpdir(), "coworking-package-"));
  const home = mkdtempSync(join(tmpdir(), "coworking-home-"));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    SLS_TELEMETRY_DISABLED: "1",
  };
  const isolatedFromNetwork = canIsolateNetwork();
  const command = [process.execPath, SERVERLESS, "package", "--package", dir, ...args];
  const [file, ...rest] = isolatedFromNetwork ? ["unshare", "-n", ...command] : command;
  const result = spawnSync(file as string, rest, { cwd: ROOT, env, encoding: "utf8", timeout: 600_000 });
  return {
    status: result.status,
    output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`,
    dir,
    isolatedFromNetwork,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function readTemplate(dir: string): Template {
  return JSON.parse(readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8")) as Template;
}

/** What the framework resolved from serverless.yml (functions, provider.environment, …). */
export function readServiceState(dir: string): {
  service: {
    provider: { environment: Record<string, unknown> };
    functions: Record<string, { handler: string; environment?: Record<string, unknown> }>;
  };
} {
  return JSON.parse(readFileSync(join(dir, "serverless-state.json"), "utf8"));
}

export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The files of a packaged function zip with their unzipped sizes. */
export function bundleEntries(zip: string): { name: string; size: number }[] {
  return readZip(zip).map(({ name, size }) => ({ name, size }));
}
