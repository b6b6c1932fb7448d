import { formatCostDelta, releaseCostDeltaPerHour } from "../../../functions/cost/releaseDelta.js";

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
