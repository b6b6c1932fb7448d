// The rollout's one report stage: outcomes (outcome.ts) → metrics, notifications, log lines and
// the per-Deployment result lines, the same way for a push, a reconcile run and an alarm's
// rollback. `describeOutcome` decides everything and is pure; `RolloutReporter` only sends.
// Only the writer of an ending reports it (outcome.ts), so duplicates stay silent here.
// A release's terminal notification (succeeded, failed, rolled back) is tracked: once sent, the
// sinks that took it are recorded on the release's ledger record, and a sink that did not is
// sent it again by the reconciler (settle.ts), from the same builder and the same record.
// DORA figures (DeploymentFrequency, ChangeFailureRate, LeadTimeForChanges) are reported when a
// release is settled, once: a success when its bake window is over, a failure or a rollback at once.

import { describeReleaseCost } from "../cost/releaseDelta.js";
import type { Logger } from "../shared/logger.js";
import { Metric, type MetricName } from "../types/metricNames.js";
import type { Dimensions, MetricsRecorder, MetricUnit } from "../types/metricsRecorder.js";
import type { DeploymentRef, Notification, NotificationPublisher } from "../types/notification.js";
import { describeChange } from "./drift.js";
import { causeOf, mapBounded, rethrowFirst } from "./fleet.js";
import { describeRefusal, type RolloutRecord } from "./ledger.js";
import { deploymentKey } from "./model.js";
import {
  digestReleased,
  type RolloutEnding as EndingMessage,
  permissionDenied,
  rolledBack,
  rolloutBlocked,
  rolloutDrifted,
  rolloutFailed,
  rolloutHeld,
  rolloutRefused,
  rolloutStarted,
  rolloutSucceeded,
} from "./notifications.js";
import {
  type Blocked,
  type CostInputs,
  type DeploymentOutcome,
  type Drifted,
  deploymentRef,
  type FollowedRollout,
  type Held,
  type Landed,
  type Notice,
  type Refused,
  type RolledBack,
  type RolloutActs,
  type Settled,
  type Skipped,
  type Unquarantined,
  type WorkFailed,
} from "./outcome.js";
import { imageLabel } from "./plan.js";
import type { RefusalLog } from "./ports/refusalLog.js";
import { type ReleaseKey, releaseKey } from "./settle.js";

export type DeploymentAction =
  | "patched"
  | "skipped"
  | "refused"
  | "finished"
  | "rolled_back"
  | "error"
  | "settled"
  | "notified"
  | "drift"
  | "held"
  | "blocked"
  | "unquarantined";
export type RolloutResult = "succeeded" | "failed" | "rolled_back" | "in_progress" | "superseded" | "refused";

/** One result line per Deployment: what was done and why (the invocation's JSON result). */
export interface DeploymentReport {
  cluster: string;
  namespace: string;
  name: string;
  action: DeploymentAction;
  reason: string;
  from?: string;
  to?: string;
  outcome?: RolloutResult;
  durationMs?: number;
  /** Invocation start → PATCH accepted, for the rollouts this invocation started. */
  eventToPatchMs?: number;
  /** A skip the next run takes up: this run's time was spent, or the server throttled it. */
  deferred?: "time" | "throttled";
}

/** What a rollout handler's result carries when handled. */
export interface RolloutDetail {
  deployments: DeploymentReport[];
}

export interface MetricPoint {
  name: MetricName;
  unit: MetricUnit;
  value: number;
  dimensions?: Dimensions;
}

export interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  attributes: Record<string, unknown>;
}

/** A release's terminal notification whose delivery is recorded on its ledger record. */
export interface TrackedDelivery {
  event: string;
  release: ReleaseKey;
  /** Only these sinks (a notification sent again); absent: every configured sink. */
  sinks?: string[];
}

/** Everything one outcome says, in the order it is sent. */
export interface OutcomeReport {
  line: DeploymentReport;
  metrics: MetricPoint[];
  notifications: Notification[];
  logs: LogLine[];
  /** Set when one of `notifications` is a release's terminal notification. */
  delivery?: TrackedDelivery;
}

export interface ReportOptions {
  /** The instance type whose list price estimates a release's cost delta in rollout messages. */
  costReferenceInstanceType: string;
}

/** Notifications go out for several Deployments at once, as they did when each rollout ended. */
const NOTIFY_CONCURRENCY = 10;

