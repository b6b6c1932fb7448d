// npm run bench: runs every tests/bench/*.bench.ts module in name order. Each exports
// `default async function run(): Promise<void>` and prints its own titled table.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const modules = readdirSync(dir)
  .filter((name) => name.endsWith(".bench.ts"))
  .sort();
const only = process.argv[2]; // `npm run bench -- service` runs service.bench.ts alone

let failed = false;
for (const name of modules) {
  if (only !== undefined && !name.startsWith(only)) continue;
  console.log(`\n=== ${name} ===`);
  try {
    const module = (await import(pathToFileURL(join(dir, name)).href)) as { default: () => Promise<void> };
    await module.default();
  } catch (error) {
    failed = true;
    console.error(`${name} failed:`, error);
  }
}
process.exit(failed ? 1 : 0);
