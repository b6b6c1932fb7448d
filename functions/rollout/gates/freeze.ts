// Change-freeze windows: weekly spans of wall-clock time in a named time zone during which no
// release goes out, e.g. `Fri 16:00-Mon 08:00 Europe/Berlin`. Pure: the clock is a parameter, and
// the time-zone arithmetic uses Intl only (the tz database Node ships with), no dependency.
//
// Syntax (parseFreeze), strict like every operator setting:
// - one or more windows separated by `;` (whitespace around `;` allowed; an empty window, such as
//   the one after a trailing `;`, is refused); at most 20 windows and 2048 characters in all, the
//   length checked before anything else is read;
// - a window is `<Day> <HH:MM>-<Day> <HH:MM> <Zone>`; whitespace around `-` is optional, and the
//   tokens are otherwise separated by whitespace;
// - days are Mon Tue Wed Thu Fri Sat Sun, in any case (`fri`, `FRI`); no full names or numbers;
// - times are HH:MM on the 24-hour clock, two digits each (`08:00`, not `8:00`), 00:00 to 23:59;
//   an end may also be 24:00, the end of that day (`Sat 00:00-Sun 24:00` is the weekend), a start
//   may not (it is the next day's 00:00: write that);
// - the zone is `UTC` or an IANA Area/Location name Intl knows (`Europe/Berlin`,
//   `America/New_York`), matched in any case and kept as Intl resolves it (an alias may resolve to
//   the name ICU prefers: America/Argentina/Buenos_Aires to America/Buenos_Aires). Refused: offsets
//   (`+02:00`, `UTC+2`, `Etc/GMT-2`) and names without an area (`EST`, `CET`, `PST8PDT`): they
//   keep one offset all year or follow no particular place, which is not what an operator who
//   means "our office's Friday afternoon" gets from them;
// - a window whose end is its start (`Mon 08:00-Mon 08:00`, `Mon 00:00-Sun 24:00`) is refused as
//   empty, and windows of one zone that together cover the whole week are refused: that freeze
//   would never end.
//
// Semantics (freezeAt):
// - a window runs from its start forward to the next time the week reaches its end, so it wraps
//   the week when the end comes earlier in the week (`Fri 16:00-Mon 08:00`), and `Sun 22:00-Sun
//   06:00` lasts from Sunday 22:00 to the next Sunday 06:00; every window is shorter than a week;
// - the start is inclusive, the end exclusive (at Mon 08:00:00.000 `Fri 16:00-Mon 08:00` is over);
// - times are wall-clock times in the window's zone, so the window follows daylight saving time;
//   a time the clock skips (02:30 when it jumps from 02:00 to 03:00) means the instant it skips
//   it, i.e. 03:00 local, and a time the clock shows twice (02:30 when it goes back from 03:00 to
//   02:00) means its first occurrence. A window wholly inside the skipped hour does not happen
//   that week;
// - `until` is when no window covers the instant any more: a window that starts (inclusive) where
//   another ends, or overlaps it, extends the freeze. The chain is followed until it passes 28
//   days ahead: windows of different zones that leave no gap between them would never end, and
//   then `until` is the first end past that horizon (still frozen; asking again then goes on);
// - when several windows cover the instant, the one that ends last is reported.

/**
 * Room for MAX_FREEZE_WINDOWS windows with the longest zone names and generous spacing
 * (`Mon 00:00-Mon 01:00 America/Argentina/ComodRivadavia; ` is 54 characters).
 */
export const MAX_FREEZE_LENGTH = 2048;
export const MAX_FREEZE_WINDOWS = 20;
/** How the syntax reads in documentation and in refusals. */
export const FREEZE_SYNTAX =
  "windows like `Fri 16:00-Mon 08:00 Europe/Berlin` (<Day> <HH:MM>-<Day> <HH:MM> <Zone>), separated by `;`";

/** A moment of the week: `day` 1 (Monday) to 7 (Sunday) as in ISO 8601, `minute` 0 to 1439 of that day. */
export interface WeekTime {
  day: number;
  minute: number;
}

export interface FreezeWindow {
  /** The window as written (trimmed). */
  text: string;
  start: WeekTime;
  /** Exclusive; an end written 24:00 is the next day's 00:00 here. */
  end: WeekTime;
  /** An IANA zone name as Intl resolves it, e.g. `Europe/Berlin` or `UTC`. */
  zone: string;
}

