// How long one invocation may watch rollouts: ROLLOUT_WAIT_SECONDS when set, else what Lambda
// says remains minus a margin to report and flush metrics. Past the deadline, the in-flight
// record stays on the Deployment and the reconciler finishes the rollout.
import type { InvocationClock } from "./executor.js";

/** Time kept back for rollback patching, notifications and the metrics flush. */
export const SAFETY_MARGIN_MS = 10_000;
/** Without a Lambda context (local invoke) and without ROLLOUT_WAIT_SECONDS. */
export const LOCAL_WAIT_MS = 5 * 60_000;

export function invocationClock(
  startedAt: number,
  waitSeconds: number | undefined,
  remainingTimeMs: number | undefined,
): InvocationClock {
  const lambdaBudget =
    remainingTimeMs === undefined ? undefined : Math.max(0, remainingTimeMs - SAFETY_MARGIN_MS);
  const configured = waitSeconds === undefined ? undefined : waitSeconds * 1000;
  const budget =
    configured !== undefined && lambdaBudget !== undefined
      ? Math.min(configured, lambdaBudget)
      : (configured ?? lambdaBudget ?? LOCAL_WAIT_MS);
  return {
    startedAt,
    deadline: startedAt + budget,
    ...(lambdaBudget !== undefined ? { end: startedAt + lambdaBudget } : {}),
  };
}
