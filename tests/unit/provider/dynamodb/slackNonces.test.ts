// The in-memory request claims of local mode: each (timestamp, signature) once, until it expires.
// (The state table's, SlackNonceTable, is exercised on moto by tests/integration/rollout/slackActions.test.ts.)
import { MemorySlackNonces } from "../../../../functions/provider/dynamodb/slackNonces.js";

describe("MemorySlackNonces", () => {
  it("claims a request once; another signature or timestamp is another request; an expired claim is gone", async () => {
    let now = 1_000_000_000_000;
    const nonces = new MemorySlackNonces(() => now);
    const expires = Math.floor(now / 1000) + 600;
    expect(await nonces.claim("1000000000", "v0=aa", expires)).toBe(true);
    expect(await nonces.claim("1000000000", "v0=aa", expires)).toBe(false);
    expect(await nonces.claim("1000000000", "v0=bb", expires)).toBe(true);
    expect(await nonces.claim("1000000001", "v0=aa", expires)).toBe(true);
    now += 601_000;
    expect(await nonces.claim("1000000000", "v0=aa", Math.floor(now / 1000) + 600)).toBe(true);
  });
});
