// What the alarm integration tests share: the CloudWatch endpoint (moto behind the labelled
// composite-alarm fake), the real publishAlarms and onAlarmStateChange roots composed for local
// mode as the delivery identity, and "CloudWatch Alarm State Change" events in AWS's documented shape.
import { randomUUID } from "node:crypto";
import { CloudWatchClient, PutCompositeAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { composeAlarmStateChange } from "../../../functions/handlers/onAlarmStateChange/wiring.js";
import { composePublishAlarms } from "../../../functions/handlers/publishAlarms/wiring.js";
import {
  type CompositeAlarmsFake,
  type StateValue,
  startCompositeAlarmsFake,
} from "../../fakes/compositeAlarms.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import { grantReaderAccess, harness } from "../../harness/env.js";
import { ACCOUNT, REGION } from "../rollout/support.js";

export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:coworking-alarms`;

export interface AlarmFunctions {
  publish: ReturnType<typeof composePublishAlarms>;
  alarm: ReturnType<typeof composeAlarmStateChange>;
  cloudWatch: CompositeAlarmsFake;
  slack: SlackReceiver;
  /** The cluster name the functions see (the kubeconfig's, in local mode). */
  cluster: string;
  /**
   * Puts the composite alarm `name` (created through PutCompositeAlarm if it is new) into `value`
   * at the explicit time `at`: what DescribeAlarms will say when the handler re-reads it.
   */
  alarmState(name: string, value: StateValue, at: Date): Promise<void>;
  close(): Promise<void>;
}

export async function alarmFunctions(namespaces: string[]): Promise<AlarmFunctions> {
  const h = harness();
  const cloudWatch = await startCompositeAlarmsFake(h.awsEndpoint, ACCOUNT, REGION);
  // The SDK takes a service's own endpoint from the environment (AWS_ENDPOINT_URL_<SERVICE>).
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.url;
  const slack = await startSlackReceiver();
  const env = {
    ...process.env,
    KUBECONFIG: h.deliveryKubeconfig,
    AWS_ENDPOINT_URL: h.awsEndpoint,
    AWS_REGION: REGION,
    REGISTRY_ACCOUNT_IDS: ACCOUNT,
    ROLLOUT_NAMESPACES: namespaces.join(","),
    ROLLOUT_WAIT_SECONDS: "60",
    ALARM_TOPIC_ARN: TOPIC,
    SLACK_WEBHOOK_URL: slack.url,
    POWERTOOLS_LOG_LEVEL: "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
  // publishAlarms only reads, as the reader group; the alarm rollback writes, as the writer group
  await Promise.all(namespaces.map(grantReaderAccess));
  const publish = composePublishAlarms({ ...env, KUBECONFIG: h.readerKubeconfig });
  const alarm = composeAlarmStateChange(env);
  const [api] = await publish.deploymentApis();
  if (!api) throw new Error("the harness kubeconfig names no cluster");
  return {
    publish,
    alarm,
    cloudWatch,
    slack,
    cluster: api.cluster,
    alarmState: async (name, value, at) => {
      if (!cloudWatch.composites.has(name)) {
        const client = new CloudWatchClient({ region: REGION, endpoint: cloudWatch.url });
        await client.send(
          new PutCompositeAlarmCommand({
            AlarmName: name,
            AlarmRule: `ALARM("${name.replace(/\/health$/, "/cpu")}")`,
            AlarmActions: [TOPIC],
            OKActions: [TOPIC],
          }),
        );
      }
      cloudWatch.setState(name, value, at, `set to ${value} by the test`);
    },
    close: async () => {
      delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
      await Promise.all([cloudWatch.close(), slack.close()]);
    },
  };
}

/** The documented "CloudWatch Alarm State Change" event (CloudWatch's timestamp format included). */
export function alarmStateChange(
  alarmName: string,
  to: "ALARM" | "OK",
  from: "ALARM" | "OK",
  reason: string,
  at: Date = new Date(),
  since: Date = new Date(at.getTime() - 60_000),
): Record<string, unknown> {
  const cloudWatchTime = (date: Date) => date.toISOString().replace("Z", "+0000");
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    account: ACCOUNT,
    time: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: to, reason, timestamp: cloudWatchTime(at) },
      previousState: { value: from, reason: "", timestamp: cloudWatchTime(since) },
      configuration: { description: "", alarmRule: "ALARM(...)" },
    },
  };
}
