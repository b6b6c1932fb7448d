// Packaging: how long `serverless package --stage dev` takes offline, and what each
// function ships: the minified ESM handler (budget 2.5 MB, docs/benchmarks.md), its source map
// and the zip Lambda receives. The same offline run as tests/integration/iac.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { bundleEntries, runPackage } from "../integration/iac/packaged.js";

const BUDGET_BYTES = 2_500_000;
const MB = 1_000_000;

export default async function run(): Promise<void> {
  const started = performance.now();
  const packaged = runPackage(["--stage", "dev"]);
  const seconds = (performance.now() - started) / 1000;
  if (packaged.status !== 0) throw new Error(`serverless package failed:\n${packaged.output}`);
  console.log(
    `serverless package --stage dev: ${seconds.toFixed(1)} s (${packaged.isolatedFromNetwork ? "no network" : "network present"}, no credentials)`,
  );
  const zips = readdirSync(packaged.dir)
    .filter((file) => file.endsWith(".zip"))
    .sort();
  const rows = zips.map((file) => {
    const zip = join(packaged.dir, file);
    const name = file.replace(/\.zip$/, "");
    const files = bundleEntries(zip);
    const handler = files.find((entry) => entry.name.endsWith("handler.mjs"))?.size ?? Number.NaN;
    const map = files.find((entry) => entry.name.endsWith("handler.mjs.map"))?.size ?? 0;
    return {
      function: name,
      "handler.mjs (MB)": (handler / MB).toFixed(2),
      "source map (MB)": (map / MB).toFixed(2),
      "zip (MB)": (statSync(zip).size / MB).toFixed(2),
      "within 2.5 MB": handler <= BUDGET_BYTES ? "yes" : "NO",
    };
  });
  console.table(rows);
  packaged.remove();
}
