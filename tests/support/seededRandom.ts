// A small seeded PRNG (mulberry32) for the fault proxies: the same seed gives the same sequence of
// decisions, so a run that injects "20% of calls" injects the same pattern next time. Not for
// anything that needs real randomness.

/** Uniform in [0, 1), from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