const count = (name: MetricName, dimensions?: Dimensions): MetricPoint => ({
  name,
  unit: "Count",
  value: 1,
  ...(dimensions ? { dimensions } : {}),
});
const changeFailureRate = (percent: 0 | 100, dimensions: Dimensions): MetricPoint => ({
  name: Metric.ChangeFailureRate,
  unit: "Percent",
  value: percent,
  dimensions,
});
const rolloutDuration = (durationMs: number): MetricPoint => ({
  name: Metric.RolloutDuration,
  unit: "Milliseconds",
  value: durationMs,
});

function perDeployment(outcome: DeploymentRef): Dimensions {
  return { Deployment: deploymentKey(outcome) };
}

function skippedReport(outcome: Skipped): OutcomeReport {
  const key = deploymentKey(outcome);
  const logs: LogLine[] =
    outcome.deferred === "throttled"
      ? [
          {
            level: "warn",
            message: "deployment deferred to the next run: throttled",
            attributes: { deployment: key, reason: outcome.reason },
          },
        ]
      : outcome.step === "rollout"
        ? [
            {
              level: "info",
              message: "deployment skipped",
              attributes: { deployment: key, reason: outcome.reason },
            },
          ]
        : outcome.step === "rollback"
          ? [
              {
                level: "warn",
                message: "rollback skipped",
                attributes: { deployment: key, reason: outcome.reason },
              },
            ]
          : [];
  return {
    line: {
      ...deploymentRef(outcome),
      action: "skipped",
      reason: outcome.reason,
      ...(outcome.deferred ? { deferred: outcome.deferred } : {}),
    },
    // Counted without a Deployment dimension: a run that defers hundreds adds one series, not hundreds.
    metrics: outcome.deferred ? [count(Metric.RolloutDeferred, { Reason: outcome.deferred })] : [],
    notifications: [],
    logs,
  };
}

/** What a refusal sends: one metric and one notification naming the annotation, and a warning. */
function refusal(
  deployment: DeploymentRef,
  what: string,
  refused: Refused["refusal"],
): Pick<OutcomeReport, "metrics" | "notifications" | "logs"> {
  return {
    metrics: [
      count(Metric.RolloutRefused, { Deployment: deploymentKey(deployment), Annotation: refused.annotation }),
    ],
    notifications: [rolloutRefused(deploymentRef(deployment), what, refused)],
    logs: [
      {
        level: "warn",
        message: "deployment refused",
        attributes: {
          deployment: deploymentKey(deployment),
          what,
          annotation: refused.annotation,
          source: refused.source,
          value: refused.value,
          problem: refused.problem,
        },
      },
    ],
  };
}

/** An annotation stopped this Deployment's work: nothing written, and it is said. */
function refusedReport(outcome: Refused): OutcomeReport {
  return {
    line: {
      ...deploymentRef(outcome),
      action: "refused",
      reason: `${outcome.reason}: ${describeRefusal(outcome.refusal)}`,
    },
    ...refusal(outcome, outcome.reason, outcome.refusal),
  };
}

/** A rollback this invocation wrote: counted as a change failure, restored time, and notified. */
function rollbackReport(outcome: RolledBack, options: ReportOptions): OutcomeReport {
  const dimensions = perDeployment(outcome);
  return {
    line: {
      ...deploymentRef(outcome),
      action: "rolled_back",
      reason: outcome.reason,
      from: outcome.from,
      to: outcome.to,
      outcome: "rolled_back",
      durationMs: outcome.durationMs,
    },
    metrics: [
      count(Metric.RolloutRolledBack),
      changeFailureRate(100, dimensions),
      ...(outcome.restored
        ? [
            {
              name: Metric.TimeToRestore,
              unit: "Seconds" as const,
              value: outcome.durationMs / 1000,
              dimensions,
            },
          ]
        : []),
    ],
    notifications: [
      rolledBack({
        deployment: deploymentRef(outcome),
        record: outcome.record,
        from: outcome.from,
        to: outcome.to,
        durationMs: outcome.durationMs,
        reason: outcome.reason,
        restored: outcome.restored,
        cost: cost(outcome.cost, options),
        ...(outcome.quarantineError !== undefined ? { quarantineError: outcome.quarantineError } : {}),
      }),
    ],
    logs: [
      {
        level: "warn",
        message: "deployment rolled back",
        attributes: {
          deployment: deploymentKey(outcome),
          from: outcome.from,
          to: outcome.to,
          reason: outcome.reason,
        },
      },
      ...(outcome.quarantineError !== undefined
        ? [
            {
              level: "error" as const,
              message:
                "quarantine not written to the state table; the digest is quarantined on this Deployment only",
              attributes: {
                deployment: deploymentKey(outcome),
                digest: outcome.record.digest,
                error: outcome.quarantineError,
              },
            },
          ]
        : []),
    ],
    delivery: { event: "rollout.rolled_back", release: releaseKey(outcome.record) },
  };
}

