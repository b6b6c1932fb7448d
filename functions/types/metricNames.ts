// Metric names shared by the producers (rollout, pipeline, alarm, cost functions), the
// dashboard in serverless.yml and the weekly digest, which reads them back.

export const Metric = {
  // rollout (functions/onImagePush, functions/reconcile, functions/onAlarmStateChange)
  RolloutStarted: "RolloutStarted",
  RolloutSucceeded: "RolloutSucceeded",
  RolloutFailed: "RolloutFailed",
  RolloutRolledBack: "RolloutRolledBack",
  RolloutDuration: "RolloutDuration",
  EventToPatchLatency: "EventToPatchLatency",
  RejectedEvents: "RejectedEvents",
  NotificationFailures: "NotificationFailures",
  // DORA (dimension Deployment = "<cluster>/<namespace>/<name>" where per-deployment)
  DeploymentFrequency: "DeploymentFrequency",
  LeadTimeForChanges: "LeadTimeForChanges",
  ChangeFailureRate: "ChangeFailureRate",
  TimeToRestore: "TimeToRestore",
  // pipeline (functions/onPipelineEvent)
  PipelineDuration: "PipelineDuration",
  PipelineFailures: "PipelineFailures",
  // cost (functions/reportCost)
  CostPerHour: "CostPerHour",
  IdleCostPerHour: "IdleCostPerHour",
  SpotSavingsPerHour: "SpotSavingsPerHour",
  SavingsOpportunityPerMonth: "SavingsOpportunityPerMonth",
} as const;

export type MetricName = (typeof Metric)[keyof typeof Metric];
