// The four DORA metrics, as data points derived from rollout outcomes. The rollout functions
// (onImagePush, reconcile, onAlarmStateChange) call these pure helpers when an outcome is known
// and hand the result to their MetricsRecorder; the weekly digest and the dashboard read them back.
//
// Each point is emitted twice: per Deployment (dimension Deployment = "<cluster>/<namespace>/<name>")
// and once more with Deployment = "all", the totals the digest and the dashboard read. (A named
// total rather than no dimensions, because a metric is its exact dimension set in CloudWatch.)
//   DeploymentFrequency  Count 1 per rollout that completed healthy (Sum = deployments)
//   LeadTimeForChanges   Seconds from the commit's creation to that completion
//   ChangeFailureRate    0 per completed rollout, 1 per rolled-back one: Average is the rate,
//                        Sum the failures, SampleCount the changes
//   TimeToRestore        Seconds from the start of a rollback (or an alarm) to healthy again

import { Metric } from "../extension/metrics/names.js";
import type { DeploymentRef } from "../extension/notification/model.js";
import type { MetricDatum } from "./metricDatum.js";

export type RolloutOutcome =
  | {
      kind: "completed";
      deployment: DeploymentRef;
      completedAt: Date;
      /** From the Release of the image's tag (ReleaseLookup), when the tag names a commit. */
      commitCreatedAt?: Date;
    }
  | { kind: "rolled_back"; deployment: DeploymentRef }
  | {
      kind: "restored";
      deployment: DeploymentRef;
      /** When the rollback (or the alarm that caused it) started. */
      failedAt: Date;
      healthyAt: Date;
    };

/** The Deployment dimension value of the all-deployments totals. */
export const ALL_DEPLOYMENTS = "all";

export function deploymentDimension(deployment: DeploymentRef): string {
  return `${deployment.cluster}/${deployment.namespace}/${deployment.name}`;
}

export function doraMetricsForRolloutOutcome(outcome: RolloutOutcome): MetricDatum[] {
  const points: Omit<MetricDatum, "dimensions">[] = [];
  switch (outcome.kind) {
    case "completed": {
      points.push({ name: Metric.DeploymentFrequency, unit: "Count", value: 1 });
      points.push({ name: Metric.ChangeFailureRate, unit: "None", value: 0 });
      const leadMs =
        outcome.commitCreatedAt && outcome.completedAt.getTime() - outcome.commitCreatedAt.getTime();
      if (leadMs !== undefined && leadMs >= 0) {
        points.push({ name: Metric.LeadTimeForChanges, unit: "Seconds", value: leadMs / 1000 });
      }
      break;
    }
    case "rolled_back":
      points.push({ name: Metric.ChangeFailureRate, unit: "None", value: 1 });
      break;
    case "restored": {
      const restoreMs = outcome.healthyAt.getTime() - outcome.failedAt.getTime();
      if (restoreMs >= 0)
        points.push({ name: Metric.TimeToRestore, unit: "Seconds", value: restoreMs / 1000 });
      break;
    }
  }
  const perDeployment = { Deployment: deploymentDimension(outcome.deployment) };
  return points.flatMap((point) => [
    { ...point, dimensions: perDeployment },
    { ...point, dimensions: { Deployment: ALL_DEPLOYMENTS } },
  ]);
}
