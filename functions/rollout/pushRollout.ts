// One image to every opted-in Deployment it concerns: patch them all first (bounded
// concurrency, so a fan-out to many Deployments is patched within seconds), then follow every
// started rollout at once until its end or the invocation's deadline. Acts only: the outcomes
// go to the report stage (report.ts).
import type { InvocationClock, RolloutExecutor, StartedRollout } from "./executor.js";
import { type Fleet, mapBounded } from "./fleet.js";
import type { DeploymentOutcome, RolloutActs } from "./outcome.js";
import type { ImageCandidate } from "./plan.js";

/**
 * Concurrent PATCH requests per invocation: a fan-out to hundreds of Deployments is patched
 * within seconds, while staying well inside the apiserver's default priority-and-fairness share
 * for one client; a 429 it still answers is retried after its Retry-After.
 */
export const PATCH_CONCURRENCY = 25;
/** Concurrent watches; each is one long-lived request. */
export const WATCH_CONCURRENCY = 50;

export async function rollOutEverywhere(
  fleet: Fleet,
  executor: RolloutExecutor,
  candidate: ImageCandidate,
  clock: InvocationClock,
): Promise<RolloutActs> {
  const scan = await fleet.scan();
  const starts = await mapBounded(scan.members, PATCH_CONCURRENCY, ({ api, deployment }) =>
    fleet.guard(deployment, () => executor.start(api, deployment, candidate, clock), scan.failures),
  );
  const outcomes = await followStarted(fleet, executor, starts, clock, scan.failures);
  return { outcomes: [...scan.errors, ...outcomes], failures: scan.failures };
}

/** Follows every rollout that `executor.start` began; the others already are their outcome. */
export function followStarted(
  fleet: Fleet,
  executor: RolloutExecutor,
  starts: (StartedRollout | DeploymentOutcome)[],
  clock: InvocationClock,
  failures: Error[],
): Promise<DeploymentOutcome[]> {
  return mapBounded(starts, WATCH_CONCURRENCY, async (start): Promise<DeploymentOutcome> => {
    if (!("api" in start)) return start;
    // The PATCH already landed: should following fail, the outcome still counts the start.
    return fleet.guard(start.written, (landed) => executor.follow(start, clock, landed), failures, {
      patched: start.patched,
    });
  });
}
