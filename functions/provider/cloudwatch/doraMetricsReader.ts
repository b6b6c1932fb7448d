// DoraMetricsReader (pipeline/ports/doraMetricsReader.ts) on CloudWatch: one week of the DORA
// metrics read back. The rollout functions emit them per Deployment (dimension Deployment =
// "<cluster>/<namespace>/<name>"), and a CloudWatch metric is its exact dimension set, so the
// totals are built here: ListMetrics finds every Deployment that reported a DORA metric, then
// GetMetricData reads each one's Sum and SampleCount over a single period spanning the week,
// and the sums add up across Deployments.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  paginateListMetrics,
} from "@aws-sdk/client-cloudwatch";
import type { DigestWindow, DoraWeek, SumAndCount } from "../../pipeline/digest.js";
import type { DoraMetricsReader } from "../../pipeline/ports/doraMetricsReader.js";
import { Metric, type MetricName } from "../../types/metricNames.js";
import { METRICS_NAMESPACE } from "../../types/metricsRecorder.js";
import { toDeliveryError } from "../aws/awsErrors.js";

const DORA_METRICS: MetricName[] = [
  Metric.DeploymentFrequency,
  Metric.LeadTimeForChanges,
  Metric.ChangeFailureRate,
  Metric.TimeToRestore,
];
const STATS = ["Sum", "SampleCount"] as const;
/** GetMetricData takes at most 500 queries per request. */
const QUERIES_PER_REQUEST = 500;

interface Series {
  metric: MetricName;
  deployment: string;
}

export class CloudWatchDoraMetricsReader implements DoraMetricsReader {
  constructor(private readonly client: CloudWatchClient) {}

  async week(window: DigestWindow): Promise<DoraWeek> {
    const series = await this.#series();
    const period = Math.round((window.end.getTime() - window.start.getTime()) / 1000);
    const queries: MetricDataQuery[] = series.flatMap(({ metric, deployment }, index) =>
      STATS.map((stat) => ({
        Id: `${stat === "Sum" ? "s" : "n"}${index}`,
        MetricStat: {
          Metric: {
            Namespace: METRICS_NAMESPACE,
            MetricName: metric,
            Dimensions: [{ Name: "Deployment", Value: deployment }],
          },
          Period: period,
          Stat: stat,
        },
        ReturnData: true,
      })),
    );
    const values = await this.#values(queries, window);
    const total = (metric: MetricName): SumAndCount =>
      series.reduce(
        (sum, candidate, index) =>
          candidate.metric === metric
            ? {
                sum: sum.sum + (values.get(`s${index}`) ?? 0),
                count: sum.count + (values.get(`n${index}`) ?? 0),
              }
            : sum,
        { sum: 0, count: 0 },
      );
    return {
      deployments: total(Metric.DeploymentFrequency).sum,
      leadTime: total(Metric.LeadTimeForChanges),
      changeFailure: total(Metric.ChangeFailureRate),
      timeToRestore: total(Metric.TimeToRestore),
    };
  }

  /** Every (DORA metric, Deployment) pair CloudWatch knows. */
  async #series(): Promise<Series[]> {
    const series: Series[] = [];
    try {
      for (const metric of DORA_METRICS) {
        const pages = paginateListMetrics(
          { client: this.client },
          { Namespace: METRICS_NAMESPACE, MetricName: metric, Dimensions: [{ Name: "Deployment" }] },
        );
        for await (const page of pages) {
          for (const listed of page.Metrics ?? []) {
            const dimensions = listed.Dimensions ?? [];
            const deployment = dimensions.find((dimension) => dimension.Name === "Deployment")?.Value;
            // Only the exact per-Deployment series; any other dimension set is another metric.
            if (deployment && dimensions.length === 1) series.push({ metric, deployment });
          }
        }
      }
    } catch (error) {
      throw toDeliveryError(error, `cloudwatch:ListMetrics in ${METRICS_NAMESPACE}`);
    }
    return series;
  }

  /** Query id → the value of its single period (absent when there were no data points). */
  async #values(queries: MetricDataQuery[], window: DigestWindow): Promise<Map<string, number>> {
    const values = new Map<string, number>();
    try {
      for (let start = 0; start < queries.length; start += QUERIES_PER_REQUEST) {
        let nextToken: string | undefined;
        do {
          const page = await this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries.slice(start, start + QUERIES_PER_REQUEST),
              StartTime: window.start,
              EndTime: window.end,
              NextToken: nextToken,
            }),
          );
          for (const result of page.MetricDataResults ?? []) {
            const sum = (result.Values ?? []).reduce((total, value) => total + value, 0);
            if (result.Id && result.Values?.length) values.set(result.Id, (values.get(result.Id) ?? 0) + sum);
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
    } catch (error) {
      throw toDeliveryError(error, `cloudwatch:GetMetricData in ${METRICS_NAMESPACE}`);
    }
    return values;
  }
}
