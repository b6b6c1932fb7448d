// The SQL files under service/sql, found next to the running code: in the repository
// (service/src/database -> service/sql) and in the image (dist/main.js -> dist/sql, see Dockerfile).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClientBase, Pool } from "pg";

const here = dirname(fileURLToPath(import.meta.url));
const sqlDir = [join(here, "../../sql"), join(here, "sql")].find((dir) =>
  existsSync(join(dir, "schema.sql")),
);

export function readSql(name: "schema.sql" | "report-indexes.sql"): string {
  if (sqlDir === undefined) throw new Error(`SQL directory not found next to ${here}`);
  return readFileSync(join(sqlDir, name), "utf8");
}

/** Creates the coworking tables if they are missing (embedded database, seed, tests). */
export async function ensureSchema(db: Pool | ClientBase): Promise<void> {
  await db.query(readSql("schema.sql"));
}

/** The report indexes' statements, one per statement: CONCURRENTLY forbids a multi-statement query. */
export function reportIndexStatements(): string[] {
  const withoutComments = readSql("report-indexes.sql")
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n");
  return withoutComments
    .split(";")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
