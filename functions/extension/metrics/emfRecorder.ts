// MetricsRecorder that writes CloudWatch Embedded Metric Format to stdout (Powertools Metrics):
// Lambda ships the line to CloudWatch Logs and CloudWatch extracts the metrics, with no API call
// on the hot path. Each distinct dimension set becomes its own EMF document.
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Dimensions, MetricsRecorder, MetricUnit } from "../../types/metricsRecorder.js";
import { METRICS_NAMESPACE } from "../../types/metricsRecorder.js";

interface Datum {
  name: string;
  unit: MetricUnit;
  value: number;
  dimensions: Dimensions;
}

/** Same dimensions in any key order → same group. */
export function dimensionKey(dimensions: Dimensions): string {
  return JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));
}

export class EmfRecorder implements MetricsRecorder {
  readonly #metrics: Metrics;
  #pending: Datum[] = [];

  constructor(serviceName: string) {
    this.#metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
    // Powertools adds `service` as a default dimension; the dashboards, alarms and the digest
    // query exact dimension sets, so the EMF and PutMetricData recorders must emit the same ones.
    this.#metrics.clearDefaultDimensions();
  }

  add(name: string, unit: MetricUnit, value: number, dimensions: Dimensions = {}): void {
    this.#pending.push({ name, unit, value, dimensions });
  }

  async flush(): Promise<void> {
    const groups = new Map<string, Datum[]>();
    for (const datum of this.#pending) {
      const key = dimensionKey(datum.dimensions);
      groups.set(key, [...(groups.get(key) ?? []), datum]);
    }
    this.#pending = [];
    for (const data of groups.values()) {
      const first = data[0];
      if (first === undefined) continue;
      this.#metrics.addDimensions(first.dimensions);
      for (const datum of data) this.#metrics.addMetric(datum.name, datum.unit, datum.value);
      this.#metrics.publishStoredMetrics();
    }
  }
}