export type FreezeState = { frozen: false } | { frozen: true; window: FreezeWindow; until: Date };

/** How much of a bad token or window a message quotes. */
const QUOTED_LIMIT = 64;

const quote = (text: string): string =>
  JSON.stringify(text.length > QUOTED_LIMIT ? `${text.slice(0, QUOTED_LIMIT)}…` : text);

/**
 * A freeze value that does not follow FREEZE_SYNTAX. `problem` says what is wrong; `window` is
 * the offending window (1-based) when the value has several. The message is `problem`, prefixed
 * with the window when there are several; it does not quote the whole value, which the refusal
 * that reports it already quotes.
 */
export class FreezeSyntaxError extends RangeError {
  constructor(
    readonly problem: string,
    readonly window?: { index: number; text: string },
  ) {
    // An empty window has nothing to quote: `window 3 is empty; …`.
    super(
      window === undefined
        ? problem
        : `window ${window.index}${window.text === "" ? "" : ` ${quote(window.text)}:`} ${problem}`,
    );
    this.name = "FreezeSyntaxError";
  }
}

const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far ahead `until` is followed through adjacent and overlapping windows. */
const CHAIN_HORIZON_MS = 28 * DAY_MS;
/** Longer than any IANA name (the longest is about 32 characters). */
const MAX_ZONE_LENGTH = 64;
const EXAMPLE = "Fri 16:00-Mon 08:00 Europe/Berlin";

// ---- parsing -------------------------------------------------------------------------------

const weekMinute = (time: WeekTime): number => (time.day - 1) * MINUTES_PER_DAY + time.minute;

function weekTimeText(time: WeekTime): string {
  const hours = String(Math.floor(time.minute / 60)).padStart(2, "0");
  const minutes = String(time.minute % 60).padStart(2, "0");
  return `${DAY_NAMES[time.day - 1]} ${hours}:${minutes}`;
}

function parseDay(token: string): number {
  const index = DAY_NAMES.findIndex((name) => name.toLowerCase() === token.toLowerCase());
  if (index < 0) {
    throw new WindowProblem(`${quote(token)} is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or Sun`);
  }
  return index + 1;
}

/** Minutes of the day; 1440 (24:00) only for an end. */
function parseTime(token: string, day: number, isEnd: boolean): number {
  const match = /^([0-9]{2}):([0-9]{2})$/.exec(token);
  if (!match)
    throw new WindowProblem(`${quote(token)} is not a time; write HH:MM on the 24-hour clock, like 08:00`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours === 24 && minutes === 0) {
    if (isEnd) return MINUTES_PER_DAY;
    throw new WindowProblem(`a window starts at 00:00, not 24:00; write ${DAY_NAMES[day % 7]} 00:00`);
  }
  if (hours > 23 || minutes > 59) {
    throw new WindowProblem(`${quote(token)} is not a time of day (00:00 to 23:59, and 24:00 as an end)`);
  }
  return hours * 60 + minutes;
}

function parseZone(token: string): string {
  if (/^[+-]/.test(token) || /^(utc|gmt|etc\/gmt|etc\/utc)[+-]/i.test(token)) {
    throw new WindowProblem(
      `${quote(token)} is a fixed offset, not a time zone; name a place, like Europe/Berlin (its daylight saving time is followed), or UTC`,
    );
  }
  if (token.length > MAX_ZONE_LENGTH || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(token)) {
    throw new WindowProblem(
      `${quote(token)} is not a time zone; write an IANA name like Europe/Berlin, or UTC`,
    );
  }
  if (token.toLowerCase() !== "utc" && !token.includes("/")) {
    throw new WindowProblem(
      `${quote(token)} is not a place's time zone; write an Area/Location name like Europe/Berlin or America/New_York, or UTC`,
    );
  }
  try {
    return formatterFor(token).resolvedOptions().timeZone;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new WindowProblem(
      `${quote(token)} is not a time zone known here; write an IANA name like Europe/Berlin, or UTC`,
    );
  }
}

/** A problem inside one window; parseFreeze names the window. */
class WindowProblem extends Error {}

