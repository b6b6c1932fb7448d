// Writes a generated data set into a database with COPY FROM STDIN: a million tokens in seconds.
// New rows get ids after the existing ones, so seeding a database that already has data adds to it.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ClientBase } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { ensureSchema } from "../database/schema.js";
import { type DatasetOptions, tokenLines, userLines } from "./dataset.js";

export interface SeedResult {
  users: number;
  tokens: number;
  firstUserId: number;
}

export async function writeDataset(client: ClientBase, options: DatasetOptions): Promise<SeedResult> {
  await ensureSchema(client);
  await client.query("BEGIN");
  try {
    // Other writers must not take ids from under us while we copy with explicit ids.
    await client.query("LOCK TABLE users, tokens IN SHARE ROW EXCLUSIVE MODE");
    const firstUserId = await nextId(client, "users");
    const firstTokenId = await nextId(client, "tokens");
    await copy(
      client,
      "COPY users (id, first_name, last_name, joined_at, is_active) FROM STDIN",
      userLines(options, firstUserId),
    );
    await copy(
      client,
      "COPY tokens (id, user_id, token, created_at, used_at) FROM STDIN",
      tokenLines(options, firstUserId, firstTokenId),
    );
    for (const table of ["users", "tokens"]) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'id'), greatest((SELECT max(id) FROM ${table}), 1))`,
      );
    }
    await client.query("COMMIT");
    // Fresh statistics and visibility map: the report queries' index-only scans depend on both.
    await client.query("VACUUM ANALYZE users, tokens");
    return { users: options.users, tokens: options.tokens, firstUserId };
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

async function nextId(client: ClientBase, table: "users" | "tokens"): Promise<number> {
  const result = await client.query<{ next: number }>(
    `SELECT coalesce(max(id), 0)::int + 1 AS next FROM ${table}`,
  );
  return result.rows[0]?.next ?? 1;
}

/** Lines are joined into 256 KiB chunks: one stream write per line would dominate the time. */
function* chunks(lines: Iterable<string>): Generator<string> {
  let chunk = "";
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function copy(client: ClientBase, statement: string, lines: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(chunks(lines)), client.query(copyFrom(statement)));
}
