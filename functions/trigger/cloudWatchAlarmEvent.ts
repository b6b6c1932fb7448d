// The EventBridge "CloudWatch Alarm State Change" event, as AWS documents it
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
// Only coworking- alarms are this product's; others are ignored with the reason.
import * as z from "zod";
import { ALARM_PREFIX } from "../alarms/names.js";
import { eventBridgeEnvelope, parseWith } from "./envelopes.js";

export const ALARM_STATE_CHANGE = "CloudWatch Alarm State Change";

/** The EventBridge rule's pattern for onAlarmStateChange. */
export const ALARM_EVENT_PATTERN = {
  source: ["aws.cloudwatch"],
  "detail-type": [ALARM_STATE_CHANGE],
  detail: { alarmName: [{ prefix: ALARM_PREFIX }] },
};

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

// CloudWatch writes "2019-10-02T17:04:40.985+0000": an offset without the colon ISO 8601 wants.
const cloudWatchTime = z
  .string()
  .transform((text) => new Date(text.replace(/([+-]\d\d)(\d\d)$/, "$1:$2")))
  .refine((date) => !Number.isNaN(date.getTime()), "must be a timestamp");

const state = z.looseObject({
  value: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]),
  reason: z.string().default(""),
  timestamp: cloudWatchTime,
});

const alarmStateChangeSchema = eventBridgeEnvelope({
  "detail-type": z.literal(ALARM_STATE_CHANGE),
  source: z.literal("aws.cloudwatch"),
  detail: z.looseObject({
    alarmName: z.string().min(1).max(255),
    state,
    previousState: state,
  }),
});

export interface AlarmStateChange {
  kind: "state-change";
  eventId: string;
  alarmName: string;
  alarmArn?: string;
  state: { value: AlarmStateValue; reason: string; timestamp: Date };
  previousState: { value: AlarmStateValue; reason: string; timestamp: Date };
}

export type AlarmEvent = AlarmStateChange | { kind: "ignored"; eventId: string; reason: string };

/** Throws InvalidEventError for anything that is not a well-formed alarm state change. */
export function parseAlarmStateChange(event: unknown): AlarmEvent {
  const { id, detail, resources } = parseWith(
    alarmStateChangeSchema,
    event,
    "not a CloudWatch Alarm State Change event",
  );
  if (!detail.alarmName.startsWith(ALARM_PREFIX)) {
    return {
      kind: "ignored",
      eventId: id,
      reason: `alarm ${detail.alarmName} is not a ${ALARM_PREFIX} alarm`,
    };
  }
  const pick = (s: z.infer<typeof state>) => ({ value: s.value, reason: s.reason, timestamp: s.timestamp });
  return {
    kind: "state-change",
    eventId: id,
    alarmName: detail.alarmName,
    ...(resources[0] ? { alarmArn: resources[0] } : {}),
    state: pick(detail.state),
    previousState: pick(detail.previousState),
  };
}
