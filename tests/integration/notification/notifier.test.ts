// The notifier with real sinks: a Slack receiver answering 500, and a webhook on a port nobody
// listens on. Each is retried a bounded number of times, the failure is counted through the real
// PutMetricData recorder (read back from moto), and notify() never throws.
import { createServer } from "node:net";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchRecorder } from "../../../functions/extension/metrics/cloudWatchRecorder.js";
import { ConsoleSink } from "../../../functions/extension/notification/console/consoleSink.js";
import { Notifier } from "../../../functions/extension/notification/notifier.js";
import { SlackSink } from "../../../functions/extension/notification/slack/slackSink.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { METRICS_NAMESPACE } from "../../../functions/types/metricsRecorder.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import { rolledBack } from "../../fixtures/notifications.js";
import { harness } from "../../harness/env.js";

const { region } = harness();
const cloudWatch = new CloudWatchClient({ region });
const logger = createLogger("notifier-integration");
logger.setLogLevel("SILENT");
let receiver: SlackReceiver;

beforeEach(async () => {
  receiver = await startSlackReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** A loopback port that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function notificationFailures(sink: string, since: Date): Promise<number> {
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: METRICS_NAMESPACE,
      MetricName: "NotificationFailures",
      Dimensions: [{ Name: "Sink", Value: sink }],
      StartTime: new Date(since.getTime() - 60_000),
      EndTime: new Date(Date.now() + 60_000),
      Period: 60,
      Statistics: ["Sum"],
    }),
  );
  return Datapoints.reduce((sum, point) => sum + (point.Sum ?? 0), 0);
}

describe("Notifier with real sinks", () => {
  it("retries a Slack 500 a bounded number of times, counts the failure, never throws, still delivers elsewhere", async () => {
    const since = new Date();
    const sinkName = `slack-${Date.now()}`;
    const slack = new SlackSink(async () => receiver.url);
    Object.defineProperty(slack, "name", { value: sinkName });
    const consoleLines: string[] = [];
    const metrics = new CloudWatchRecorder(cloudWatch);
    receiver.failNext(10, 500);

    const outcome = await new Notifier(
      [slack, new ConsoleSink((text) => consoleLines.push(text))],
      metrics,
      logger,
      {
        attempts: 3,
        timeoutMs: 2000,
        baseDelayMs: 10,
      },
    ).notify(rolledBack);
    await metrics.flush();

    expect(outcome).toEqual({ delivered: ["console"], failed: [sinkName] });
    expect(receiver.requests).toBe(3);
    expect(receiver.received).toHaveLength(0);
    expect(consoleLines.join("")).toContain("analytics rolled back");
    expect(await notificationFailures(sinkName, since)).toBe(1);
  });

  it("recovers when Slack comes back within the retry bound", async () => {
    const metrics = new CloudWatchRecorder(cloudWatch);
    receiver.failNext(2, 503);
    const outcome = await new Notifier([new SlackSink(async () => receiver.url)], metrics, logger, {
      attempts: 3,
      timeoutMs: 2000,
      baseDelayMs: 10,
    }).notify(rolledBack);
    expect(outcome).toEqual({ delivered: ["slack"], failed: [] });
    expect(receiver.requests).toBe(3);
    expect(receiver.received).toHaveLength(1);
  });

  it("gives up on an unreachable webhook within its time bound", async () => {
    const since = new Date();
    const port = await closedPort();
    const sinkName = `slack-unreachable-${Date.now()}`;
    const slack = new SlackSink(async () => `http://127.0.0.1:${port}/services/T/B/x`);
    Object.defineProperty(slack, "name", { value: sinkName });
    const metrics = new CloudWatchRecorder(cloudWatch);
    const started = Date.now();

    const outcome = await new Notifier([slack], metrics, logger, {
      attempts: 3,
      timeoutMs: 1000,
      baseDelayMs: 10,
    }).notify(rolledBack);
    await metrics.flush();

    expect(outcome.failed).toEqual([sinkName]);
    expect(Date.now() - started).toBeLessThan(3 * 1000 + 500);
    expect(await notificationFailures(sinkName, since)).toBe(1);
  });
});
