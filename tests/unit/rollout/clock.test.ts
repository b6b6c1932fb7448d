import { invocationClock, LOCAL_WAIT_MS, SAFETY_MARGIN_MS } from "../../../functions/rollout/clock.js";

describe("invocationClock", () => {
  it("uses the Lambda's remaining time minus the safety margin", () => {
    expect(invocationClock(1_000, undefined, 600_000)).toEqual({
      startedAt: 1_000,
      deadline: 1_000 + 600_000 - SAFETY_MARGIN_MS,
      end: 1_000 + 600_000 - SAFETY_MARGIN_MS,
    });
  });
  it("ROLLOUT_WAIT_SECONDS caps the watching, not the time to start work, never beyond what Lambda leaves", () => {
    expect(invocationClock(0, 60, 600_000)).toEqual({
      startedAt: 0,
      deadline: 60_000,
      end: 600_000 - SAFETY_MARGIN_MS,
    });
    expect(invocationClock(0, 900, 600_000).deadline).toBe(600_000 - SAFETY_MARGIN_MS);
  });
  it("without a Lambda context: the configured wait, else the local default", () => {
    expect(invocationClock(0, 30, undefined)).toEqual({ startedAt: 0, deadline: 30_000 });
    expect(invocationClock(0, undefined, undefined).deadline).toBe(LOCAL_WAIT_MS);
  });
  it("never a negative budget", () => {
    expect(invocationClock(0, undefined, 5_000).deadline).toBe(0);
  });
});
