// Builds the notifier from config, once per composition root: Slack when a webhook or a bot token
// is configured, SNS when a topic is, the console when neither is (docs/local.md, "Local mode").
// With a bot token, Slack is the Web API and one thread per release (docs/slack.md); the
// webhook, if also configured, is then not used. Without one, the webhook posts flat messages,
// as it always has.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { ReleaseThreadTable } from "../../provider/dynamodb/releaseThreads.js";
import { SecureParameter } from "../../provider/ssm/secureParameter.js";
import { type NotificationConfig, type SecretSource, SLACK_BOT_TOKEN } from "../../shared/config.js";
import type { Logger } from "../../shared/logger.js";
import { ConfigError } from "../../types/errors.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import type { DeploymentRef, NotificationSink } from "../../types/notification.js";
import type { ReleaseThreadStore } from "../../types/releaseThreads.js";
import { ConsoleSink } from "./console/consoleSink.js";
import { Notifier } from "./notifier.js";
import { SlackSink } from "./slack/slackSink.js";
import { MemoryReleaseThreads } from "./slackThread/memoryThreads.js";
import { WebChatApi } from "./slackThread/slackApi.js";
import { SlackThreadSink } from "./slackThread/threadSink.js";
import { SnsSink } from "./sns/snsSink.js";

export interface SinkOptions {
  logger?: Logger;
  /**
   * The channel a Deployment asks for (`rollout.coworking.dev/slack-channel`), for the functions
   * that can read it; the others post to SLACK_CHANNEL.
   */
  deploymentChannel?: (deployment: DeploymentRef) => Promise<string | undefined>;
  /** The composition root's client of the state table, shared with its other table adapters. */
  dynamo?: DynamoDBClient;
}

/** A thread sink's attempt makes several Slack and table calls: it gets a few request timeouts. */
const THREAD_ATTEMPT_REQUESTS = 4;

/** The bot token, read when needed (cached, so a rotated SecureString is picked up) and checked. */
export function botToken(source: SecretSource): () => Promise<string> {
  if (source.source === "env") return async () => source.value;
  const parameter = new SecureParameter(source.parameterName);
  return async () => {
    const token = await parameter.value();
    // The value never goes into the error: only the parameter's name.
    if (!SLACK_BOT_TOKEN.test(token)) {
      throw new ConfigError(`SSM parameter ${source.parameterName} does not hold a Slack bot token (xoxb-…)`);
    }
    return token;
  };
}

function threadSink(
  app: NonNullable<NotificationConfig["slackApp"]>,
  config: NotificationConfig,
  options: SinkOptions,
): SlackThreadSink {
  // Without the state table (local mode, or a function that posts no step of a release: the
  // digest, cost advice), threads are kept for the process; said once, if a release step comes.
  const store: ReleaseThreadStore =
    app.stateTableName !== undefined
      ? new ReleaseThreadTable(
          options.dynamo ?? new DynamoDBClient({ region: app.region }),
          app.stateTableName,
        )
      : new MemoryReleaseThreads(() =>
          options.logger?.warn(
            "STATE_TABLE_NAME is not set: release threads are kept in memory, for this process only",
          ),
        );
  return new SlackThreadSink({
    api: new WebChatApi(botToken(app.token), {
      apiUrl: app.apiUrl,
      requestTimeoutMs: config.timeoutMs,
      ...(options.logger && { logger: options.logger }),
    }),
    store,
    defaultChannel: app.channel,
    links: {
      ...(app.region !== undefined && { region: app.region }),
      ...(app.dashboardName !== undefined && { dashboardName: app.dashboardName }),
    },
    ...(options.deploymentChannel && { deploymentChannel: options.deploymentChannel }),
    ...(options.logger && { logger: options.logger }),
    attemptTimeoutMs: config.timeoutMs * THREAD_ATTEMPT_REQUESTS,
  });
}

export function createSinks(config: NotificationConfig, options: SinkOptions = {}): NotificationSink[] {
  const sinks: NotificationSink[] = [];
  const { slack, slackApp } = config;
  if (slackApp !== undefined) {
    sinks.push(threadSink(slackApp, config, options));
  } else if (slack?.source === "ssm") {
    const parameter = new SecureParameter(slack.parameterName);
    sinks.push(new SlackSink(() => parameter.value(), config.timeoutMs));
  } else if (slack?.source === "env") {
    sinks.push(new SlackSink(async () => slack.url, config.timeoutMs));
  }
  if (config.snsTopicArn) sinks.push(new SnsSink(new SNSClient({}), config.snsTopicArn));
  if (sinks.length === 0) sinks.push(new ConsoleSink());
  return sinks;
}

export interface NotifierWiring extends Omit<SinkOptions, "logger"> {
  /** The invocation's deadline: retries of a throttled sink never wait past it. */
  until?: () => number | undefined;
}

export function createNotifier(
  config: NotificationConfig,
  metrics: MetricsRecorder,
  logger: Logger,
  wiring: NotifierWiring = {},
): Notifier {
  const { until, ...sinkOptions } = wiring;
  return new Notifier(createSinks(config, { ...sinkOptions, logger }), metrics, logger, {
    attempts: config.attempts,
    timeoutMs: config.timeoutMs,
    ...(until !== undefined && { until }),
  });
}
