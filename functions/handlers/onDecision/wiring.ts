// Composition root of onDecision: the shared rollout wiring (the same fleet, executor, stage-wide
// quarantine and reporter as every rollout function, so a decision is written and reported the
// way a push is) and the one decision path over them. Built once per cold start.
import type { Env } from "../../shared/config.js";
import { composeRollout, type DecisionPath, decisionPath, type RolloutRoot } from "../rolloutWiring.js";

export interface OnDecisionRoot extends RolloutRoot {
  /**
   * rollout/decide.ts over this root's fleet, executor and quarantine. `defaultRegistryId` is the
   * account that owns the function, for an unquarantine that names no registry.
   */
  decide: DecisionPath;
}

export function composeOnDecision(env: Env = process.env): OnDecisionRoot {
  const root = composeRollout("onDecision", env, { quarantine: true });
  return { ...root, decide: decisionPath(root) };
}
