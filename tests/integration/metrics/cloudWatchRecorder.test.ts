// The PutMetricData recorder against moto: more data than one request may carry is split into
// batches, and every value can be read back with its dimensions.
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchRecorder,
  PUT_METRIC_DATA_BATCH,
} from "../../../functions/extension/metrics/cloudWatchRecorder.js";
import { METRICS_NAMESPACE } from "../../../functions/types/metricsRecorder.js";
import { harness } from "../../harness/env.js";

const cloudWatch = new CloudWatchClient({ region: harness().region });

async function sum(
  metricName: string,
  dimensions: Record<string, string>,
  since: Date,
): Promise<number | undefined> {
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      StartTime: new Date(since.getTime() - 60_000),
      EndTime: new Date(Date.now() + 60_000),
      Period: 3600,
      Statistics: ["Sum"],
    }),
  );
  return Datapoints.length === 0
    ? undefined
    : Datapoints.reduce((total, point) => total + (point.Sum ?? 0), 0);
}

describe("CloudWatchRecorder (moto CloudWatch)", () => {
  it("sends everything recorded, in batches, and each value reads back under its dimensions", async () => {
    const since = new Date();
    const deployment = `harness/coworking-${Date.now()}/analytics`;
    const sent: unknown[] = [];
    const recorder = new CloudWatchRecorder(cloudWatch);
    const originalSend = cloudWatch.send.bind(cloudWatch);
    const counting = Object.assign(Object.create(cloudWatch), {
      send: (command: Parameters<typeof originalSend>[0]) => {
        sent.push(command);
        return originalSend(command);
      },
    }) as CloudWatchClient;
    const batched = new CloudWatchRecorder(counting);

    const count = PUT_METRIC_DATA_BATCH + 5;
    for (let index = 0; index < count; index++)
      batched.add("RolloutStarted", "Count", 1, { Deployment: deployment });
    recorder.add("RolloutDuration", "Milliseconds", 1500, { Deployment: deployment });
    recorder.add("RolloutDuration", "Milliseconds", 2500, { Deployment: deployment });
    await batched.flush();
    await recorder.flush();

    expect(sent).toHaveLength(2);
    expect(await sum("RolloutStarted", { Deployment: deployment }, since)).toBe(count);
    expect(await sum("RolloutDuration", { Deployment: deployment }, since)).toBe(4000);
    expect(await sum("RolloutDuration", { Deployment: `${deployment}-other` }, since)).toBeUndefined();
  });

  it("sends nothing when nothing was recorded", async () => {
    const sent: unknown[] = [];
    const counting = Object.assign(Object.create(cloudWatch), {
      send: (command: unknown) => {
        sent.push(command);
        return Promise.resolve({});
      },
    }) as CloudWatchClient;
    await new CloudWatchRecorder(counting).flush();
    expect(sent).toEqual([]);
  });
});
