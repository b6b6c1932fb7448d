// Pure planning of the weekly DORA digest: which two weeks to compare, and how the comparison
// reads. The numbers are the rollout functions' own DORA metrics read back from CloudWatch
// (ports/doraMetricsReader.ts); other parts of the product add their own sections through
// DigestSectionSource (e.g. the cost function's savings advice).

import { formatDuration } from "../shared/duration.js";
import type { Fact, Notification } from "../types/notification.js";

const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** [start, end): a half-open window, so adjacent weeks never share a data point. */
export interface DigestWindow {
  start: Date;
  end: Date;
}

/**
 * One week of the DORA metrics the rollout functions emit (per Deployment), summed over every
 * Deployment: sums and sample counts, so that averages are weighted by data points, not by
 * Deployment. A metric without data points that week has count 0.
 */
export interface DoraWeek {
  /** DeploymentFrequency: Count 1 per rollout that completed. */
  deployments: number;
  /** LeadTimeForChanges, seconds: commit created → rollout complete. */
  leadTime: SumAndCount;
  /** ChangeFailureRate, Percent: 0 per completed rollout, 100 per failed or rolled-back one. */
  changeFailure: SumAndCount;
  /** TimeToRestore, seconds: rollback start → healthy again. */
  timeToRestore: SumAndCount;
}

export interface SumAndCount {
  sum: number;
  count: number;
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
  const now = summarize(thisWeek);
  const before = summarize(lastWeek);
  const changes = thisWeek.changeFailure.count;
  const facts: Fact[] = [
    {
      label: "Deployments",
      value: `${now.deployments} ${compare(now.deployments, before.deployments, String)}`,
    },
    {
      label: "Lead time for changes (avg)",
      value: `${duration(now.leadTimeSeconds)} ${compare(now.leadTimeSeconds, before.leadTimeSeconds, duration)}`,
    },
    {
      label: "Change failure rate",
      value:
        `${rate(now.changeFailureRate)}${changes > 0 ? ` of ${changes} changes` : ""} ` +
        compare(now.changeFailureRate, before.changeFailureRate, rate),
    },
    {
      label: "Time to restore (avg)",
      value: `${duration(now.timeToRestoreSeconds)} ${compare(now.timeToRestoreSeconds, before.timeToRestoreSeconds, duration)}`,
    },
    ...sections.flatMap((section) => section.facts),
  ];
  const details = sections.flatMap((section) => (section.detail ? [section.detail] : []));
  return {
    event: "dora.weekly_digest",
    severity: "info",
    title: `Delivery this week (${day(week.start)} to ${day(lastDay)}): ${now.deployments} deployments, change failure rate ${rate(now.changeFailureRate)}`,
    facts,
    ...(details.length > 0 && { detail: details.join("\n\n") }),
  };
}

/** The four numbers people read; undefined = no data points that week. */
function summarize(week: DoraWeek) {
  const average = ({ sum, count }: SumAndCount) => (count > 0 ? sum / count : undefined);
  const failurePercent = average(week.changeFailure);
  return {
    deployments: week.deployments,
    leadTimeSeconds: average(week.leadTime),
    changeFailureRate: failurePercent === undefined ? undefined : failurePercent / 100,
    timeToRestoreSeconds: average(week.timeToRestore),
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
