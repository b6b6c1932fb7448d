// Composition root of onImageScan: the shared rollout wiring is all it needs (it records scan
// results in the stage's state table, reads the top findings from ECR, and starts the held
// rollouts with the same executor as a push). Built once per cold start and reused by warm
// invocations.
import type { Env } from "../../shared/config.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";

export type OnImageScanRoot = RolloutRoot;

export function composeOnImageScan(env: Env = process.env): OnImageScanRoot {
  return composeRollout("onImageScan", env, { quarantine: true });
}
