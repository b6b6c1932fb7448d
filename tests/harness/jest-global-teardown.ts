// Jest global teardown of the integration project: stops the harness the global setup started
// and removes its folder (with HARNESS_EXTERNAL=1, only the scratch folder).
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.HARNESS_DIR;
  if (!dir) return;
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", join(root, "tests", "harness", "cli.ts"), "down", dir],
    { cwd: root, stdio: "inherit" },
  );
  if (result.status !== 0)
    throw new Error(`stopping the test harness in ${dir} failed (exit ${result.status})`);
}