function cost(inputs: CostInputs, options: ReportOptions): string | undefined {
  return describeReleaseCost({ ...inputs, referenceInstanceType: options.costReferenceInstanceType });
}

/** What the ending of a followed rollout reports: the line's reason and, for its writer only, the rest. */
function endingReport(
  outcome: FollowedRollout,
  options: ReportOptions,
): Pick<OutcomeReport, "metrics" | "notifications" | "logs" | "delivery"> & {
  reason: string;
  durationMs: number;
} {
  const { ending } = outcome;
  const dimensions = perDeployment(outcome);
  const message = (durationMs: number, inputs: CostInputs): EndingMessage => ({
    deployment: deploymentRef(outcome),
    record: outcome.record,
    from: outcome.from,
    to: outcome.to,
    durationMs,
    cost: cost(inputs, options),
  });
  const silent = { metrics: [], notifications: [], logs: [] };
  switch (ending.state) {
    case "in_progress":
      return {
        ...silent,
        logs: [
          {
            level: "info",
            message: "rollout still in progress; the reconciler will finish it",
            attributes: { deployment: deploymentKey(outcome) },
          },
        ],
        reason: "time budget spent; the reconciler finishes the rollout",
        durationMs: ending.durationMs,
      };
    case "superseded":
      return {
        ...silent,
        logs: [
          {
            level: "info",
            message: "rollout superseded",
            attributes: { deployment: deploymentKey(outcome), digest: outcome.record.digest },
          },
        ],
        reason: "superseded by a newer rollout or a rollback",
        durationMs: ending.durationMs,
      };
    case "succeeded": {
      if (!ending.writer)
        return {
          ...silent,
          reason: "rollout complete (reported by another invocation)",
          durationMs: ending.durationMs,
        };
      // The release's DORA figures count when it is settled, after its bake window.
      return {
        metrics: [count(Metric.RolloutSucceeded), rolloutDuration(ending.durationMs)],
        notifications: [rolloutSucceeded(message(ending.durationMs, ending.cost))],
        logs: [],
        reason: "rollout complete",
        durationMs: ending.durationMs,
        delivery: { event: "rollout.succeeded", release: releaseKey(outcome.record) },
      };
    }
    case "failed":
      if (!ending.writer) return { ...silent, reason: ending.reason, durationMs: ending.durationMs };
      return {
        metrics: [
          count(Metric.RolloutFailed),
          rolloutDuration(ending.durationMs),
          changeFailureRate(100, dimensions),
        ],
        notifications: [rolloutFailed(message(ending.durationMs, ending.cost), ending.reason)],
        logs: [],
        reason: ending.reason,
        durationMs: ending.durationMs,
        delivery: { event: "rollout.failed", release: releaseKey(outcome.record) },
      };
    case "refused":
      return {
        ...refusal(outcome, ending.reason, ending.refusal),
        reason: `${ending.reason}: ${describeRefusal(ending.refusal)}`,
        durationMs: ending.durationMs,
      };
    case "rolled_back": {
      const { rollback } = ending;
      if (rollback.kind === "refused") {
        return {
          ...refusal(outcome, `rollout failed (${ending.reason}); ${rollback.reason}`, rollback.refusal),
          reason: `${ending.reason}; ${rollback.reason}: ${describeRefusal(rollback.refusal)}`,
          durationMs: ending.durationMs,
        };
      }
      if (rollback.kind === "skipped") {
        const skipped = skippedReport(rollback);
        return { ...silent, logs: skipped.logs, reason: ending.reason, durationMs: ending.durationMs };
      }
      const rolled = rollbackReport(rollback, options);
      return {
        metrics: [...rolled.metrics, count(Metric.RolloutFailed), rolloutDuration(ending.durationMs)],
        notifications: rolled.notifications,
        logs: rolled.logs,
        reason: ending.reason,
        durationMs: rollback.durationMs,
        ...(rolled.delivery ? { delivery: rolled.delivery } : {}),
      };
    }
  }
}

