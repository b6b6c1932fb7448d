// npm run seed -- --users N --tokens M [--seed S] [--start YYYY-MM-DD] [--days D]
// Writes the deterministic data set into the configured database (DB_* or DATABASE_URL).
import { parseArgs } from "node:util";
import pg from "pg";
import { describeTarget, poolConfig, readConfig } from "../src/config.js";
import { type DatasetOptions, defaultDataset } from "../src/seed/dataset.js";
import { writeDataset } from "../src/seed/writeDataset.js";

function count(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return value;
}

function datasetOptions(argv: string[]): DatasetOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: "string" },
      tokens: { type: "string" },
      seed: { type: "string" },
      start: { type: "string" },
      days: { type: "string" },
    },
    strict: true,
  });
  const startMs =
    values.start === undefined ? defaultDataset.startMs : Date.parse(`${values.start}T00:00:00Z`);
  if (Number.isNaN(startMs)) throw new Error(`--start must be a date YYYY-MM-DD, got '${values.start}'`);
  const options = {
    users: count("users", values.users, defaultDataset.users, 1),
    tokens: count("tokens", values.tokens, defaultDataset.tokens, 0),
    seed: count("seed", values.seed, defaultDataset.seed, 0),
    startMs,
    days: count("days", values.days, defaultDataset.days, 1),
  };
  return options;
}

async function main(): Promise<void> {
  const options = datasetOptions(process.argv.slice(2));
  const target = readConfig(process.env).database;
  if (target === undefined) {
    throw new Error(
      "no database configured: set DB_USERNAME/DB_PASSWORD/DB_HOST/DB_PORT/DB_NAME or DATABASE_URL",
    );
  }
  const client = new pg.Client(poolConfig(target));
  await client.connect();
  const started = performance.now();
  try {
    const result = await writeDataset(client, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `seeded ${describeTarget(target)}: ${result.users} users, ${result.tokens} tokens in ${seconds} s`,
    );
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
