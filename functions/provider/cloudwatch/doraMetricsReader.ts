// Reads one week of DORA totals back from CloudWatch with a single GetMetricData call: one
// period spanning the whole window, over the all-deployments totals that dora.ts emits.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { Metric, type MetricName } from "../../extension/metrics/names.js";
import { METRICS_NAMESPACE } from "../../extension/metrics/recorder.js";
import type { DigestWindow, DoraWeek } from "../../pipeline/digest.js";
import { ALL_DEPLOYMENTS } from "../../pipeline/dora.js";
import { toDeliveryError } from "../../shared/awsErrors.js";

export interface DoraMetricsReader {
  week(window: DigestWindow): Promise<DoraWeek>;
}

type Stat = "Sum" | "Average" | "SampleCount";

const QUERIES: { id: string; metric: MetricName; stat: Stat }[] = [
  { id: "deployments", metric: Metric.DeploymentFrequency, stat: "Sum" },
  { id: "lead_time", metric: Metric.LeadTimeForChanges, stat: "Average" },
  { id: "failure_rate", metric: Metric.ChangeFailureRate, stat: "Average" },
  { id: "changes", metric: Metric.ChangeFailureRate, stat: "SampleCount" },
  { id: "restore", metric: Metric.TimeToRestore, stat: "Average" },
];

export class CloudWatchDoraMetricsReader implements DoraMetricsReader {
  constructor(private readonly client: CloudWatchClient) {}

  async week(window: DigestWindow): Promise<DoraWeek> {
    const period = Math.round((window.end.getTime() - window.start.getTime()) / 1000);
    const queries: MetricDataQuery[] = QUERIES.map(({ id, metric, stat }) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: METRICS_NAMESPACE,
          MetricName: metric,
          Dimensions: [{ Name: "Deployment", Value: ALL_DEPLOYMENTS }],
        },
        Period: period,
        Stat: stat,
      },
      ReturnData: true,
    }));
    const values = new Map<string, number>();
    try {
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: window.start,
            EndTime: window.end,
            NextToken: nextToken,
          }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const value = result.Values?.[0];
          if (result.Id && value !== undefined) values.set(result.Id, value);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw toDeliveryError(error, `cloudwatch:GetMetricData in ${METRICS_NAMESPACE}`);
    }
    const leadTimeSeconds = values.get("lead_time");
    const changeFailureRate = values.get("failure_rate");
    const timeToRestoreSeconds = values.get("restore");
    return {
      deployments: values.get("deployments") ?? 0,
      changes: values.get("changes") ?? 0,
      ...(leadTimeSeconds !== undefined && { leadTimeSeconds }),
      ...(changeFailureRate !== undefined && { changeFailureRate }),
      ...(timeToRestoreSeconds !== undefined && { timeToRestoreSeconds }),
    };
  }
}
