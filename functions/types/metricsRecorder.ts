// The metrics port. Namespace is always CoworkingDelivery (DESIGN.md).

export const METRICS_NAMESPACE = "CoworkingDelivery";

export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "None" | "Percent";

export type Dimensions = Record<string, string>;

export interface MetricsRecorder {
  add(name: string, unit: MetricUnit, value: number, dimensions?: Dimensions): void;
  /** Sends what was recorded; called once at the end of an invocation. */
  flush(): Promise<void>;
}
