// Composition root of weeklyDigest. `sections` is the extension point: another function's
// contribution to the digest (e.g. the cost reporter's savings advice) is one more source here.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { createMetricsRecorder } from "../../extension/metrics/recorders.js";
import { createNotifier } from "../../extension/notification/sinks.js";
import type { DigestSectionSource } from "../../pipeline/digest.js";
import type { DoraMetricsReader } from "../../pipeline/ports/doraMetricsReader.js";
import { CloudWatchDoraMetricsReader } from "../../provider/cloudwatch/doraMetricsReader.js";
import { type Env, loadConfig } from "../../shared/config.js";
import { createLogger, type Logger } from "../../shared/logger.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import type { NotificationPublisher } from "../../types/notification.js";

export const SERVICE_NAME = "weeklyDigest";

export interface WeeklyDigestDependencies {
  reader: DoraMetricsReader;
  sections: readonly DigestSectionSource[];
  notifier: NotificationPublisher;
  metrics: MetricsRecorder;
  logger: Logger;
  now: () => Date;
}

export function composeWeeklyDigest(env: Env = process.env): WeeklyDigestDependencies {
  const config = loadConfig(env);
  const logger = createLogger(SERVICE_NAME);
  const metrics = createMetricsRecorder(config.metrics, SERVICE_NAME);
  return {
    reader: new CloudWatchDoraMetricsReader(new CloudWatchClient({})),
    sections: [],
    notifier: createNotifier(config.notification, metrics, logger),
    metrics,
    logger,
    now: () => new Date(),
  };
}