/** The start this invocation wrote: counted once, whatever became of the rollout after. */
function startReport(outcome: FollowedRollout): Pick<OutcomeReport, "metrics" | "logs"> {
  if (outcome.patched === undefined) return { metrics: [], logs: [] };
  const { heldSince, heldAt, startedAt } = outcome.record;
  return {
    metrics: [
      ...startMetrics(outcome.patched.eventToPatchMs),
      ...(heldAt ? gateWait(heldAt, heldSince, Date.parse(startedAt)) : []),
      ...((outcome.record.approvedBy?.length ?? 0) > 0
        ? [count(Metric.GateDecision, { Decision: "approved" })]
        : []),
    ],
    logs: [
      {
        level: "info",
        message: "deployment patched",
        attributes: {
          deployment: deploymentKey(outcome),
          from: outcome.from,
          to: outcome.to,
          resourceVersion: outcome.patched.resourceVersion,
        },
      },
    ],
  };
}

function startMetrics(eventToPatchMs: number): MetricPoint[] {
  return [
    count(Metric.RolloutStarted),
    { name: Metric.EventToPatchLatency, unit: "Milliseconds", value: eventToPatchMs },
  ];
}

function rolloutReport(outcome: FollowedRollout, options: ReportOptions): OutcomeReport {
  const start = startReport(outcome);
  const ending = endingReport(outcome, options);
  const settled = outcome.settled ? settleMetrics(outcome, outcome.settled) : [];
  return {
    line: {
      ...deploymentRef(outcome),
      action: outcome.patched ? "patched" : "finished",
      reason: ending.reason,
      from: outcome.from,
      to: outcome.to,
      outcome: outcome.ending.state,
      durationMs: ending.durationMs,
      ...(outcome.patched ? { eventToPatchMs: outcome.patched.eventToPatchMs } : {}),
    },
    metrics: [...settled, ...start.metrics, ...ending.metrics],
    // The start is a thread's step before its ending (sinks without threads never get it).
    notifications: [
      ...(outcome.patched
        ? [
            rolloutStarted({
              deployment: deploymentRef(outcome),
              record: outcome.record,
              from: outcome.from,
              to: outcome.to,
            }),
          ]
        : []),
      ...ending.notifications,
    ],
    logs: [...start.logs, ...ending.logs],
    ...(ending.delivery ? { delivery: ending.delivery } : {}),
  };
}

/**
 * A release that completed is settled as succeeded: one deployment, no change failure, and the
 * lead time from its commit to its completion. A record written before releases were counted at
 * settle counted at completion already.
 */
function settleMetrics(deployment: DeploymentRef, record: RolloutRecord): MetricPoint[] {
  if (record.notified === undefined) return [];
  const dimensions = perDeployment(deployment);
  const commitCreatedAt = record.release?.commitCreatedAt;
  const completedAt = record.completedAt ? Date.parse(record.completedAt) : undefined;
  return [
    count(Metric.DeploymentFrequency, dimensions),
    changeFailureRate(0, dimensions),
    ...(commitCreatedAt && completedAt !== undefined
      ? [
          {
            name: Metric.LeadTimeForChanges,
            unit: "Seconds" as const,
            value: (completedAt - Date.parse(commitCreatedAt)) / 1000,
            dimensions,
          },
          // the same lead time without the wait at the gates (the whole of it when never held)
          {
            name: Metric.LeadTimeExcludingGates,
            unit: "Seconds" as const,
            value:
              (completedAt -
                Date.parse(commitCreatedAt) -
                (record.heldSince
                  ? Math.max(0, Date.parse(record.startedAt) - Date.parse(record.heldSince))
                  : 0)) /
              1000,
            dimensions,
          },
        ]
      : []),
  ];
}