function parseWindow(text: string): FreezeWindow {
  if (text === "") throw new WindowProblem('is empty; remove the extra ";"');
  const dash = text.indexOf("-");
  if (dash < 0) throw new WindowProblem(`has no "-" between its start and its end; write it like ${EXAMPLE}`);
  const head = text.slice(0, dash).trim().split(/\s+/);
  const tail = text
    .slice(dash + 1)
    .trim()
    .split(/\s+/);
  const [startDay = "", startTime = ""] = head;
  const [endDay = "", endTime = "", zoneName = ""] = tail;
  if (head.length !== 2 || startDay === "") {
    throw new WindowProblem(
      'the start must be a day and a time, like "Fri 16:00" (the time zone is written once, at the end)',
    );
  }
  if (tail.length === 2 && /^[0-9]{1,2}:[0-9]{2}$/.test(endTime)) {
    throw new WindowProblem("names no time zone; end it with one, like Europe/Berlin or UTC");
  }
  if (tail.length !== 3 || endDay === "") {
    throw new WindowProblem(`the end must be a day, a time and a time zone, like "Mon 08:00 Europe/Berlin"`);
  }
  const startDayNumber = parseDay(startDay);
  const start: WeekTime = { day: startDayNumber, minute: parseTime(startTime, startDayNumber, false) };
  const endDayNumber = parseDay(endDay);
  const endMinute = parseTime(endTime, endDayNumber, true);
  const end: WeekTime =
    endMinute === MINUTES_PER_DAY
      ? { day: (endDayNumber % 7) + 1, minute: 0 }
      : { day: endDayNumber, minute: endMinute };
  const zone = parseZone(zoneName);
  if (weekMinute(start) === weekMinute(end)) {
    throw new WindowProblem(
      `starts and ends at the same time (${weekTimeText(start)}), so it is empty; a window is shorter than a week`,
    );
  }
  return { text, start, end, zone };
}

