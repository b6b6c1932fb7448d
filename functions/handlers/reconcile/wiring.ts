// Composition root of reconcile: the shared rollout wiring is all it needs. Built once per cold
// start and reused by warm invocations.
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";
import type { Env } from "../../shared/config.js";

export type ReconcileRoot = RolloutRoot;

export function composeReconcile(env: Env = process.env): ReconcileRoot {
  return composeRollout("reconcile", env);
}