function settledReport(outcome: Settled): OutcomeReport {
  return {
    line: {
      ...deploymentRef(outcome),
      action: "settled",
      reason: `release ${outcome.record.tag} settled as succeeded: its bake window is over`,
      to: imageLabel(Object.values(outcome.record.to)[0] ?? ""),
      outcome: "succeeded",
    },
    metrics: outcome.counts ? settleMetrics(outcome, outcome.record) : [],
    notifications: [],
    logs: [
      {
        level: "info",
        message: "release settled",
        attributes: { deployment: deploymentKey(outcome), digest: outcome.record.digest },
      },
    ],
  };
}

/** The terminal notification of a release, built again from its record, for the sinks that lack it. */
export function noticeNotification(outcome: Notice, options: ReportOptions): Notification | undefined {
  const { record } = outcome;
  const deployment = deploymentRef(outcome);
  const from = imageLabel(Object.values(record.from)[0] ?? "");
  const to = imageLabel(Object.values(record.to)[0] ?? "");
  const since = (end: string | undefined) =>
    end === undefined ? undefined : Date.parse(end) - Date.parse(record.startedAt);
  const costText = cost(outcome.cost, options);
  const base = (durationMs: number | undefined): EndingMessage => ({
    deployment,
    record,
    from,
    to,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(costText !== undefined ? { cost: costText } : {}),
  });
  switch (outcome.event) {
    case "rollout.succeeded":
      return rolloutSucceeded(base(since(record.completedAt)));
    case "rollout.failed":
      return rolloutFailed(base(since(record.endedAt)), record.failure ?? "rollout failed");
    case "rollout.rolled_back": {
      const rollback = record.rollback;
      if (rollback === undefined) return undefined;
      return rolledBack({
        ...base(undefined),
        from: to,
        to: imageLabel(Object.values(rollback.to)[0] ?? ""),
        reason: rollback.reason,
        restored: outcome.restored,
        ...(rollback.quarantineError !== undefined ? { quarantineError: rollback.quarantineError } : {}),
      });
    }
    default:
      return undefined;
  }
}

function noticeReport(outcome: Notice, options: ReportOptions): OutcomeReport {
  const notification = noticeNotification(outcome, options);
  return {
    line: {
      ...deploymentRef(outcome),
      action: "notified",
      reason: `${outcome.event} of ${outcome.record.tag} sent again to ${outcome.sinks.join(", ")}: not recorded as delivered`,
    },
    metrics: [],
    notifications: notification ? [notification] : [],
    logs: [
      {
        level: "info",
        message: "notification sent again",
        attributes: { deployment: deploymentKey(outcome), event: outcome.event, sinks: outcome.sinks },
      },
    ],
    ...(notification
      ? { delivery: { event: outcome.event, release: releaseKey(outcome.record), sinks: outcome.sinks } }
      : {}),
  };
}

function driftReport(outcome: Drifted): OutcomeReport {
  const drifted = outcome.drifted.map((entry) => ({
    container: entry.container,
    pinned: imageLabel(entry.pinned),
    running: imageLabel(entry.running),
    changedBy: describeChange(entry.changedBy),
  }));
  const what = drifted
    .map(
      (entry) =>
        `${entry.container} runs ${entry.running}, pinned ${entry.pinned}, changed by ${entry.changedBy}`,
    )
    .join("; ");
  const done =
    outcome.action === "adopt"
      ? "adopted"
      : outcome.action === "restore"
        ? "restoring the pinned image"
        : `not acted on: ${outcome.reason ?? ""}`;
  return {
    line: {
      ...deploymentRef(outcome),
      action: "drift",
      reason: `drift: ${what}; ${done}`,
      ...(drifted[0] ? { from: drifted[0].pinned, to: drifted[0].running } : {}),
    },
    metrics: [count(Metric.RolloutDrift, { Deployment: deploymentKey(outcome), Action: outcome.action })],
    notifications: [rolloutDrifted(deploymentRef(outcome), outcome.action, drifted, outcome.reason)],
    logs: [
      {
        level: "warn",
        message: "drift",
        attributes: { deployment: deploymentKey(outcome), action: outcome.action, drifted },
      },
    ],
  };
}

/** Writes that landed before the work failed count as they would have. */
function landedMetrics(outcome: DeploymentRef, landed: Landed | undefined): MetricPoint[] {
  return [
    ...(landed?.settled ? settleMetrics(outcome, landed.settled) : []),
    ...(landed?.patched ? startMetrics(landed.patched.eventToPatchMs) : []),
    ...(landed?.rolledBack
      ? [count(Metric.RolloutRolledBack), changeFailureRate(100, perDeployment(outcome))]
      : []),
  ];
}

