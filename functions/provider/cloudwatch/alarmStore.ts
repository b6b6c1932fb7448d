// AlarmStore (alarms/ports.ts) on CloudWatch: reads the coworking- alarms and writes the
// planned changes. Every call goes through the shared error mapping and bounded retry.
import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type MetricDataQuery,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import type { AlarmStore, ExistingAlarm } from "../../alarms/ports.js";
import type { AlarmSpec, CompositeAlarmSpec, MetricAlarmSpec } from "../../alarms/spec.js";
import { CONTAINER_INSIGHTS } from "../../alarms/spec.js";
import { DEFAULT_RETRY, retry } from "../../shared/retry.js";
import { toDeliveryError } from "../aws/awsErrors.js";

const TAGS = [{ Key: "project", Value: "coworking" }];
/** DeleteAlarms takes at most 100 names per call. */
const DELETE_BATCH = 100;

/** One CloudWatch call, its failure mapped onto the typed errors and retried while transient. */
export async function call<T>(permission: string, request: () => Promise<T>): Promise<T> {
  return retry(async () => {
    try {
      return await request();
    } catch (error) {
      throw toDeliveryError(error, permission);
    }
  }, DEFAULT_RETRY);
}

function metricQueries(spec: MetricAlarmSpec): MetricDataQuery[] {
  const Dimensions = spec.dimensions.map((d) => ({ Name: d.name, Value: d.value }));
  return [
    ...spec.metrics.map((m) => ({
      Id: m.id,
      MetricStat: {
        Metric: { Namespace: CONTAINER_INSIGHTS, MetricName: m.metricName, Dimensions },
        Period: spec.periodSeconds,
        Stat: m.statistic,
      },
      ReturnData: false,
    })),
    { Id: "e1", Expression: spec.expression, Label: spec.check, ReturnData: true },
  ];
}

export class CloudWatchAlarmStore implements AlarmStore {
  constructor(private readonly client: CloudWatchClient) {}

  async list(prefix: string): Promise<ExistingAlarm[]> {
    const alarms: ExistingAlarm[] = [];
    let NextToken: string | undefined;
    do {
      const page = await call("cloudwatch:DescribeAlarms", () =>
        this.client.send(
          new DescribeAlarmsCommand({
            AlarmNamePrefix: prefix,
            AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
            MaxRecords: 100,
            ...(NextToken ? { NextToken } : {}),
          }),
        ),
      );
      for (const alarm of page.MetricAlarms ?? []) {
        alarms.push({
          name: alarm.AlarmName ?? "",
          kind: "metric",
          description: alarm.AlarmDescription ?? "",
          actions: alarm.AlarmActions ?? [],
        });
      }
      for (const alarm of page.CompositeAlarms ?? []) {
        alarms.push({
          name: alarm.AlarmName ?? "",
          kind: "composite",
          description: alarm.AlarmDescription ?? "",
          actions: alarm.AlarmActions ?? [],
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return alarms;
  }

  async put(spec: AlarmSpec): Promise<void> {
    if (spec.kind === "composite") await this.#putComposite(spec);
    else await this.#putMetric(spec);
  }

  async delete(names: string[]): Promise<void> {
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      const AlarmNames = names.slice(i, i + DELETE_BATCH);
      await call("cloudwatch:DeleteAlarms", () => this.client.send(new DeleteAlarmsCommand({ AlarmNames })));
    }
  }

  async #putMetric(spec: MetricAlarmSpec): Promise<void> {
    const [single] = spec.metrics;
    const source =
      spec.expression === undefined && single && spec.metrics.length === 1
        ? {
            Namespace: CONTAINER_INSIGHTS,
            MetricName: single.metricName,
            Statistic: single.statistic,
            Dimensions: spec.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
            Period: spec.periodSeconds,
          }
        : { Metrics: metricQueries(spec) };
    await call("cloudwatch:PutMetricAlarm", () =>
      this.client.send(
        new PutMetricAlarmCommand({
          AlarmName: spec.name,
          AlarmDescription: spec.description,
          ...source,
          EvaluationPeriods: spec.evaluationPeriods,
          DatapointsToAlarm: spec.datapointsToAlarm,
          Threshold: spec.threshold,
          ComparisonOperator: spec.comparisonOperator,
          TreatMissingData: spec.treatMissingData,
          ActionsEnabled: true,
          AlarmActions: [],
          OKActions: [],
          Tags: TAGS,
        }),
      ),
    );
  }

  async #putComposite(spec: CompositeAlarmSpec): Promise<void> {
    await call("cloudwatch:PutCompositeAlarm", () =>
      this.client.send(
        new PutCompositeAlarmCommand({
          AlarmName: spec.name,
          AlarmDescription: spec.description,
          AlarmRule: spec.rule,
          ActionsEnabled: true,
          AlarmActions: spec.actions,
          OKActions: spec.actions,
          Tags: TAGS,
        }),
      ),
    );
  }
}
