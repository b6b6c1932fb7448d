// Ports of the alarms domain, in the planners' own terms: what publishAlarms needs from the
// alarm store, and what onAlarmStateChange needs to re-read an alarm's state (CloudWatch in
// production: provider/cloudwatch/alarmStore.ts and provider/cloudwatch/alarmStates.ts).
import type { AlarmStateValue } from "../trigger/cloudWatchAlarmEvent.js";
import type { AlarmSpec } from "./spec.js";

/** What DescribeAlarms tells about an existing alarm, enough to see whether it is current. */
export interface ExistingAlarm {
  name: string;
  kind: "metric" | "composite";
  description: string;
  actions: string[];
}

/** The port publishAlarms acts through. */
export interface AlarmStore {
  /** Every alarm whose name starts with `prefix`, metric and composite, all pages. */
  list(prefix: string): Promise<ExistingAlarm[]>;
  /** Creates or replaces one alarm as the spec describes it. */
  put(spec: AlarmSpec): Promise<void>;
  /** Deletes the named alarms, in the order given (nothing for an empty list). */
  delete(names: string[]): Promise<void>;
}

/**
 * One alarm's state as CloudWatch has it now (DescribeAlarms), read again before acting on an
 * event: delivery is late and out of order, so the event may describe a state that is already over.
 */
export interface AlarmStateReading {
  name: string;
  value: AlarmStateValue;
  reason: string;
  /** StateUpdatedTimestamp: the last update of the state (a new reason counts). Absent when CloudWatch gave none. */
  updatedAt?: Date;
  /** StateTransitionedTimestamp: the last change of the state's value. Absent when CloudWatch gave none. */
  transitionedAt?: Date;
}

/** The port onAlarmStateChange re-reads an alarm through (CloudWatch DescribeAlarms in production). */
export interface AlarmStates {
  /** The named alarm (metric or composite) as it is now, or undefined when CloudWatch has no such alarm. */
  current(name: string): Promise<AlarmStateReading | undefined>;
}
