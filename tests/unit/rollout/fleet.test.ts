import { mapBounded, rethrowFirst } from "../../../functions/rollout/fleet.js";

describe("mapBounded", () => {
  it("keeps the input order and never runs more than `limit` at a time", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([50, 10, 30, 0, 20, 40], 3, async (delay) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running--;
      return delay * 2;
    });
    expect(results).toEqual([100, 20, 60, 0, 40, 80]);
    expect(peak).toBe(3);
  });

  it("handles no items", async () => {
    expect(await mapBounded([], 10, async () => 1)).toEqual([]);
  });
});

describe("rethrowFirst", () => {
  it("throws the first collected failure, or nothing", () => {
    expect(() => rethrowFirst([])).not.toThrow();
    expect(() => rethrowFirst([new Error("first"), new Error("second")])).toThrow("first");
  });
});
