import {
  describeReleaseCost,
  formatCostDelta,
  releaseCostDeltaPerHour,
} from "../../../functions/cost/releaseDelta.js";

describe("releaseCostDeltaPerHour", () => {
  it("is (new − old requests) × replicas at the node's CPU and memory rates", () => {
    const delta = releaseCostDeltaPerHour({
      replicas: 3,
      before: { cpuCores: 0.25, memoryGiB: 0.5 },
      after: { cpuCores: 0.5, memoryGiB: 1 },
      node: { cpuCores: 2, memoryGiB: 8, pricePerHour: 0.096 },
    });
    // +0.75 vCPU × 0.0370286 + 1.5 GiB × 0.0027429 = 0.0318857/h
    expect(delta).toBeCloseTo(0.75 * ((0.096 * 27) / 35 / 2) + 1.5 * (0.096 / 35), 12);
    expect(formatCostDelta(delta)).toBe("+$23.28/month");
    expect(formatCostDelta(-delta)).toBe("−$23.28/month");
  });
});

describe("describeReleaseCost", () => {
  // t3a.medium: 2 vCPU, 4 GiB, $0.0376/h list price (2025-06-01). CPU share of the price =
  // 2 × 13.5 / (2 × 13.5 + 4) = 27/31, so a core costs 0.0376 × 27/31 / 2 = $0.016374/h and a GiB
  // 0.0376 × 4/31 / 4 = $0.001213/h.
  const perCore = (0.0376 * 27) / 31 / 2;
  const perGiB = (0.0376 * 4) / 31 / 4;

  it("prices +250m CPU and +256Mi per pod × 2 at the reference type's list price, and says so", () => {
    const text = describeReleaseCost({
      replicas: 2,
      before: { cpuCores: 0.25, memoryGiB: 0.25 },
      after: { cpuCores: 0.5, memoryGiB: 0.5 },
      referenceInstanceType: "t3a.medium",
    });
    // (0.25 × 0.016374 + 0.25 × 0.001213) × 2 = $0.0087935/h × 730 = $6.42/month
    expect(((0.25 * perCore + 0.25 * perGiB) * 2 * 730).toFixed(2)).toBe("6.42");
    expect(text).toBe(
      "+$6.42/month (requests +250m CPU, +256Mi per pod × 2; estimate at list price t3a.medium, 2025-06-01)",
    );
  });

  it("shows a saving with a minus sign and names only what changed", () => {
    expect(
      describeReleaseCost({
        replicas: 3,
        before: { cpuCores: 1, memoryGiB: 0.5 },
        after: { cpuCores: 0.5, memoryGiB: 0.5 },
        referenceInstanceType: "t3a.medium",
      }),
    ).toBe("−$17.93/month (requests −500m CPU per pod × 3; estimate at list price t3a.medium, 2025-06-01)");
    // 0.5 × 0.016374 × 3 × 730 = 17.93
    expect((0.5 * perCore * 3 * 730).toFixed(2)).toBe("17.93");
  });

  it("is +$0.00 when the requests did not change", () => {
    const same = { cpuCores: 0.3, memoryGiB: 0.5 };
    expect(
      describeReleaseCost({ replicas: 2, before: same, after: same, referenceInstanceType: "t3a.medium" }),
    ).toBe("+$0.00/month (requests unchanged; estimate at list price t3a.medium, 2025-06-01)");
  });

  it("is unknown (no fact) for a record without requests, or a type without a list price", () => {
    const after = { cpuCores: 0.3, memoryGiB: 0.5 };
    expect(
      describeReleaseCost({ replicas: 2, before: undefined, after, referenceInstanceType: "t3a.medium" }),
    ).toBe(undefined);
    expect(describeReleaseCost({ replicas: 2, before: after, after, referenceInstanceType: "z9.huge" })).toBe(
      undefined,
    );
  });
});
