// One image to every opted-in Deployment it concerns: patch them all first (bounded
// concurrency, so a fan-out to many Deployments is patched within seconds), then follow every
// started rollout at once until its end or the invocation's deadline.
import type { DeploymentReport, InvocationClock, RolloutExecutor } from "./executor.js";
import { type Fleet, mapBounded, rethrowFirst } from "./fleet.js";
import type { ImageCandidate } from "./plan.js";

/** Concurrent PATCH requests per invocation: enough for fan-out, gentle on the apiserver. */
export const PATCH_CONCURRENCY = 10;
/** Concurrent watches; each is one long-lived request. */
export const WATCH_CONCURRENCY = 50;

export async function rollOutEverywhere(
  fleet: Fleet,
  executor: RolloutExecutor,
  candidate: ImageCandidate,
  clock: InvocationClock,
): Promise<DeploymentReport[]> {
  const scan = await fleet.scan();
  const starts = await mapBounded(scan.members, PATCH_CONCURRENCY, ({ api, deployment }) =>
    fleet.guard(deployment, () => executor.start(api, deployment, candidate, clock), scan.failures),
  );
  const reports = await followStarted(fleet, executor, starts, clock, scan.failures);
  rethrowFirst(scan.failures);
  return [...scan.errors, ...reports];
}

/** Follows every rollout that `executor.start` began; the others already are their report. */
export function followStarted(
  fleet: Fleet,
  executor: RolloutExecutor,
  starts: Awaited<ReturnType<RolloutExecutor["start"]>>[],
  clock: InvocationClock,
  failures: Error[],
): Promise<DeploymentReport[]> {
  return mapBounded(
    starts,
    WATCH_CONCURRENCY,
    async (start): Promise<DeploymentReport> =>
      "record" in start ? fleet.guard(start.written, () => executor.follow(start, clock), failures) : start,
  );
}
