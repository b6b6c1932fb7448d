// Pure planning of the weekly DORA digest: which two weeks to compare, and how the comparison
// reads. The numbers come from CloudWatch (the all-deployments totals of dora.ts); other parts of
// the product add their own sections through DigestSection (e.g. the cost function's savings advice).
import type { Fact, Notification } from "../extension/notification/model.js";
import { formatDuration } from "./format.js";

const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** [start, end): a half-open window, so adjacent weeks never share a data point. */
export interface DigestWindow {
  start: Date;
  end: Date;
}

/** One week of DORA totals as CloudWatch reports them; undefined = no data points that week. */
export interface DoraWeek {
  /** Sum of DeploymentFrequency. */
  deployments: number;
  /** Average of LeadTimeForChanges, seconds. */
  leadTimeSeconds?: number;
  /** Average of ChangeFailureRate (0..1) and its SampleCount (the changes it is measured over). */
  changeFailureRate?: number;
  changes: number;
  /** Average of TimeToRestore, seconds. */
  timeToRestoreSeconds?: number;
}

/** A block another function adds to the digest; rendered after the DORA facts. */
export interface DigestSection {
  facts: Fact[];
  detail?: string;
}

/** Contributes a section for the digest's week; undefined = nothing to say this week. */
export interface DigestSectionSource {
  readonly name: string;
  section(week: DigestWindow): Promise<DigestSection | undefined>;
}

/** The 7 full UTC days before `now`'s day, and the 7 days before those. */
export function digestWeeks(now: Date): { thisWeek: DigestWindow; lastWeek: DigestWindow } {
  const end = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return {
    thisWeek: { start: new Date(end - WEEK_MS), end: new Date(end) },
    lastWeek: { start: new Date(end - 2 * WEEK_MS), end: new Date(end - WEEK_MS) },
  };
}

export function digestNotification(
  week: DigestWindow,
  thisWeek: DoraWeek,
  lastWeek: DoraWeek,
  sections: readonly DigestSection[] = [],
): Notification {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const lastDay = new Date(week.end.getTime() - DAY_MS);
  const facts: Fact[] = [
    {
      label: "Deployments",
      value: `${thisWeek.deployments} ${compare(thisWeek.deployments, lastWeek.deployments, String)}`,
    },
    {
      label: "Lead time for changes (avg)",
      value: `${duration(thisWeek.leadTimeSeconds)} ${compare(thisWeek.leadTimeSeconds, lastWeek.leadTimeSeconds, duration)}`,
    },
    {
      label: "Change failure rate",
      value:
        `${rate(thisWeek.changeFailureRate)}${thisWeek.changes > 0 ? ` of ${thisWeek.changes} changes` : ""} ` +
        compare(thisWeek.changeFailureRate, lastWeek.changeFailureRate, rate),
    },
    {
      label: "Time to restore (avg)",
      value: `${duration(thisWeek.timeToRestoreSeconds)} ${compare(thisWeek.timeToRestoreSeconds, lastWeek.timeToRestoreSeconds, duration)}`,
    },
    ...sections.flatMap((section) => section.facts),
  ];
  const details = sections.flatMap((section) => (section.detail ? [section.detail] : []));
  return {
    event: "dora.weekly_digest",
    severity: "info",
    title: `Delivery this week (${day(week.start)} to ${day(lastDay)}): ${thisWeek.deployments} deployments, change failure rate ${rate(thisWeek.changeFailureRate)}`,
    facts,
    ...(details.length > 0 && { detail: details.join("\n\n") }),
  };
}

function compare(
  current: number | undefined,
  previous: number | undefined,
  show: (value: number) => string,
): string {
  if (previous === undefined) return "(last week: no data)";
  if (current === undefined || previous === 0 || current === previous) return `(last week ${show(previous)})`;
  const change = Math.round(((current - previous) / previous) * 100);
  return `(last week ${show(previous)}, ${change > 0 ? "+" : ""}${change}%)`;
}

function duration(seconds: number | undefined): string {
  return seconds === undefined ? "no data" : formatDuration(seconds * 1000);
}

function rate(value: number | undefined): string {
  return value === undefined ? "no data" : `${Math.round(value * 1000) / 10}%`;
}
