// Ports of the alarms domain: what publishAlarms needs from the alarm store (CloudWatch in
// production, provider/cloudwatch/alarmStore.ts), in the planner's own terms.
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
