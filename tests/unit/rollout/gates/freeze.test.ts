import {
  FREEZE_SYNTAX,
  type FreezeState,
  FreezeSyntaxError,
  freezeAt,
  MAX_FREEZE_LENGTH,
  MAX_FREEZE_WINDOWS,
  parseFreeze,
} from "../../../../functions/rollout/gates/freeze.js";

// Every instant is given in UTC (`Z`), so nothing depends on the machine's time zone.

function errorOf(value: string): FreezeSyntaxError {
  try {
    parseFreeze(value);
  } catch (error) {
    if (error instanceof FreezeSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

/** `until <ISO>` or `free`, with the window that covers the instant. */
function at(value: string, iso: string): string {
  const state: FreezeState = freezeAt(parseFreeze(value), new Date(iso));
  return state.frozen ? `${state.window.text} until ${state.until.toISOString()}` : "free";
}

describe("parseFreeze", () => {
  it("reads a window: ISO weekdays (Monday 1), minutes of the day, the zone as Intl spells it", () => {
    expect(parseFreeze("Fri 16:00-Mon 08:00 Europe/Berlin")).toEqual([
      {
        text: "Fri 16:00-Mon 08:00 Europe/Berlin",
        start: { day: 5, minute: 960 },
        end: { day: 1, minute: 480 },
        zone: "Europe/Berlin",
      },
    ]);
  });

  it("takes days and zones in any case, and whitespace around '-' and ';'", () => {
    expect(parseFreeze(" fri 16:00 - MON 08:00 europe/berlin ;\n\tsat 09:30-SUN 23:59 utc ")).toEqual([
      {
        text: "fri 16:00 - MON 08:00 europe/berlin",
        start: { day: 5, minute: 960 },
        end: { day: 1, minute: 480 },
        zone: "Europe/Berlin",
      },
      {
        text: "sat 09:30-SUN 23:59 utc",
        start: { day: 6, minute: 570 },
        end: { day: 7, minute: 1439 },
        zone: "UTC",
      },
    ]);
  });

  it("reads an end of 24:00 as the next day's 00:00 (Sunday's as Monday's)", () => {
    expect(parseFreeze("Sat 00:00-Sun 24:00 UTC")[0]).toMatchObject({
      start: { day: 6, minute: 0 },
      end: { day: 1, minute: 0 },
    });
    expect(parseFreeze("Wed 12:00-Wed 24:00 UTC")[0]?.end).toEqual({ day: 4, minute: 0 });
  });

  it("accepts UTC and Area/Location names, with '-' and '_' in them", () => {
    expect(parseFreeze("Mon 00:00-Mon 01:00 Etc/UTC")[0]?.zone).toBe("UTC");
    expect(parseFreeze("Mon 00:00-Mon 01:00 America/Port-au-Prince")[0]?.zone).toBe("America/Port-au-Prince");
    // An alias is kept as Intl resolves it (this ICU prefers America/Buenos_Aires).
    const buenosAires = "America/Argentina/Buenos_Aires";
    expect(parseFreeze(`Mon 00:00-Mon 01:00 ${buenosAires}`)[0]?.zone).toBe(
      new Intl.DateTimeFormat("en-US", { timeZone: buenosAires }).resolvedOptions().timeZone,
    );
  });

  it(`accepts ${MAX_FREEZE_WINDOWS} windows, even with long zone names`, () => {
    const value = Array(MAX_FREEZE_WINDOWS)
      .fill("Mon 00:00-Mon 01:00 America/Argentina/Buenos_Aires")
      .join("; ");
    expect(value.length).toBeLessThanOrEqual(MAX_FREEZE_LENGTH);
    expect(parseFreeze(value)).toHaveLength(MAX_FREEZE_WINDOWS);
  });

  it.each([
    ["", `is empty; write ${FREEZE_SYNTAX}`],
    [" \n ", `is empty; write ${FREEZE_SYNTAX}`],
    [
      "Fri 16:00 Mon 08:00 UTC",
      'has no "-" between its start and its end; write it like Fri 16:00-Mon 08:00 Europe/Berlin',
    ],
    ["Fri 16:00-Mon 08:00", "names no time zone; end it with one, like Europe/Berlin or UTC"],
    [
      "Fri 16:00 UTC-Mon 08:00 UTC",
      'the start must be a day and a time, like "Fri 16:00" (the time zone is written once, at the end)',
    ],
    [
      "16:00-Mon 08:00 UTC",
      'the start must be a day and a time, like "Fri 16:00" (the time zone is written once, at the end)',
    ],
    [
      "-Mon 08:00 UTC",
      'the start must be a day and a time, like "Fri 16:00" (the time zone is written once, at the end)',
    ],
    ["Fri 16:00-Mon 08:00 ", "names no time zone; end it with one, like Europe/Berlin or UTC"],
    ["Fri 16:00-08:00 UTC", 'the end must be a day, a time and a time zone, like "Mon 08:00 Europe/Berlin"'],
    [
      "Fri 16:00-Mon 08:00 UTC extra",
      'the end must be a day, a time and a time zone, like "Mon 08:00 Europe/Berlin"',
    ],
    ["Friday 16:00-Mon 08:00 UTC", '"Friday" is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or Sun'],
    ["Fri 16:00-Mo 08:00 UTC", '"Mo" is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or Sun'],
    ["Fri 8:00-Mon 08:00 UTC", '"8:00" is not a time; write HH:MM on the 24-hour clock, like 08:00'],
    ["Fri 16h-Mon 08:00 UTC", '"16h" is not a time; write HH:MM on the 24-hour clock, like 08:00'],
    ["Fri 16:00:00-Mon 08:00 UTC", '"16:00:00" is not a time; write HH:MM on the 24-hour clock, like 08:00'],
    ["Fri 25:00-Mon 08:00 UTC", '"25:00" is not a time of day (00:00 to 23:59, and 24:00 as an end)'],
    ["Fri 16:60-Mon 08:00 UTC", '"16:60" is not a time of day (00:00 to 23:59, and 24:00 as an end)'],
    ["Fri 16:00-Mon 24:30 UTC", '"24:30" is not a time of day (00:00 to 23:59, and 24:00 as an end)'],
    ["Fri 24:00-Mon 08:00 UTC", "a window starts at 00:00, not 24:00; write Sat 00:00"],
    ["Sun 24:00-Mon 08:00 UTC", "a window starts at 00:00, not 24:00; write Mon 00:00"],
    ...["+02:00", "-05:00", "UTC+2", "utc-2", "GMT+1", "Etc/GMT-2", "Etc/UTC+1"].map((zone) => [
      `Fri 16:00-Mon 08:00 ${zone}`,
      `"${zone}" is a fixed offset, not a time zone; name a place, like Europe/Berlin (its daylight saving time is followed), or UTC`,
    ]),
    ...["EST", "CET", "PST8PDT", "GMT", "Japan"].map((zone) => [
      `Fri 16:00-Mon 08:00 ${zone}`,
      `"${zone}" is not a place's time zone; write an Area/Location name like Europe/Berlin or America/New_York, or UTC`,
    ]),
    ...["Europe/Berln", "Mars/Olympus_Mons"].map((zone) => [
      `Fri 16:00-Mon 08:00 ${zone}`,
      `"${zone}" is not a time zone known here; write an IANA name like Europe/Berlin, or UTC`,
    ]),
    [
      `Fri 16:00-Mon 08:00 Europe/${"A".repeat(58)}`,
      `"Europe/${"A".repeat(57)}…" is not a time zone; write an IANA name like Europe/Berlin, or UTC`,
    ],
    ...["Europe/Berlin!", "1Europe/Berlin", "Europe/Berlin\u0000"].map((zone) => [
      `Fri 16:00-Mon 08:00 ${zone}`,
      `${JSON.stringify(zone)} is not a time zone; write an IANA name like Europe/Berlin, or UTC`,
    ]),
    [
      "Mon 08:00-Mon 08:00 UTC",
      "starts and ends at the same time (Mon 08:00), so it is empty; a window is shorter than a week",
    ],
    [
      "Sun 00:00-Sat 24:00 UTC",
      "starts and ends at the same time (Sun 00:00), so it is empty; a window is shorter than a week",
    ],
    [
      "Mon 00:00-Fri 00:00 UTC; Thu 00:00-Mon 00:00 UTC",
      "the windows in UTC together cover the whole week, so the freeze would never end",
    ],
    [
      "Sat 00:00-Sun 12:00 Europe/Berlin; Mon 00:00-Sat 00:00 UTC; Sun 12:00-Mon 00:00 europe/berlin; Mon 00:00-Sat 00:00 Europe/Berlin",
      "the windows in Europe/Berlin together cover the whole week, so the freeze would never end",
    ],
    [
      `Fri 16:00-Mon 08:00 UTC${" ".repeat(MAX_FREEZE_LENGTH)}`,
      `is longer than ${MAX_FREEZE_LENGTH} characters`,
    ],
    [
      Array(MAX_FREEZE_WINDOWS + 1)
        .fill("Mon 00:00-Mon 01:00 UTC")
        .join(";"),
      `has ${MAX_FREEZE_WINDOWS + 1} windows; at most ${MAX_FREEZE_WINDOWS} are allowed`,
    ],
  ])("refuses %p: %s", (value, message) => {
    const error = errorOf(value);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.window).toBeUndefined();
    expect(error.problem).toBe(message);
    expect(error.message).toBe(message);
  });

  it.each([
    ["Fri 16:00-Mon 08:00 UTC;", 2, "", 'window 2 is empty; remove the extra ";"'],
    ["Fri 16:00-Mon 08:00 UTC; ;Sat 00:00-Sat 01:00 UTC", 2, "", 'window 2 is empty; remove the extra ";"'],
    [
      "Fri 16:00-Mon 08:00 UTC; Sat 25:00-Sun 08:00 UTC",
      2,
      "Sat 25:00-Sun 08:00 UTC",
      'window 2 "Sat 25:00-Sun 08:00 UTC": "25:00" is not a time of day (00:00 to 23:59, and 24:00 as an end)',
    ],
    [
      "Fri 16:00-Mon 08:00 Europe/Berln ; Sat 00:00-Sun 08:00 UTC",
      1,
      "Fri 16:00-Mon 08:00 Europe/Berln",
      'window 1 "Fri 16:00-Mon 08:00 Europe/Berln": "Europe/Berln" is not a time zone known here; write an IANA name like Europe/Berlin, or UTC',
    ],
  ])("names the window when there are several: %p", (value, index, text, message) => {
    const error = errorOf(value);
    expect(error.window).toEqual({ index, text });
    expect(error.message).toBe(message);
  });

  it("quotes at most 64 characters of a bad token", () => {
    expect(errorOf(`Fri${"x".repeat(100)} 16:00-Mon 08:00 UTC`).message).toBe(
      `"Fri${"x".repeat(61)}…" is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or Sun`,
    );
  });

  it("refuses a 100 KB value by its length, before reading it", () => {
    const hostile = "Fri 16:00-Mon 08:00 UTC; ".repeat(4096);
    expect(hostile.length).toBeGreaterThan(100_000);
    expect(() => parseFreeze(hostile)).toThrow(`is longer than ${MAX_FREEZE_LENGTH} characters`);
    expect(() => parseFreeze(`${"-".repeat(100_000)}`)).toThrow(FreezeSyntaxError);
    expect(() => parseFreeze(";".repeat(100_000))).toThrow(FreezeSyntaxError);
  });
});

describe("freezeAt", () => {
  // 2026-03-06 is a Friday, 2026-03-09 the Monday after.
  const weekend = "Fri 16:00-Mon 08:00 UTC";

  it("is never frozen without windows", () => {
    expect(freezeAt([], new Date("2026-03-06T17:00:00Z"))).toEqual({ frozen: false });
  });

  it("starts inclusive and ends exclusive, to the millisecond", () => {
    expect(at(weekend, "2026-03-06T15:59:59.999Z")).toBe("free");
    expect(at(weekend, "2026-03-06T16:00:00.000Z")).toBe(`${weekend} until 2026-03-09T08:00:00.000Z`);
    expect(at(weekend, "2026-03-09T07:59:59.999Z")).toBe(`${weekend} until 2026-03-09T08:00:00.000Z`);
    expect(at(weekend, "2026-03-09T08:00:00.000Z")).toBe("free");
  });

  it("returns the window and the end as values", () => {
    const [window] = parseFreeze(weekend);
    expect(freezeAt(parseFreeze(weekend), new Date("2026-03-07T12:00:00Z"))).toEqual({
      frozen: true,
      window,
      until: new Date("2026-03-09T08:00:00Z"),
    });
  });

  it("wraps the week: over Sunday into Monday", () => {
    expect(at(weekend, "2026-03-08T23:59:59Z")).toBe(`${weekend} until 2026-03-09T08:00:00.000Z`);
    expect(at(weekend, "2026-03-09T00:00:00Z")).toBe(`${weekend} until 2026-03-09T08:00:00.000Z`);
    expect(at(weekend, "2026-03-11T12:00:00Z")).toBe("free");
  });

  it("an end earlier on the start's day runs to that time a week later", () => {
    const window = "Sun 22:00-Sun 06:00 UTC";
    expect(at(window, "2026-03-08T21:59:59Z")).toBe("free");
    expect(at(window, "2026-03-08T22:00:00Z")).toBe(`${window} until 2026-03-15T06:00:00.000Z`);
    expect(at(window, "2026-03-12T12:00:00Z")).toBe(`${window} until 2026-03-15T06:00:00.000Z`);
    expect(at(window, "2026-03-15T05:59:59Z")).toBe(`${window} until 2026-03-15T06:00:00.000Z`);
    expect(at(window, "2026-03-15T06:00:00Z")).toBe("free");
  });

  it("an end of 24:00 is the next midnight", () => {
    const window = "Sat 00:00-Sun 24:00 UTC";
    expect(at(window, "2026-03-07T00:00:00Z")).toBe(`${window} until 2026-03-09T00:00:00.000Z`);
    expect(at(window, "2026-03-08T23:59:59.999Z")).toBe(`${window} until 2026-03-09T00:00:00.000Z`);
    expect(at(window, "2026-03-09T00:00:00Z")).toBe("free");
  });

  it("chains adjacent windows: `until` is when the freeze really ends", () => {
    const value = "Fri 16:00-Sat 00:00 UTC; Sat 00:00-Mon 08:00 UTC";
    expect(at(value, "2026-03-06T17:00:00Z")).toBe("Fri 16:00-Sat 00:00 UTC until 2026-03-09T08:00:00.000Z");
    expect(at(value, "2026-03-07T00:00:00Z")).toBe("Sat 00:00-Mon 08:00 UTC until 2026-03-09T08:00:00.000Z");
  });

  it("chains overlapping windows, and reports the window that ends last", () => {
    const value = "Fri 16:00-Sun 00:00 UTC; Sat 12:00-Mon 08:00 UTC; Sun 20:00-Mon 06:00 UTC";
    expect(at(value, "2026-03-06T17:00:00Z")).toBe("Fri 16:00-Sun 00:00 UTC until 2026-03-09T08:00:00.000Z");
    expect(at(value, "2026-03-07T13:00:00Z")).toBe("Sat 12:00-Mon 08:00 UTC until 2026-03-09T08:00:00.000Z");
    expect(at(value, "2026-03-08T21:00:00Z")).toBe("Sat 12:00-Mon 08:00 UTC until 2026-03-09T08:00:00.000Z");
  });

  it("does not chain over a gap, even of a minute", () => {
    const value = "Fri 16:00-Sat 00:00 UTC; Sat 00:01-Mon 08:00 UTC";
    expect(at(value, "2026-03-06T17:00:00Z")).toBe("Fri 16:00-Sat 00:00 UTC until 2026-03-07T00:00:00.000Z");
    expect(at(value, "2026-03-07T00:00:30Z")).toBe("free");
  });

  it("chains windows of different zones", () => {
    // Berlin is UTC+1 in early March: its 19:00 is 18:00 UTC.
    const value = "Fri 16:00-Fri 18:00 UTC; Fri 19:00-Fri 22:00 Europe/Berlin";
    expect(at(value, "2026-03-06T16:30:00Z")).toBe("Fri 16:00-Fri 18:00 UTC until 2026-03-06T21:00:00.000Z");
  });

  it("follows windows that never leave a gap 28 days ahead, and stops", () => {
    // Tokyo's Thursday 00:00 to Tuesday 00:00 is Wednesday 15:00 to Monday 15:00 UTC.
    const value = "Mon 00:00-Fri 00:00 UTC; Thu 00:00-Tue 00:00 Asia/Tokyo";
    const state = freezeAt(parseFreeze(value), new Date("2026-03-02T00:00:00Z"));
    expect(state.frozen).toBe(true);
    if (!state.frozen) return;
    expect(state.until.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-03-30T00:00:00Z"));
    expect(state.until.getTime()).toBeLessThan(Date.parse("2026-04-07T00:00:00Z"));
  });

  it("refuses an invalid instant", () => {
    expect(() => freezeAt(parseFreeze(weekend), new Date(Number.NaN))).toThrow(RangeError);
  });

  describe("Europe/Berlin, clocks forward on 2026-03-29 (02:00 CET → 03:00 CEST)", () => {
    it("a window across the change keeps its wall-clock ends: 15:00 UTC Friday, 06:00 UTC Monday", () => {
      const value = "Fri 16:00-Mon 08:00 Europe/Berlin";
      expect(at(value, "2026-03-27T14:59:59.999Z")).toBe("free");
      expect(at(value, "2026-03-27T15:00:00Z")).toBe(`${value} until 2026-03-30T06:00:00.000Z`);
      expect(at(value, "2026-03-30T05:59:59.999Z")).toBe(`${value} until 2026-03-30T06:00:00.000Z`);
      expect(at(value, "2026-03-30T06:00:00Z")).toBe("free");
    });
    it("a skipped start is the instant the clock skips it (03:00 CEST)", () => {
      const value = "Sun 02:30-Sun 05:00 Europe/Berlin";
      expect(at(value, "2026-03-29T00:59:59.999Z")).toBe("free");
      expect(at(value, "2026-03-29T01:00:00Z")).toBe(`${value} until 2026-03-29T03:00:00.000Z`);
      // The week before, 02:30 CET was 01:30 UTC.
      expect(at(value, "2026-03-22T01:29:59Z")).toBe("free");
      expect(at(value, "2026-03-22T01:30:00Z")).toBe(`${value} until 2026-03-22T04:00:00.000Z`);
    });
    it("a skipped end is the same instant, where a window starting then takes over", () => {
      const value = "Sat 22:00-Sun 02:30 Europe/Berlin; Sun 02:30-Sun 05:00 Europe/Berlin";
      expect(at(value, "2026-03-29T00:59:59Z")).toBe(
        "Sat 22:00-Sun 02:30 Europe/Berlin until 2026-03-29T03:00:00.000Z",
      );
      expect(at(value, "2026-03-29T01:00:00Z")).toBe(
        "Sun 02:30-Sun 05:00 Europe/Berlin until 2026-03-29T03:00:00.000Z",
      );
      expect(at("Sat 22:00-Sun 02:30 Europe/Berlin", "2026-03-29T01:00:00Z")).toBe("free");
    });
    it("a window wholly inside the skipped hour does not happen that week", () => {
      const value = "Sun 02:10-Sun 02:50 Europe/Berlin";
      expect(at(value, "2026-03-29T00:59:59Z")).toBe("free");
      expect(at(value, "2026-03-29T01:00:00Z")).toBe("free");
      expect(at(value, "2026-03-22T01:10:00Z")).toBe(`${value} until 2026-03-22T01:50:00.000Z`);
    });
  });

  describe("Europe/Berlin, clocks back on 2026-10-25 (03:00 CEST → 02:00 CET)", () => {
    it("a window across the change keeps its wall-clock ends: 14:00 UTC Friday, 07:00 UTC Monday", () => {
      const value = "Fri 16:00-Mon 08:00 Europe/Berlin";
      expect(at(value, "2026-10-23T13:59:59Z")).toBe("free");
      expect(at(value, "2026-10-23T14:00:00Z")).toBe(`${value} until 2026-10-26T07:00:00.000Z`);
      expect(at(value, "2026-10-26T07:00:00Z")).toBe("free");
    });
    it("a time shown twice means its first occurrence, for an end and for a start", () => {
      const before = "Sat 22:00-Sun 02:30 Europe/Berlin";
      const after = "Sun 02:30-Sun 05:00 Europe/Berlin";
      // 02:30 CEST is 00:30 UTC; 02:30 CET, an hour later, is 01:30 UTC.
      expect(at(before, "2026-10-24T19:59:59Z")).toBe("free");
      expect(at(before, "2026-10-24T20:00:00Z")).toBe(`${before} until 2026-10-25T00:30:00.000Z`);
      expect(at(before, "2026-10-25T00:30:00Z")).toBe("free");
      expect(at(before, "2026-10-25T01:15:00Z")).toBe("free");
      expect(at(after, "2026-10-25T00:29:59Z")).toBe("free");
      expect(at(after, "2026-10-25T00:30:00Z")).toBe(`${after} until 2026-10-25T04:00:00.000Z`);
      expect(at(`${before}; ${after}`, "2026-10-25T00:29:59Z")).toBe(
        `${before} until 2026-10-25T04:00:00.000Z`,
      );
    });
  });

  describe("America/New_York", () => {
    it("clocks forward on 2026-03-08 (02:00 EST → 03:00 EDT): a skipped start is 03:00 EDT", () => {
      const value = "Sun 02:00-Sun 04:00 America/New_York";
      expect(at(value, "2026-03-08T06:59:59Z")).toBe("free");
      expect(at(value, "2026-03-08T07:00:00Z")).toBe(`${value} until 2026-03-08T08:00:00.000Z`);
      expect(at(value, "2026-03-08T08:00:00Z")).toBe("free");
    });
    it("clocks back on 2026-11-01 (02:00 EDT → 01:00 EST): the first 01:30", () => {
      const before = "Sat 20:00-Sun 01:30 America/New_York";
      const after = "Sun 01:30-Sun 03:00 America/New_York";
      expect(at(before, "2026-11-01T00:00:00Z")).toBe(`${before} until 2026-11-01T05:30:00.000Z`);
      expect(at(before, "2026-11-01T06:30:00Z")).toBe("free");
      expect(at(after, "2026-11-01T05:30:00Z")).toBe(`${after} until 2026-11-01T08:00:00.000Z`);
    });
    it("a weekday window: 09:00-17:00 is 14:00-22:00 UTC in winter, 13:00-21:00 in summer", () => {
      const value = "Mon 09:00-Mon 17:00 America/New_York";
      expect(at(value, "2026-03-02T14:00:00Z")).toBe(`${value} until 2026-03-02T22:00:00.000Z`);
      expect(at(value, "2026-03-09T13:00:00Z")).toBe(`${value} until 2026-03-09T21:00:00.000Z`);
      expect(at(value, "2026-03-09T21:00:00Z")).toBe("free");
    });
  });

  describe("offsets of 30 and 45 minutes", () => {
    it("Asia/Kolkata (UTC+5:30)", () => {
      const value = "Mon 09:00-Mon 17:00 Asia/Kolkata";
      expect(at(value, "2026-03-02T03:29:59Z")).toBe("free");
      expect(at(value, "2026-03-02T03:30:00Z")).toBe(`${value} until 2026-03-02T11:30:00.000Z`);
    });
    it("Asia/Kathmandu (UTC+5:45), across the local week's end", () => {
      const value = "Fri 18:00-Mon 06:00 Asia/Kathmandu";
      expect(at(value, "2026-03-06T12:14:59Z")).toBe("free");
      expect(at(value, "2026-03-06T12:15:00Z")).toBe(`${value} until 2026-03-09T00:15:00.000Z`);
      expect(at(value, "2026-03-09T00:15:00Z")).toBe("free");
    });
  });

  describe("Australia/Lord_Howe, whose daylight saving shift is 30 minutes", () => {
    it("clocks forward on 2026-10-04 (02:00 → 02:30): a skipped start is the jump, 15:30 UTC", () => {
      const value = "Sun 02:10-Sun 04:00 Australia/Lord_Howe";
      expect(at(value, "2026-10-03T15:29:59Z")).toBe("free");
      expect(at(value, "2026-10-03T15:30:00Z")).toBe(`${value} until 2026-10-03T17:00:00.000Z`);
      expect(at(value, "2026-10-03T17:00:00Z")).toBe("free");
    });
    it("clocks back on 2026-04-05 (02:00 → 01:30): the first 01:45", () => {
      const value = "Sun 01:45-Sun 03:00 Australia/Lord_Howe";
      expect(at(value, "2026-04-04T14:44:59Z")).toBe("free");
      expect(at(value, "2026-04-04T14:45:00Z")).toBe(`${value} until 2026-04-04T16:30:00.000Z`);
      expect(at("Sat 20:00-Sun 01:45 Australia/Lord_Howe", "2026-04-04T15:15:00Z")).toBe("free");
    });
  });
});
