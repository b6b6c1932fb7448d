// Composition root of publishAlarms: the shared rollout wiring (clusters, fleet, logger,
// metrics) plus the CloudWatch alarm store and the topic the alarms notify.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { AlarmStore } from "../../alarms/ports.js";
import { CloudWatchAlarmStore } from "../../provider/cloudwatch/alarmStore.js";
import type { Env } from "../../shared/config.js";
import { ConfigError } from "../../types/errors.js";
import { composeRollout, type RolloutRoot } from "../rolloutWiring.js";

export interface PublishAlarmsRoot extends RolloutRoot {
  alarms: AlarmStore;
  topicArn: string;
}

export function composePublishAlarms(env: Env = process.env): PublishAlarmsRoot {
  const root = composeRollout("publishAlarms", env);
  const topicArn = root.config.alarms.topicArn ?? root.config.notification.snsTopicArn;
  if (!topicArn)
    throw new ConfigError(
      "invalid configuration: ALARM_TOPIC_ARN (or SNS_TOPIC_ARN) is required for alarm actions",
    );
  return { ...root, alarms: new CloudWatchAlarmStore(new CloudWatchClient({})), topicArn };
}