/** Whether the windows of one zone leave no minute of the week free. */
function coverWholeWeek(windows: readonly FreezeWindow[]): boolean {
  const spans: [number, number][] = [];
  for (const window of windows) {
    const from = weekMinute(window.start);
    const to = weekMinute(window.end);
    if (from < to) spans.push([from, to]);
    else spans.push([from, MINUTES_PER_WEEK], [0, to]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let reached = 0;
  for (const [from, to] of spans) {
    if (from > reached) return false;
    reached = Math.max(reached, to);
  }
  return reached >= MINUTES_PER_WEEK;
}

/**
 * The windows of a freeze annotation (see FREEZE_SYNTAX and the header of this file). Throws a
 * FreezeSyntaxError (a RangeError) naming the window and what is wrong with it.
 */
export function parseFreeze(value: string): FreezeWindow[] {
  if (value.length > MAX_FREEZE_LENGTH) {
    throw new FreezeSyntaxError(`is longer than ${MAX_FREEZE_LENGTH} characters`);
  }
  if (value.trim() === "") throw new FreezeSyntaxError(`is empty; write ${FREEZE_SYNTAX}`);
  const texts = value.split(";").map((text) => text.trim());
  if (texts.length > MAX_FREEZE_WINDOWS) {
    throw new FreezeSyntaxError(`has ${texts.length} windows; at most ${MAX_FREEZE_WINDOWS} are allowed`);
  }
  const windows = texts.map((text, index) => {
    try {
      return parseWindow(text);
    } catch (error) {
      if (!(error instanceof WindowProblem)) throw error;
      throw new FreezeSyntaxError(error.message, texts.length > 1 ? { index: index + 1, text } : undefined);
    }
  });
  for (const zone of new Set(windows.map((window) => window.zone))) {
    if (coverWholeWeek(windows.filter((window) => window.zone === zone))) {
      throw new FreezeSyntaxError(
        `the windows in ${zone} together cover the whole week, so the freeze would never end`,
      );
    }
  }
  return windows;
}

// ---- time-zone arithmetic ------------------------------------------------------------------
// A wall-clock time is held as "local milliseconds": the milliseconds since 1970-01-01T00:00 of
// a calendar with no zone (computed with Date.UTC), so days and minutes can be added to it
// without any zone rule. The zone's offset at an instant is its local milliseconds minus the
// instant; Intl only tells it to the second, which is all the tz database needs.

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Bounds the cache whatever zone names callers pass; the real zones are a few hundred. */
const FORMATTER_CACHE_LIMIT = 512;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    if (formatters.size >= FORMATTER_CACHE_LIMIT) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The local milliseconds of `zone`'s wall clock at `instant` (whole seconds). */
function wallClock(zone: string, instant: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(instant)) fields[part.type] = Number(part.value);
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0 to 99 as 1900 to 1999.
  date.setUTCFullYear(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1);
  // Some ICU versions write midnight as 24 even with h23.
  date.setUTCHours((fields.hour ?? 0) % 24, fields.minute ?? 0, fields.second ?? 0, 0);
  return date.getTime();
}

function offsetAt(zone: string, instant: number): number {
  const second = instant - (((instant % 1000) + 1000) % 1000);
  return wallClock(zone, second) - second;
}

/**
 * The instant `zone`'s wall clock shows `local`: the first one when it shows it twice (the clock
 * went back), the instant the clock jumped over it when it never shows it (the clock went forward).
 */
function instantOf(zone: string, local: number): number {
  // The offsets a day either side bracket any transition near `local` (the tz database has no
  // two within a day in the years this runs in).
  const before = offsetAt(zone, local - DAY_MS);
  const after = offsetAt(zone, local + DAY_MS);
  const candidates = [before, after]
    .map((offset) => ({ offset, instant: local - offset }))
    .filter(({ offset, instant }) => offsetAt(zone, instant) === offset)
    .map(({ instant }) => instant);
  if (candidates.length > 0) return Math.min(...candidates);
  // Skipped: the clock jumped from `before` to `after` at an instant between these two; find
  // that instant to the second (transitions fall on whole seconds).
  let skipped = local - after;
  let jumped = local - before;
  if (jumped <= skipped) return jumped;
  while (jumped - skipped > 1000) {
    const middle = skipped + Math.floor((jumped - skipped) / 2000) * 1000;
    if (offsetAt(zone, middle) === after) jumped = middle;
    else skipped = middle;
  }
  return jumped;
}

/** ISO weekday (1 = Monday) of a day number of the local calendar (day 0 was a Thursday). */
const weekdayOf = (dayNumber: number): number => ((((dayNumber + 3) % 7) + 7) % 7) + 1;

/** When the occurrence of `window` that covers `instant` ends, or undefined when none covers it. */
function coveringEnd(window: FreezeWindow, instant: number): number | undefined {
  const length =
    (((weekMinute(window.end) - weekMinute(window.start)) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) %
    MINUTES_PER_WEEK;
  if (length === 0) return undefined;
  const today = Math.floor(wallClock(window.zone, instant) / DAY_MS);
  let end: number | undefined;
  // An occurrence that covers the instant started less than a week before it; a day either side
  // absorbs a clock that went back across midnight.
  for (let day = today - 8; day <= today + 1; day++) {
    if (weekdayOf(day) !== window.start.day) continue;
    const startLocal = day * DAY_MS + window.start.minute * MINUTE_MS;
    if (instantOf(window.zone, startLocal) > instant) continue;
    const endsAt = instantOf(window.zone, startLocal + length * MINUTE_MS);
    if (instant < endsAt && (end === undefined || endsAt > end)) end = endsAt;
  }
  return end;
}

/**
 * Whether a release at `now` falls in a freeze, and if so the window covering it (the one ending
 * last) and `until`, the instant from which no window covers the time any more: adjacent and
 * overlapping windows extend it, followed until it passes 28 days ahead.
 */
export function freezeAt(windows: readonly FreezeWindow[], now: Date): FreezeState {
  const instant = now.getTime();
  if (!Number.isFinite(instant)) throw new RangeError("freezeAt: now is not a valid date");
  let window: FreezeWindow | undefined;
  let until = instant;
  for (const candidate of windows) {
    const end = coveringEnd(candidate, instant);
    if (end !== undefined && end > until) {
      window = candidate;
      until = end;
    }
  }
  if (window === undefined) return { frozen: false };
  // Each round moves `until` to the end of a later occurrence, so it ends: at the first instant
  // no window covers, or at the horizon.
  while (until < instant + CHAIN_HORIZON_MS) {
    let next = until;
    for (const candidate of windows) next = Math.max(next, coveringEnd(candidate, until) ?? next);
    if (next === until) break;
    until = next;
  }
  return { frozen: true, window, until: new Date(until) };
}
