// The deterministic demo and bench data: the same options always give the same rows, byte for byte.
// Rows come out as PostgreSQL COPY text lines so that a million tokens stream straight into COPY.
// Edge cases the reports must get right are placed at fixed positions:
//   user 0 joined exactly at midnight, user 1 at a whole second (zero microseconds), user 2 with
//   microseconds that end in zeros (.120000); the last tenth of the users have no tokens;
//   token 0 is created exactly at midnight and used, token 1 at midnight and never used, and about
//   15% of all tokens are never used.

export interface DatasetOptions {
  users: number;
  tokens: number;
  /** PRNG seed: another seed gives another, equally deterministic, data set. */
  seed: number;
  /** First day of the token window, as UTC epoch milliseconds of a midnight. */
  startMs: number;
  /** Length of the token window in days. */
  days: number;
}

export const defaultDataset: DatasetOptions = {
  users: 1000,
  tokens: 2500,
  seed: 2026,
  startMs: Date.UTC(2026, 0, 5),
  days: 7,
};

const MICROS_PER_DAY = 86_400_000_000;
const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Alan",
  "Edsger",
  "Barbara",
  "Ken",
  "Margaret",
  "Linus",
  "Radia",
  "Dennis",
];
const LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Perlman"];
const TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; enough for demo data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (value: number) => (value < 10 ? `0${value}` : String(value));
// The date part changes rarely between consecutive rows; formatting it once per day keeps a
// million-row data set fast to generate.
let cachedDay = Number.NaN;
let cachedDayText = "";

/** A timestamp-without-time-zone literal with all six fractional digits, e.g. 2026-01-05 09:30:00.000000. */
export function timestampLiteral(epochMicros: number): string {
  const day = Math.floor(epochMicros / MICROS_PER_DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
  }
  const ofDay = epochMicros - day * MICROS_PER_DAY;
  const seconds = Math.floor(ofDay / 1_000_000);
  const micros = ofDay - seconds * 1_000_000;
  const time = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
  return `${cachedDayText} ${time}.${String(micros).padStart(6, "0")}`;
}

/** Users never receiving tokens: the last tenth (at least one user when there are two or more). */
export function usersWithTokens(users: number): number {
  return users <= 1 ? users : Math.min(users - 1, Math.ceil(users * 0.9));
}

/** COPY lines for users(id, first_name, last_name, joined_at, is_active), ids firstId, firstId+1, ... */
export function* userLines(options: DatasetOptions, firstId: number): Generator<string> {
  const random = prng(options.seed);
  const startMicros = options.startMs * 1000;
  for (let index = 0; index < options.users; index++) {
    const daysBefore = 1 + Math.floor(random() * 365);
    const midnight = startMicros - daysBefore * MICROS_PER_DAY;
    const secondOfDay = Math.floor(random() * 86_400);
    const microsPart = Math.floor(random() * 1_000_000);
    let joined: number;
    if (index === 0) joined = midnight;
    else if (index === 1) joined = midnight + secondOfDay * 1_000_000;
    else if (index === 2) joined = midnight + secondOfDay * 1_000_000 + 120_000;
    else joined = midnight + secondOfDay * 1_000_000 + (random() < 0.1 ? 0 : microsPart);
    const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)];
    const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)];
    const active = random() < 0.95 ? "t" : "f";
    yield `${firstId + index}\t${first}\t${last}\t${timestampLiteral(joined)}\t${active}\n`;
  }
}

/** COPY lines for tokens(id, user_id, token, created_at, used_at); `\N` is COPY's NULL. */
export function* tokenLines(
  options: DatasetOptions,
  firstUserId: number,
  firstId: number,
): Generator<string> {
  const random = prng(options.seed + 1);
  const startMicros = options.startMs * 1000;
  const holders = usersWithTokens(options.users);
  if (holders === 0 && options.tokens > 0) throw new RangeError("tokens need at least one user");
  for (let index = 0; index < options.tokens; index++) {
    const userId = firstUserId + Math.floor(random() * holders);
    let token = "";
    for (let char = 0; char < 6; char++)
      token += TOKEN_ALPHABET[Math.floor(random() * TOKEN_ALPHABET.length)];
    const offset = Math.floor(random() * options.days * MICROS_PER_DAY);
    const created = index < 2 ? startMicros + (index % options.days) * MICROS_PER_DAY : startMicros + offset;
    const usedAfter = Math.floor(random() * 3 * 3_600_000_000);
    const used = index === 0 || (index !== 1 && random() >= 0.15);
    const usedAt = used ? timestampLiteral(created + usedAfter) : "\\N";
    yield `${firstId + index}\t${userId}\t${token}\t${timestampLiteral(created)}\t${usedAt}\n`;
  }
}
