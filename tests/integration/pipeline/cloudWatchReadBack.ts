// Reads metrics back from the emulator the way an operator would: GetMetricData over a window,
// one statistic per query, summed over the periods it returns.
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { METRICS_NAMESPACE } from "../../../functions/types/metricsRecorder.js";

const cloudWatch = new CloudWatchClient({});

export async function metricStatistic(
  name: string,
  stat: "Sum" | "SampleCount" | "Average" | "Maximum",
  dimensions: Record<string, string>,
  window = { start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 3_600_000) },
): Promise<number | undefined> {
  const period = Math.round((window.end.getTime() - window.start.getTime()) / 1000);
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: window.start,
      EndTime: window.end,
      MetricDataQueries: [
        {
          Id: "q",
          MetricStat: {
            Metric: {
              Namespace: METRICS_NAMESPACE,
              MetricName: name,
              Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: period,
            Stat: stat,
          },
        },
      ],
    }),
  );
  const values = MetricDataResults[0]?.Values ?? [];
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}
