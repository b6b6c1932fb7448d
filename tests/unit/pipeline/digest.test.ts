import { digestNotification, digestWeeks } from "../../../functions/pipeline/digest.js";

describe("digestWeeks", () => {
  it("compares the 7 full UTC days before today with the 7 before those", () => {
    expect(digestWeeks(new Date("2026-11-30T09:00:00Z"))).toEqual({
      thisWeek: { start: new Date("2026-11-23T00:00:00Z"), end: new Date("2026-11-30T00:00:00Z") },
      lastWeek: { start: new Date("2026-11-16T00:00:00Z"), end: new Date("2026-11-23T00:00:00Z") },
    });
  });
});

describe("digestNotification", () => {
  const { thisWeek } = digestWeeks(new Date("2026-11-30T09:00:00Z"));

  it("reads each DORA metric against last week, with the change in percent", () => {
    const notification = digestNotification(
      thisWeek,
      {
        deployments: 12,
        leadTimeSeconds: 11_400,
        changeFailureRate: 1 / 12,
        changes: 12,
        timeToRestoreSeconds: 840,
      },
      { deployments: 8, leadTimeSeconds: 18_120, changeFailureRate: 0, changes: 8 },
    );
    expect(notification).toEqual({
      event: "dora.weekly_digest",
      severity: "info",
      title: "Delivery this week (2026-11-23 to 2026-11-29): 12 deployments, change failure rate 8.3%",
      facts: [
        { label: "Deployments", value: "12 (last week 8, +50%)" },
        { label: "Lead time for changes (avg)", value: "3h 10m (last week 5h 2m, -37%)" },
        { label: "Change failure rate", value: "8.3% of 12 changes (last week 0%)" },
        { label: "Time to restore (avg)", value: "14m (last week: no data)" },
      ],
    });
  });

  it("says 'no data' for a quiet week instead of inventing zeros", () => {
    const notification = digestNotification(
      thisWeek,
      { deployments: 0, changes: 0 },
      { deployments: 0, changes: 0 },
    );
    expect(notification.facts).toEqual([
      { label: "Deployments", value: "0 (last week 0)" },
      { label: "Lead time for changes (avg)", value: "no data (last week: no data)" },
      { label: "Change failure rate", value: "no data (last week: no data)" },
      { label: "Time to restore (avg)", value: "no data (last week: no data)" },
    ]);
  });

  it("appends the sections other functions contribute", () => {
    const notification = digestNotification(
      thisWeek,
      { deployments: 1, changes: 1 },
      { deployments: 1, changes: 1 },
      [
        {
          facts: [{ label: "Savings available", value: "$120/month" }],
          detail: "Move analytics-api to Spot.",
        },
      ],
    );
    expect(notification.facts.at(-1)).toEqual({ label: "Savings available", value: "$120/month" });
    expect(notification.detail).toBe("Move analytics-api to Spot.");
  });
});
