// Chooses the MetricsRecorder from config (METRICS_SINK); called once per composition root.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { MetricsConfig } from "../../shared/config.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import { CloudWatchRecorder } from "./cloudWatchRecorder.js";
import { EmfRecorder } from "./emfRecorder.js";

export function createMetricsRecorder(config: MetricsConfig, serviceName: string): MetricsRecorder {
  switch (config.sink) {
    case "emf":
      return new EmfRecorder(serviceName);
    case "cloudwatch":
      return new CloudWatchRecorder(new CloudWatchClient({}));
  }
}
