// Composition root of reconcile: the shared rollout wiring is all it needs. Built once per cold
// start and reused by warm invocations.

import type { Env } from "../../shared/config.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";

export type ReconcileRoot = RolloutRoot;

export function composeReconcile(env: Env = process.env): ReconcileRoot {
  return composeRollout("reconcile", env, { quarantine: true });
}
