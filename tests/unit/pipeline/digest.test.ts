import { type DoraWeek, digestNotification, digestWeeks } from "../../../functions/pipeline/digest.js";

describe("digestWeeks", () => {
  it("compares the 7 full UTC days before today with the 7 before those", () => {
    expect(digestWeeks(new Date("2026-11-30T09:00:00Z"))).toEqual({
      thisWeek: { start: new Date("2026-11-23T00:00:00Z"), end: new Date("2026-11-30T00:00:00Z") },
      lastWeek: { start: new Date("2026-11-16T00:00:00Z"), end: new Date("2026-11-23T00:00:00Z") },
    });
  });
});

describe("digestNotification", () => {
  const none = { sum: 0, count: 0 };
  const quiet: DoraWeek = { deployments: 0, leadTime: none, changeFailure: none, timeToRestore: none };
  const { thisWeek } = digestWeeks(new Date("2026-11-30T09:00:00Z"));

  it("reads each DORA metric against last week, averages weighted by data points", () => {
    const notification = digestNotification(
      thisWeek,
      {
        deployments: 12,
        leadTime: { sum: 12 * 11_400, count: 12 },
        // 12 completed (0 %) and 1 rolled back (100 %): 1 failure in 13 changes.
        changeFailure: { sum: 100, count: 13 },
        timeToRestore: { sum: 840 * 2, count: 2 },
      },
      {
        ...quiet,
        deployments: 8,
        leadTime: { sum: 8 * 18_120, count: 8 },
        changeFailure: { sum: 0, count: 8 },
      },
    );
    expect(notification).toEqual({
      event: "dora.weekly_digest",
      severity: "info",
      title: "Delivery this week (2026-11-23 to 2026-11-29): 12 deployments, change failure rate 7.7%",
      facts: [
        { label: "Deployments", value: "12 (last week 8, +50%)" },
        { label: "Lead time for changes (avg)", value: "3h 10m (last week 5h 2m, -37%)" },
        { label: "Change failure rate", value: "7.7% of 13 changes (last week 0%)" },
        { label: "Time to restore (avg)", value: "14m (last week: no data)" },
      ],
    });
  });

  it("says 'no data' for a quiet week instead of inventing zeros", () => {
    expect(digestNotification(thisWeek, quiet, quiet).facts).toEqual([
      { label: "Deployments", value: "0 (last week 0)" },
      { label: "Lead time for changes (avg)", value: "no data (last week: no data)" },
      { label: "Change failure rate", value: "no data (last week: no data)" },
      { label: "Time to restore (avg)", value: "no data (last week: no data)" },
    ]);
  });

  it("appends the sections other functions contribute", () => {
    const notification = digestNotification(thisWeek, quiet, quiet, [
      { facts: [{ label: "Savings available", value: "$120/month" }], detail: "Move analytics-api to Spot." },
    ]);
    expect(notification.facts.at(-1)).toEqual({ label: "Savings available", value: "$120/month" });
    expect(notification.detail).toBe("Move analytics-api to Spot.");
  });
});
