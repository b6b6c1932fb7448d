import { jest } from "@jest/globals";
import { FreshCache } from "../../../../service/src/reports/freshCache.js";

/** A load whose completion the test controls, counting how often it was started. */
function controlledLoad() {
  const pending: Array<(value: number) => void> = [];
  let starts = 0;
  return {
    load: () =>
      new Promise<number>((resolve) => {
        starts++;
        pending.push(resolve);
      }),
    finish: (value: number) => pending.shift()?.(value),
    starts: () => starts,
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("FreshCache", () => {
  it("shares one load among overlapping callers", async () => {
    const source = controlledLoad();
    const cache = new FreshCache(
      source.load,
      5000,
      () => {},
      () => 0,
    );
    const answers = Promise.all(Array.from({ length: 50 }, () => cache.get()));
    await flush();
    expect(source.starts()).toBe(1);
    source.finish(42);
    expect(await answers).toEqual(Array(50).fill(42));
  });

  it("serves without loading while the value is younger than half the bound", async () => {
    let now = 0;
    const source = controlledLoad();
    const cache = new FreshCache(
      source.load,
      5000,
      () => {},
      () => now,
    );
    const first = cache.get();
    source.finish(1);
    await first;
    now = 2499;
    expect(await cache.get()).toBe(1);
    expect(source.starts()).toBe(1);
  });

  it("serves the current value and refreshes in the background between half the bound and the bound", async () => {
    let now = 0;
    const source = controlledLoad();
    const cache = new FreshCache(
      source.load,
      5000,
      () => {},
      () => now,
    );
    const first = cache.get();
    source.finish(1);
    await first;
    now = 3000;
    expect(await cache.get()).toBe(1);
    expect(await cache.get()).toBe(1);
    expect(source.starts()).toBe(2);
    source.finish(2);
    await flush();
    expect(await cache.get()).toBe(2);
    expect(source.starts()).toBe(2);
  });

  it("never serves a value whose load started a full bound ago: callers wait for the refresh", async () => {
    let now = 0;
    const source = controlledLoad();
    const cache = new FreshCache(
      source.load,
      5000,
      () => {},
      () => now,
    );
    const first = cache.get();
    source.finish(1);
    await first;
    now = 5000;
    let answered: number | undefined;
    const waiting = cache.get().then((value) => {
      answered = value;
    });
    await flush();
    expect(answered).toBeUndefined();
    source.finish(2);
    await waiting;
    expect(answered).toBe(2);
  });

  it("measures age from the start of the load, not its end", async () => {
    let now = 0;
    const source = controlledLoad();
    const cache = new FreshCache(
      source.load,
      5000,
      () => {},
      () => now,
    );
    const first = cache.get();
    now = 4000; // a slow query: it started at 0 and answers at 4000
    source.finish(1);
    await first;
    now = 5000;
    void cache.get();
    await flush();
    expect(source.starts()).toBe(2);
  });

  it("rejects waiting callers when the load fails, reports background failures, and recovers", async () => {
    let now = 0;
    let fail = true;
    const backgroundErrors: unknown[] = [];
    let loads = 0;
    const cache = new FreshCache(
      async () => {
        loads++;
        if (fail) throw new Error("database down");
        return loads;
      },
      5000,
      (error) => backgroundErrors.push(error),
      () => now,
    );
    await expect(cache.get()).rejects.toThrow("database down");
    fail = false;
    expect(await cache.get()).toBe(2);
    fail = true;
    now = 3000;
    expect(await cache.get()).toBe(2);
    await flush();
    expect(backgroundErrors).toHaveLength(1);
    now = 5000;
    await expect(cache.get()).rejects.toThrow("database down");
  });

  // Fake timers and the fake clock they drive (jest.now()): the keep-warm timer's schedule is
  // checked exactly, to the load, without waiting for it.
  describe("keep-warm", () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it("refreshes at half the bound while in demand, so requests after a pause never wait", async () => {
      let loads = 0;
      const cache = new FreshCache(
        async () => ++loads,
        100,
        () => {},
        () => jest.now(),
        10_000,
      );
      try {
        expect(await cache.get()).toBe(1);
        await jest.advanceTimersByTimeAsync(260); // past the bound twice over, with no request in between
        expect(loads).toBe(6); // refreshed at 50, 100, 150, 200 and 250 ms
        expect(await cache.get()).toBe(6); // the value loaded at 250 ms: served, not waited for
        expect(loads).toBe(6);
      } finally {
        cache.close();
      }
    });

    it("stops refreshing once the value has not been asked for during the keep-warm time", async () => {
      let loads = 0;
      const cache = new FreshCache(
        async () => ++loads,
        100,
        () => {},
        () => jest.now(),
        120,
      );
      try {
        await cache.get();
        await jest.advanceTimersByTimeAsync(400);
        expect(loads).toBe(3); // refreshed at 50 and 100 ms; at 150 ms the last demand is 150 ms old
        await jest.advanceTimersByTimeAsync(200);
        expect(loads).toBe(3);
        expect(jest.getTimerCount()).toBe(0);
      } finally {
        cache.close();
      }
    });

    it("does not count readers that are not demand, and stops for good on close", async () => {
      let loads = 0;
      const cache = new FreshCache(
        async () => ++loads,
        100,
        () => {},
        () => jest.now(),
        10_000,
      );
      await cache.get({ demand: false });
      await jest.advanceTimersByTimeAsync(200);
      expect(loads).toBe(1);
      expect(await cache.get()).toBe(2); // past the bound: this one waited for a load
      expect(jest.getTimerCount()).toBe(1); // and armed the keep-warm timer
      cache.close();
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(200);
      expect(loads).toBe(2);
    });
  });
});
