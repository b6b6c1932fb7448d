import { dailyUsageJson, pythonDatetime, userVisitsJson } from "../../../../service/src/reports/format.js";

describe("pythonDatetime (Python's str(datetime))", () => {
  it("drops the fraction when the microseconds are zero, at midnight and at any whole second", () => {
    expect(pythonDatetime("2026-01-05 00:00:00.000000")).toBe("2026-01-05 00:00:00");
    expect(pythonDatetime("2025-04-30 19:14:01.000000")).toBe("2025-04-30 19:14:01");
  });

  it("keeps all six digits when the microseconds are not zero, trailing zeros included", () => {
    expect(pythonDatetime("2025-08-16 02:44:53.120000")).toBe("2025-08-16 02:44:53.120000");
    expect(pythonDatetime("2025-08-16 02:44:53.000001")).toBe("2025-08-16 02:44:53.000001");
  });

  it("rejects values Python's datetime cannot hold instead of inventing a format", () => {
    expect(() => pythonDatetime("infinity")).toThrow(/not a finite timestamp/);
    expect(() => pythonDatetime("2026-01-05 00:00:00")).toThrow(RangeError);
  });
});

describe("report JSON (Flask jsonify: compact, sorted keys, trailing newline)", () => {
  it("writes daily usage as day -> integer, days in calendar order", () => {
    const json = dailyUsageJson([
      { day: "2026-01-07", visits: 3 },
      { day: "2025-12-31", visits: 10 },
      { day: "2026-01-05", visits: 1 },
    ]);
    expect(json).toBe('{"2025-12-31":10,"2026-01-05":1,"2026-01-07":3}\n');
  });

  it("writes an empty report as {}", async () => {
    expect(dailyUsageJson([])).toBe("{}\n");
    expect(await userVisitsJson([])).toBe("{}\n");
  });

  it("orders user ids numerically, as Python sorts integer keys, and each entry's keys by name", async () => {
    const json = await userVisitsJson([
      { userId: 10, visits: 2, joinedAt: "2025-01-01 08:00:00.500000" },
      { userId: 9, visits: 7, joinedAt: "2025-01-02 00:00:00.000000" },
    ]);
    expect(json).toBe(
      '{"9":{"joined_at":"2025-01-02 00:00:00","visits":7},"10":{"joined_at":"2025-01-01 08:00:00.500000","visits":2}}\n',
    );
    expect(JSON.parse(json)).toEqual({
      "9": { joined_at: "2025-01-02 00:00:00", visits: 7 },
      "10": { joined_at: "2025-01-01 08:00:00.500000", visits: 2 },
    });
  });

  it("gives the same body whatever the slice size it is written in", async () => {
    const rows = Array.from({ length: 25 }, (_, index) => ({
      userId: 25 - index,
      visits: index + 1,
      joinedAt: `2025-01-${String(index + 1).padStart(2, "0")} 00:00:00.000000`,
    }));
    const whole = await userVisitsJson(rows, 1000);
    expect(await userVisitsJson(rows, 1)).toBe(whole);
    expect(await userVisitsJson(rows, 7)).toBe(whole);
    expect(Object.keys(JSON.parse(whole))).toHaveLength(25);
    expect(whole.startsWith('{"1":{"joined_at":"2025-01-25 00:00:00","visits":25},"2":')).toBe(true);
  });
});
