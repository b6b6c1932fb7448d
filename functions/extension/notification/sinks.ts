// Builds the notifier from config, once per composition root: Slack when a webhook is
// configured, SNS when a topic is, the console when neither is (docs/local.md, "Local mode").
import { SNSClient } from "@aws-sdk/client-sns";
import { SecureParameter } from "../../provider/ssm/secureParameter.js";
import type { NotificationConfig } from "../../shared/config.js";
import type { Logger } from "../../shared/logger.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import type { NotificationSink } from "../../types/notification.js";
import { ConsoleSink } from "./console/consoleSink.js";
import { Notifier } from "./notifier.js";
import { SlackSink } from "./slack/slackSink.js";
import { SnsSink } from "./sns/snsSink.js";

export function createSinks(config: NotificationConfig): NotificationSink[] {
  const sinks: NotificationSink[] = [];
  const { slack } = config;
  if (slack?.source === "ssm") {
    const parameter = new SecureParameter(slack.parameterName);
    sinks.push(new SlackSink(() => parameter.value(), config.timeoutMs));
  } else if (slack?.source === "env") {
    sinks.push(new SlackSink(async () => slack.url, config.timeoutMs));
  }
  if (config.snsTopicArn) sinks.push(new SnsSink(new SNSClient({}), config.snsTopicArn));
  if (sinks.length === 0) sinks.push(new ConsoleSink());
  return sinks;
}

export function createNotifier(
  config: NotificationConfig,
  metrics: MetricsRecorder,
  logger: Logger,
): Notifier {
  return new Notifier(createSinks(config), metrics, logger, {
    attempts: config.attempts,
    timeoutMs: config.timeoutMs,
  });
}
