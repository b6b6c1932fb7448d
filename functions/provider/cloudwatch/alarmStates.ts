// AlarmStates (alarms/ports.ts) on CloudWatch: one DescribeAlarms for the alarm's exact name,
// composite and metric alarms both, read into the state the planner compares with the event.
import { type CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import type { AlarmStateReading, AlarmStates } from "../../alarms/ports.js";
import type { AlarmStateValue } from "../../trigger/cloudWatchAlarmEvent.js";
import { call } from "./alarmStore.js";

const VALUES: readonly AlarmStateValue[] = ["OK", "ALARM", "INSUFFICIENT_DATA"];

interface DescribedAlarm {
  AlarmName?: string | undefined;
  StateValue?: string | undefined;
  StateReason?: string | undefined;
  StateUpdatedTimestamp?: Date | undefined;
  StateTransitionedTimestamp?: Date | undefined;
}

const validDate = (date: Date | undefined): Date | undefined =>
  date instanceof Date && !Number.isNaN(date.getTime()) ? date : undefined;

/** The reading of one described alarm; throws when CloudWatch answers a state this code does not know. */
export function readingOf(alarm: DescribedAlarm): AlarmStateReading {
  const value = VALUES.find((known) => known === alarm.StateValue);
  if (!value) {
    throw new Error(
      `DescribeAlarms gave alarm ${alarm.AlarmName} the unknown state ${String(alarm.StateValue)}`,
    );
  }
  const updatedAt = validDate(alarm.StateUpdatedTimestamp);
  const transitionedAt = validDate(alarm.StateTransitionedTimestamp);
  return {
    name: alarm.AlarmName ?? "",
    value,
    reason: alarm.StateReason ?? "",
    ...(updatedAt ? { updatedAt } : {}),
    ...(transitionedAt ? { transitionedAt } : {}),
  };
}

export class CloudWatchAlarmStates implements AlarmStates {
  constructor(private readonly client: CloudWatchClient) {}

  async current(name: string): Promise<AlarmStateReading | undefined> {
    const page = await call("cloudwatch:DescribeAlarms", () =>
      this.client.send(
        new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ["CompositeAlarm", "MetricAlarm"] }),
      ),
    );
    const found = [...(page.CompositeAlarms ?? []), ...(page.MetricAlarms ?? [])].find(
      (alarm) => alarm.AlarmName === name,
    );
    return found ? readingOf(found) : undefined;
  }
}
