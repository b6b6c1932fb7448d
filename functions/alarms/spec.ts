// The alarms one Deployment gets, as data. The CloudWatch adapter turns these into
// PutMetricAlarm / PutCompositeAlarm calls.
//
// Metrics are Container Insights' (namespace ContainerInsights), with the dimensions it
// publishes per workload: ClusterName, Namespace and PodName, where PodName is the Deployment's
// name (Container Insights aggregates a Deployment's pods under it):
// - pod_cpu_utilization_over_pod_limit, pod_memory_utilization_over_pod_limit (percent)
// - pod_number_of_container_restarts
// - kube_deployment_spec_replicas and kube_deployment_status_replicas_available (Container
//   Insights with enhanced observability); the alarm watches their difference.
import { createHash } from "node:crypto";
import type { AlarmTarget, Check } from "./names.js";
import { alarmName, COMPOSITE_CHECK } from "./names.js";
import type { Thresholds } from "./thresholds.js";

export const CONTAINER_INSIGHTS = "ContainerInsights";

export interface MetricStat {
  id: string;
  metricName: string;
  statistic: "Average" | "Maximum";
}

export interface MetricAlarmSpec {
  kind: "metric";
  name: string;
  check: Check;
  description: string;
  dimensions: { name: string; value: string }[];
  /** One metric alone, or several combined by `expression` (metric math). */
  metrics: MetricStat[];
  expression?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: "GreaterThanOrEqualToThreshold";
  /** No data (Container Insights off, Deployment scaled to zero) is not a reason to roll back. */
  treatMissingData: "notBreaching";
}

export interface CompositeAlarmSpec {
  kind: "composite";
  name: string;
  check: Check;
  description: string;
  rule: string;
  /** The topic: only the composite notifies, so one incident is one message. */
  actions: string[];
}

export type AlarmSpec = MetricAlarmSpec | CompositeAlarmSpec;

function dimensions(target: AlarmTarget) {
  return [
    { name: "ClusterName", value: target.cluster },
    { name: "Namespace", value: target.namespace },
    { name: "PodName", value: target.deployment },
  ];
}

/** Descriptions end with a fingerprint of the spec, so comparing descriptions finds any change. */
function withFingerprint<T extends AlarmSpec>(spec: T): T {
  const digest = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 12);
  return { ...spec, description: `${spec.description} [spec ${digest}]` };
}

export function alarmsFor(target: AlarmTarget, thresholds: Thresholds, topicArn: string): AlarmSpec[] {
  const who = `${target.cluster}/${target.namespace}/${target.deployment}`;
  const minutes = thresholds.evaluationMinutes;
  const metric = (
    check: Check,
    what: string,
    metrics: MetricStat[],
    threshold: number,
    window: { periodSeconds: number; periods: number },
    expression?: string,
  ): MetricAlarmSpec => ({
    kind: "metric",
    name: alarmName(target, check),
    check,
    description: `${who}: ${what} (managed by coworking publishAlarms; edits are overwritten)`,
    dimensions: dimensions(target),
    metrics,
    ...(expression ? { expression } : {}),
    periodSeconds: window.periodSeconds,
    evaluationPeriods: window.periods,
    datapointsToAlarm: window.periods,
    threshold,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  });
  const children: MetricAlarmSpec[] = [
    metric(
      "cpu",
      `CPU ≥ ${thresholds.cpuPercent}% of limit for ${minutes} min`,
      [{ id: "m1", metricName: "pod_cpu_utilization_over_pod_limit", statistic: "Average" }],
      thresholds.cpuPercent,
      { periodSeconds: 60, periods: minutes },
    ),
    metric(
      "memory",
      `memory ≥ ${thresholds.memoryPercent}% of limit for ${minutes} min`,
      [{ id: "m1", metricName: "pod_memory_utilization_over_pod_limit", statistic: "Average" }],
      thresholds.memoryPercent,
      { periodSeconds: 60, periods: minutes },
    ),
    metric(
      "restarts",
      `≥ ${thresholds.restarts} container restarts in 5 min`,
      [{ id: "m1", metricName: "pod_number_of_container_restarts", statistic: "Maximum" }],
      thresholds.restarts,
      { periodSeconds: 300, periods: 1 },
    ),
    metric(
      "unavailable",
      `≥ ${thresholds.unavailablePods} desired pod(s) unavailable for ${minutes} min`,
      [
        { id: "desired", metricName: "kube_deployment_spec_replicas", statistic: "Average" },
        { id: "available", metricName: "kube_deployment_status_replicas_available", statistic: "Average" },
      ],
      thresholds.unavailablePods,
      { periodSeconds: 60, periods: minutes },
      "desired - available",
    ),
  ];
  const composite: CompositeAlarmSpec = {
    kind: "composite",
    name: alarmName(target, COMPOSITE_CHECK),
    check: COMPOSITE_CHECK,
    description: `${who}: any of CPU, memory, restarts or unavailable pods in ALARM (managed by coworking publishAlarms)`,
    rule: children.map((child) => `ALARM("${child.name}")`).join(" OR "),
    actions: [topicArn],
  };
  return [...children, composite].map(withFingerprint);
}
