// Composition root of onAlarmStateChange: the shared rollout wiring, whose executor performs the
// rollback (the same code as a failed rollout's), and the CloudWatch alarm states the handler
// re-reads before it acts on an event.

import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { AlarmStates } from "../../alarms/ports.js";
import { CloudWatchAlarmStates } from "../../provider/cloudwatch/alarmStates.js";
import type { Env } from "../../shared/config.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";

export interface AlarmStateChangeRoot extends RolloutRoot {
  alarmStates: AlarmStates;
}

export function composeAlarmStateChange(env: Env = process.env): AlarmStateChangeRoot {
  const root = composeRollout("onAlarmStateChange", env, { quarantine: true });
  return {
    ...root,
    alarmStates: new CloudWatchAlarmStates(new CloudWatchClient({ region: root.config.aws.region })),
  };
}
