import { backoffDelayMs, retry } from "../../../functions/shared/retry.js";
import {
  ConflictError,
  PermissionDeniedError,
  TransientError,
  UnreachableError,
} from "../../../functions/types/errors.js";

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("retry", () => {
  it("retries transient and unreachable errors until the operation succeeds", async () => {
    const { waits, sleep } = recordingSleep();
    const failures = [new TransientError("503"), new UnreachableError("ECONNREFUSED")];
    const result = await retry(
      async (attempt) => {
        const failure = failures.shift();
        if (failure) throw failure;
        return `done on attempt ${attempt}`;
      },
      { attempts: 5, baseDelayMs: 100, sleep, random: () => 0.5 },
    );
    expect(result).toBe("done on attempt 3");
    // full jitter: 0.5 * 100 * 2^0, then 0.5 * 100 * 2^1
    expect(waits).toEqual([50, 100]);
  });

  it("gives up after the configured number of attempts and rethrows the last error", async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new TransientError(`429 #${calls}`);
      },
      { attempts: 3, baseDelayMs: 10, sleep, random: () => 1 },
    );
    await expect(failing).rejects.toThrow("429 #3");
    expect(calls).toBe(3);
    expect(waits).toEqual([10, 20]);
  });

  it.each([new ConflictError("409"), new PermissionDeniedError("patch deployments.apps"), new Error("bug")])(
    "does not retry %p",
    async (error) => {
      const { waits, sleep } = recordingSleep();
      let calls = 0;
      await expect(
        retry(
          async () => {
            calls++;
            throw error;
          },
          { attempts: 5, baseDelayMs: 10, sleep },
        ),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
      expect(waits).toEqual([]);
    },
  );

  it("reports each retry before waiting", async () => {
    const seen: string[] = [];
    let calls = 0;
    await retry(
      async () => {
        if (++calls < 3) throw new TransientError(`timeout ${calls}`);
      },
      {
        attempts: 3,
        baseDelayMs: 1,
        sleep: async () => {},
        onRetry: (error, attempt) => seen.push(`${attempt}:${(error as Error).message}`),
      },
    );
    expect(seen).toEqual(["1:timeout 1", "2:timeout 2"]);
  });

  it("refuses a non-positive attempt count", async () => {
    await expect(retry(async () => 1, { attempts: 0, baseDelayMs: 1 })).rejects.toThrow(RangeError);
  });
});

describe("backoffDelayMs", () => {
  it("grows exponentially up to the cap and never exceeds it", () => {
    const options = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    const ceilings = [0, 1, 2, 3, 4, 5].map((retryIndex) =>
      backoffDelayMs(retryIndex, options, () => 0.999999),
    );
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
  });
});
