// Composition root of onPipelineEvent: reads the configuration once and wires every adapter.

import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { createMetricsRecorder } from "../../extension/metrics/recorders.js";
import { createNotifier } from "../../extension/notification/sinks.js";
import type { Idempotency } from "../../lambda/handler.js";
import { composeIdempotency } from "../../lambda/idempotency.js";
import type { PipelinePlanOptions } from "../../pipeline/plan.js";
import type { PipelineExecutions } from "../../pipeline/ports/pipelineExecutions.js";
import { SdkPipelineExecutions } from "../../provider/codepipeline/sdkPipelineExecutions.js";
import { type Env, loadConfig } from "../../shared/config.js";
import { createLogger, type Logger } from "../../shared/logger.js";
import { InvocationDeadline } from "../../shared/retry.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import type { NotificationPublisher } from "../../types/notification.js";

export const SERVICE_NAME = "onPipelineEvent";

export interface PipelineEventDependencies {
  pipelines: readonly string[];
  options: PipelinePlanOptions;
  executions: PipelineExecutions;
  notifier: NotificationPublisher;
  metrics: MetricsRecorder;
  logger: Logger;
  /** Where the outcomes already reported are remembered (the stage's state table). */
  idempotency: Idempotency;
  /** The running invocation's deadline: a rate-limited notification never waits past it. */
  deadline: InvocationDeadline;
}

export function composePipelineEvent(env: Env = process.env): PipelineEventDependencies {
  const config = loadConfig(env);
  const logger = createLogger(SERVICE_NAME);
  const metrics = createMetricsRecorder(config.metrics, SERVICE_NAME);
  const deadline = new InvocationDeadline();
  return {
    deadline,
    pipelines: config.pipeline.names,
    options: { notifyStarted: config.pipeline.notifyStarted },
    executions: new SdkPipelineExecutions(new CodePipelineClient({})),
    notifier: createNotifier(config.notification, metrics, logger, { until: deadline.until }),
    metrics,
    logger,
    idempotency: composeIdempotency(config, SERVICE_NAME, logger),
  };
}
