// Metric names shared by the producers (rollout, pipeline, alarm, cost functions), the
// dashboard in serverless.yml and the weekly digest, which reads them back.

export const Metric = {
  // rollout (onImagePush, reconcile, onAlarmStateChange)
  RolloutStarted: "RolloutStarted",
  RolloutSucceeded: "RolloutSucceeded",
  RolloutFailed: "RolloutFailed",
  RolloutRolledBack: "RolloutRolledBack",
  RolloutDuration: "RolloutDuration",
  EventToPatchLatency: "EventToPatchLatency",
  /** An annotation stopped a write (dimensions Deployment and Annotation, the one refused). */
  RolloutRefused: "RolloutRefused",
  NotificationFailures: "NotificationFailures",
  /**
   * One piece of work (a Deployment, a namespace, a repository) failed and the others went on
   * (dimension Cause: PermissionDenied, NotFound, Transient, Unreachable, Conflict, Error).
   */
  WorkFailed: "WorkFailed",
  /**
   * The reconciler left a Deployment's work to its next run (dimension Reason: time, the run's time
   * was spent; throttled, the API throttled it before any write).
   */
  RolloutDeferred: "RolloutDeferred",
  /** A running image differs from the ledger's (dimensions Deployment and Action: adopt, restore, report). */
  RolloutDrift: "RolloutDrift",
  /** A release held by a gate, when the hold is recorded (dimensions Deployment and Gate: scan, approval, freeze). */
  RolloutHeld: "RolloutHeld",
  /**
   * A gate refused a release (dimensions Deployment and Cause: scan, scan-timeout, scan-failed,
   * scan-unsupported, expired, rejected).
   */
  RolloutBlocked: "RolloutBlocked",
  /** An approver's decision on a held release (dimension Decision: approved, rejected). */
  GateDecision: "GateDecision",
  /** How long a release waited at its gates, when it rolled out or was refused (dimension Gate). */
  GateWaitSeconds: "GateWaitSeconds",
  /** Lead time for changes without the time spent waiting at gates (dimension Deployment). */
  LeadTimeExcludingGates: "LeadTimeExcludingGates",
  // every function (functions/lambda/handler.ts), dimension Function = the function's name
  RejectedEvents: "RejectedEvents",
  ColdStart: "ColdStart",
  // DORA (dimension Deployment = "<cluster>/<namespace>/<name>" where per-deployment)
  DeploymentFrequency: "DeploymentFrequency",
  LeadTimeForChanges: "LeadTimeForChanges",
  ChangeFailureRate: "ChangeFailureRate",
  /** DORA's time to restore: a rollback's start → its Deployment healthy again (rollout report). */
  TimeToRestore: "TimeToRestore",
  // alarms (onAlarmStateChange)
  /** A composite alarm's ALARM → OK, whatever caused it; not DORA's time to restore. */
  AlarmToOkSeconds: "AlarmToOkSeconds",
  // pipeline (onPipelineEvent)
  PipelineDuration: "PipelineDuration",
  PipelineFailures: "PipelineFailures",
  // cost (reportCost)
  CostPerHour: "CostPerHour",
  IdleCostPerHour: "IdleCostPerHour",
  SpotSavingsPerHour: "SpotSavingsPerHour",
  SavingsOpportunityPerMonth: "SavingsOpportunityPerMonth",
} as const;

export type MetricName = (typeof Metric)[keyof typeof Metric];