function failureReport(outcome: WorkFailed): OutcomeReport {
  const { cluster, namespace, name } = outcome;
  const denied = outcome.permissionDenied;
  return {
    line: { cluster, namespace, name, action: "error", reason: outcome.reason },
    metrics: [
      ...landedMetrics(outcome, outcome.landed),
      count(Metric.WorkFailed, { Cause: outcome.cause ?? causeOf(outcome.error) }),
    ],
    notifications: denied ? [permissionDenied(cluster, denied.permission)] : [],
    logs: [
      denied
        ? {
            level: "error",
            message: "permission denied",
            attributes: { cluster, namespace, name, permission: denied.permission },
          }
        : {
            level: "error",
            message: "deployment work failed",
            attributes: {
              cluster,
              namespace,
              name,
              cause: outcome.cause ?? causeOf(outcome.error),
              error: outcome.error,
            },
          },
    ],
  };
}

/**
 * A rollout held by a freeze is notified and counted once, when the hold is recorded (each later
 * run finds it recorded and only lists it); a dry run is notified for a push, not for the
 * reconciler's runs, which would repeat it every few minutes.
 */
function heldReport(outcome: Held): OutcomeReport {
  const { reason } = outcome;
  const notify = outcome.gate === "dry-run" ? outcome.trigger === "push" : outcome.recorded;
  return {
    line: { ...deploymentRef(outcome), action: "held", reason, from: outcome.from, to: outcome.to },
    metrics:
      outcome.gate !== "dry-run" && outcome.recorded
        ? [count(Metric.RolloutHeld, { Deployment: deploymentKey(outcome), Gate: outcome.gate })]
        : [],
    notifications: notify ? [rolloutHeld(outcome)] : [],
    logs: [
      { level: "info", message: "rollout held", attributes: { deployment: deploymentKey(outcome), reason } },
    ],
  };
}

/** A gate refused a release: counted by cause, notified, and said in the result. */
function blockedReport(outcome: Blocked): OutcomeReport {
  return {
    line: {
      ...deploymentRef(outcome),
      action: "blocked",
      reason: outcome.reason,
      from: outcome.from,
      to: outcome.to,
    },
    metrics: [
      count(Metric.RolloutBlocked, { Deployment: deploymentKey(outcome), Cause: outcome.cause }),
      ...(outcome.cause === "rejected" ? [count(Metric.GateDecision, { Decision: "rejected" })] : []),
      ...gateWait(outcome.pending.gate, outcome.pending.since),
    ],
    notifications: [rolloutBlocked(outcome)],
    logs: [
      {
        level: "warn",
        message: "rollout blocked",
        attributes: { deployment: deploymentKey(outcome), cause: outcome.cause, reason: outcome.reason },
      },
    ],
  };
}

/** An operator released a digest: said in the result and notified, with why it had been quarantined. */
function unquarantinedReport(outcome: Unquarantined): OutcomeReport {
  const image = `${outcome.repositoryName}@${outcome.digest}`;
  const where = outcome.deployments.length > 0 ? outcome.deployments.join(", ") : "no Deployment's ledger";
  const why = outcome.entry
    ? `it was quarantined at ${outcome.entry.at.toISOString()} on ${outcome.entry.deployment}: ${outcome.entry.reason}`
    : "it was not in the stage's quarantine";
  const reason = `${image} released from quarantine by ${outcome.by}${outcome.reason ? ` (${outcome.reason})` : ""}; ${why}; released from ${where}`;
  return {
    line: { cluster: "", namespace: "", name: "", action: "unquarantined", reason },
    metrics: [count(Metric.GateDecision, { Decision: "unquarantined" })],
    notifications: [digestReleased(outcome, why)],
    logs: [
      {
        level: "info",
        message: "digest released from quarantine",
        attributes: { image, by: outcome.by, why },
      },
    ],
  };
}

/** How long a release waited at a gate, from when it was first held. */
function gateWait(gate: string, since: string | undefined, now = Date.now()): MetricPoint[] {
  if (since === undefined) return [];
  return [
    {
      name: Metric.GateWaitSeconds,
      unit: "Seconds",
      value: Math.max(0, (now - Date.parse(since)) / 1000),
      dimensions: { Gate: gate },
    },
  ];
}

