// The one failure of `npm start`'s embedded PostgreSQL that a developer must act on. Its message
// is a single line (why, then what to do) with no secrets; main.ts prints only that and exits 1.
// Kept apart from embedded.ts so that main.ts can recognise it without loading the embedded code.

export class EmbeddedDatabaseError extends Error {
  constructor(reason: string, remedy: string, options?: ErrorOptions) {
    super(`embedded PostgreSQL cannot start: ${oneLine(reason)}; ${oneLine(remedy)}`, options);
    this.name = "EmbeddedDatabaseError";
  }
}

/** Collapses whitespace (newlines included) so that a message stays one line; bounded length. */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The remedy every message ends with. */
export const useAnotherDatabase =
  "set DATABASE_URL (or DB_HOST/DB_PORT/DB_USERNAME/DB_PASSWORD/DB_NAME) to a running PostgreSQL";
