// The metrics port. Namespace is always CoworkingDelivery (docs/architecture.md): the dashboard,
// the IAM condition on PutMetricData and the weekly digest all use that one namespace.

export const METRICS_NAMESPACE = "CoworkingDelivery";

export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "None" | "Percent";

export type Dimensions = Record<string, string>;

export interface MetricsRecorder {
  add(name: string, unit: MetricUnit, value: number, dimensions?: Dimensions): void;
  /** Sends what was recorded; called once at the end of an invocation. */
  flush(): Promise<void>;
}