/** Pure: what one outcome reports. */
export function describeOutcome(outcome: DeploymentOutcome, options: ReportOptions): OutcomeReport {
  switch (outcome.kind) {
    case "skipped":
      return skippedReport(outcome);
    case "refused":
      return refusedReport(outcome);
    case "rolled_back":
      return rollbackReport(outcome, options);
    case "rollout":
      return rolloutReport(outcome, options);
    case "error":
      return failureReport(outcome);
    case "settled":
      return settledReport(outcome);
    case "notice":
      return noticeReport(outcome, options);
    case "drift":
      return driftReport(outcome);
    case "held":
      return heldReport(outcome);
    case "blocked":
      return blockedReport(outcome);
    case "unquarantined":
      return unquarantinedReport(outcome);
  }
}

export interface ReporterDependencies extends ReportOptions {
  /** Which refusals were reported already; absent: every refusal is reported every time. */
  refusals?: RefusalLog;
  metrics: Pick<MetricsRecorder, "add">;
  /** Never throws: a notification problem must not fail a rollout (the Notifier guarantees it). */
  notifier: NotificationPublisher;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /**
   * Records on the release's ledger record which sinks took its terminal notification (none:
   * the lease is released, so the reconciler sends it again). Absent: delivery is not recorded.
   */
  recordDelivery?: (
    deployment: DeploymentRef,
    delivery: TrackedDelivery,
    delivered: string[],
  ) => Promise<void>;
}

export class RolloutReporter {
  constructor(private readonly deps: ReporterDependencies) {}

  /** Sends what one outcome reports and returns its result line. */
  async reportOne(outcome: DeploymentOutcome): Promise<DeploymentReport> {
    const described = describeOutcome(outcome, this.deps);
    // A refusal seen before with the same value is logged and listed, not notified or counted again.
    const repeated =
      outcome.kind === "refused" &&
      this.deps.refusals !== undefined &&
      !(await this.deps.refusals.firstSeen(
        deploymentKey(outcome),
        outcome.refusal.annotation,
        outcome.refusal.value,
      ));
    const report = repeated ? { ...described, notifications: [], metrics: [] } : described;
    for (const log of report.logs) this.deps.logger[log.level](log.message, log.attributes);
    this.#add(report.metrics);
    for (const notification of report.notifications) {
      const { delivery } = report;
      if (delivery === undefined || notification.event !== delivery.event) {
        await this.deps.notifier.notify(notification);
        continue;
      }
      const sent = await this.deps.notifier.notify(
        notification,
        delivery.sinks ? { sinks: delivery.sinks } : undefined,
      );
      await this.#recordDelivery(deploymentRef(outcome), delivery, sent?.delivered ?? []);
    }
    return report.line;
  }

  /** A failure here is logged: the message went out, and at worst a sink receives it twice. */
  async #recordDelivery(
    deployment: DeploymentRef,
    delivery: TrackedDelivery,
    delivered: string[],
  ): Promise<void> {
    try {
      await this.deps.recordDelivery?.(deployment, delivery, delivered);
    } catch (error) {
      this.deps.logger.warn("notification delivery not recorded on the ledger", {
        deployment: deploymentKey(deployment),
        event: delivery.event,
        delivered,
        error,
      });
    }
  }

  /** For work that threw where no fleet guard turns it into an outcome: what landed still counts. */
  reportLanded(deployment: DeploymentRef, landed: Landed): void {
    this.#add(landedMetrics(deployment, landed));
  }

  #add(metrics: MetricPoint[]): void {
    for (const metric of metrics) {
      this.deps.metrics.add(
        metric.name,
        metric.unit,
        metric.value,
        ...(metric.dimensions ? [metric.dimensions] : []),
      );
    }
  }

  /**
   * Reports every outcome, then rethrows the first failure retrying may fix: the invocation
   * fails loudly only after everything it did is said.
   */
  async report(acts: RolloutActs): Promise<DeploymentReport[]> {
    const lines = await mapBounded(acts.outcomes, NOTIFY_CONCURRENCY, (outcome) => this.reportOne(outcome));
    rethrowFirst(acts.failures);
    return lines;
  }
}
