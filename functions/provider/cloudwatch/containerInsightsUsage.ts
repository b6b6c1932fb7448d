// UsageSource (cost/ports.ts) on Container Insights: how much of its requests each Deployment
// really uses. Per workload (dimensions ClusterName, Namespace, PodName = the Deployment),
// pod_cpu_utilization and pod_cpu_reserved_capacity are both percent of the node's CPU, so their
// ratio is use ÷ request; likewise for memory. Averaged over the past week. No data (Container
// Insights off) = no entry.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type { UsageOfRequest } from "../../cost/advice.js";
import type { UsageSource } from "../../cost/ports.js";
import { DEFAULT_RETRY, retry } from "../../shared/retry.js";
import { toDeliveryError } from "../aws/awsErrors.js";

const WINDOW_DAYS = 7;
/** GetMetricData takes at most 500 queries; four per Deployment. */
const DEPLOYMENTS_PER_CALL = 125;
const METRICS = [
  ["cu", "pod_cpu_utilization"],
  ["cr", "pod_cpu_reserved_capacity"],
  ["mu", "pod_memory_utilization"],
  ["mr", "pod_memory_reserved_capacity"],
] as const;

export class ContainerInsightsUsage implements UsageSource {
  constructor(private readonly client: CloudWatchClient) {}

  async usage(cluster: string, deployments: string[], now: Date): Promise<Map<string, UsageOfRequest>> {
    const found = new Map<string, UsageOfRequest>();
    for (let first = 0; first < deployments.length; first += DEPLOYMENTS_PER_CALL) {
      const batch = deployments.slice(first, first + DEPLOYMENTS_PER_CALL);
      const queries: MetricDataQuery[] = batch.flatMap((key, i) => {
        const [namespace = "", name = ""] = key.split("/");
        return METRICS.map(([suffix, metricName]) => ({
          Id: `d${i}${suffix}`,
          MetricStat: {
            Metric: {
              Namespace: "ContainerInsights",
              MetricName: metricName,
              Dimensions: [
                { Name: "ClusterName", Value: cluster },
                { Name: "Namespace", Value: namespace },
                { Name: "PodName", Value: name },
              ],
            },
            Period: WINDOW_DAYS * 86_400,
            Stat: "Average",
          },
          ReturnData: true,
        }));
      });
      const values = await this.#values(queries, now);
      batch.forEach((key, i) => {
        const ratio = (use: string, reserved: string) => {
          const u = values.get(`d${i}${use}`);
          const r = values.get(`d${i}${reserved}`);
          return u === undefined || r === undefined || r <= 0 ? undefined : u / r;
        };
        const cpu = ratio("cu", "cr");
        const memory = ratio("mu", "mr");
        if (cpu !== undefined && memory !== undefined) found.set(key, { cpu, memory });
      });
    }
    return found;
  }

  /** Query id → its average over the window (the mean of the returned periods). */
  async #values(queries: MetricDataQuery[], now: Date): Promise<Map<string, number>> {
    const sums = new Map<string, { total: number; count: number }>();
    let NextToken: string | undefined;
    do {
      const page = await retry(async () => {
        try {
          return await this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: new Date(now.getTime() - WINDOW_DAYS * 86_400_000),
              EndTime: now,
              ...(NextToken ? { NextToken } : {}),
            }),
          );
        } catch (error) {
          throw toDeliveryError(error, "cloudwatch:GetMetricData");
        }
      }, DEFAULT_RETRY);
      for (const result of page.MetricDataResults ?? []) {
        const entry = sums.get(result.Id ?? "") ?? { total: 0, count: 0 };
        for (const value of result.Values ?? []) {
          entry.total += value;
          entry.count += 1;
        }
        sums.set(result.Id ?? "", entry);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return new Map([...sums].filter(([, s]) => s.count > 0).map(([id, s]) => [id, s.total / s.count]));
  }
}
