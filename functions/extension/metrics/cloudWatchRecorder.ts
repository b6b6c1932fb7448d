// MetricsRecorder that calls PutMetricData (METRICS_SINK=cloudwatch). Used in local mode and in
// tests, where no log pipeline turns EMF into metrics: the data reaches the emulator and can be
// read back with GetMetricData, exactly as the weekly digest does in AWS.
import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { toDeliveryError } from "../../provider/aws/awsErrors.js";
import type { Dimensions, MetricsRecorder, MetricUnit } from "../../types/metricsRecorder.js";
import { METRICS_NAMESPACE } from "../../types/metricsRecorder.js";

/** PutMetricData accepts at most 1,000 metrics per request (CloudWatch quotas). */
export const PUT_METRIC_DATA_BATCH = 1000;

export class CloudWatchRecorder implements MetricsRecorder {
  #pending: MetricDatum[] = [];

  constructor(private readonly client: CloudWatchClient = new CloudWatchClient({})) {}

  add(name: string, unit: MetricUnit, value: number, dimensions: Dimensions = {}): void {
    this.#pending.push({
      MetricName: name,
      Unit: unit as StandardUnit,
      Value: value,
      Timestamp: new Date(),
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    });
  }

  async flush(): Promise<void> {
    const data = this.#pending;
    this.#pending = [];
    for (let start = 0; start < data.length; start += PUT_METRIC_DATA_BATCH) {
      const batch = data.slice(start, start + PUT_METRIC_DATA_BATCH);
      try {
        await this.client.send(new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: batch }));
      } catch (error) {
        throw toDeliveryError(error, `cloudwatch:PutMetricData in ${METRICS_NAMESPACE}`);
      }
    }
  }
}
