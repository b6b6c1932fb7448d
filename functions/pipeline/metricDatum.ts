// A metric the planners decided to emit; the handler hands each one to the MetricsRecorder.
// Planning returns data instead of calling the recorder so that the decision stays pure.
import type { MetricName } from "../types/metricNames.js";
import type { Dimensions, MetricUnit } from "../types/metricsRecorder.js";

export interface MetricDatum {
  name: MetricName;
  unit: MetricUnit;
  value: number;
  dimensions: Dimensions;
}
