// Composition root of onAlarmStateChange: the shared rollout wiring, whose executor performs the
// rollback (the same code as a failed rollout's).

import type { Env } from "../../shared/config.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";

export type AlarmStateChangeRoot = RolloutRoot;

export function composeAlarmStateChange(env: Env = process.env): AlarmStateChangeRoot {
  return composeRollout("onAlarmStateChange", env, { quarantine: true });
}
