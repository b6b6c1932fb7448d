import { adviceNotification } from "../../../functions/cost/adviceNotification.js";
import { costResult, planClusterReport } from "../../../functions/cost/report.js";
import { parseCostSchedule } from "../../../functions/trigger/costSchedule.js";
import { InvalidEventError } from "../../../functions/types/errors.js";
import { livePrices, twoNodeCluster } from "./fixtures.js";

describe("adviceNotification", () => {
  it("states cost, idle, spot savings and each advice item with its $/month", () => {
    const result = costResult(
      [planClusterReport(twoNodeCluster, livePrices, { production: false })],
      new Date(),
    );
    const notification = adviceNotification(result);
    expect(notification).toMatchObject({
      event: "cost.advice",
      title: "Clusters cost $0.21/h; up to $60.15/month could be saved",
      facts: [
        { label: "Cost per hour", value: "$0.21" },
        { label: "Idle per hour", value: "$0.07" },
        { label: "Spot saves per hour", value: "$0.03" },
        { label: "Savings opportunity", value: "$60.15/month" },
      ],
    });
    // 44.53 (spot) + 13.87 + 1.75 (Graviton) = 60.15
    expect(notification.detail?.split("\n")).toEqual([
      "• $44.53/month (spot, dev): 1 on-demand m5.large node(s) in a non-production cluster could run as spot",
      "• $13.87/month (graviton, dev): 1 × m5.large could be m6g.large (Graviton, arm64; needs multi-arch images)",
      "• $1.75/month (graviton, dev): 1 × t3.medium could be t4g.medium (Graviton, arm64; needs multi-arch images)",
    ]);
  });
});

describe("parseCostSchedule", () => {
  it("reads the weekly run's notifyAdvice and treats any scheduled event as the hourly run", () => {
    expect(parseCostSchedule({ notifyAdvice: true })).toEqual({ notifyAdvice: true });
    expect(parseCostSchedule({ "detail-type": "Scheduled Event", source: "aws.events" })).toEqual({
      notifyAdvice: false,
    });
    expect(parseCostSchedule(undefined)).toEqual({ notifyAdvice: false });
  });

  it("rejects a notifyAdvice that is not a boolean", () => {
    expect(() => parseCostSchedule({ notifyAdvice: "yes" })).toThrow(InvalidEventError);
    expect(() => parseCostSchedule("hourly")).toThrow("not a reportCost schedule event");
  });
});
