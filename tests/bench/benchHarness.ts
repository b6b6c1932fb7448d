// The harness a bench runs against: the one already running (npm run cluster -- up), or one
// started for this bench and stopped by `release` (a bench that started nothing stops nothing).
// Either way the process environment is the harness's, with Powertools' logs at ERROR so the
// bench's own tables are what it prints.
import { down, up } from "../harness/cluster.js";
import { type Harness, harness, harnessEnvironment } from "../harness/env.js";

export interface BenchHarness {
  h: Harness;
  /** Whether this bench started it (and `release` stops it). */
  started: boolean;
  release(): Promise<void>;
}

export async function benchHarness(): Promise<BenchHarness> {
  let h: Harness;
  let started = false;
  try {
    h = harness();
  } catch {
    console.log("starting the harness…");
    h = await up({ ownerPid: process.pid });
    started = true;
  }
  Object.assign(process.env, harnessEnvironment(h), { POWERTOOLS_LOG_LEVEL: "ERROR" });
  return { h, started, release: async () => (started ? down(h.dir) : undefined) };
}
