// The weekly digest reads the DORA totals back from the CloudWatch emulator (GetMetricData) and
// posts this week against last week to the fake Slack receiver. The data points are the ones the
// rollout functions emit through doraMetricsForRolloutOutcome, put at times inside two past
// weeks that no other test writes to.
import { CloudWatchClient, PutMetricDataCommand, type StandardUnit } from "@aws-sdk/client-cloudwatch";
import { METRICS_NAMESPACE } from "../../../functions/extension/metrics/recorder.js";
import { doraMetricsForRolloutOutcome, type RolloutOutcome } from "../../../functions/pipeline/dora.js";
import { composeWeeklyDigest } from "../../../functions/weeklyDigest/compose.js";
import { sendWeeklyDigest } from "../../../functions/weeklyDigest/handler.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import "../../harness/env.js";

const cloudWatch = new CloudWatchClient({});
const deployment = { cluster: "prod", namespace: "coworking", name: "analytics-api" };
let slack: SlackReceiver;

beforeAll(async () => {
  slack = await startSlackReceiver();
});
afterAll(async () => {
  await slack.close();
});

async function emit(at: string, outcome: RolloutOutcome): Promise<void> {
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: METRICS_NAMESPACE,
      MetricData: doraMetricsForRolloutOutcome(outcome).map((point) => ({
        MetricName: point.name,
        Unit: point.unit as StandardUnit,
        Value: point.value,
        Timestamp: new Date(at),
        Dimensions: Object.entries(point.dimensions).map(([Name, Value]) => ({ Name, Value })),
      })),
    }),
  );
}

const completed = (at: string, leadMinutes: number): [string, RolloutOutcome] => [
  at,
  {
    kind: "completed",
    deployment,
    completedAt: new Date(at),
    commitCreatedAt: new Date(new Date(at).getTime() - leadMinutes * 60_000),
  },
];

describe("weeklyDigest", () => {
  it("renders the four DORA metrics of this week against last week, read back from CloudWatch", async () => {
    // Last week (2025-12-29 .. 2026-01-04): 2 deployments (lead 60 and 120 min), no failure.
    // This week (2026-01-05 .. 2026-01-11): 3 deployments (lead 30, 30, 60 min), 1 rollback restored in 6 min.
    const points: [string, RolloutOutcome][] = [
      completed("2025-12-30T10:00:00Z", 60),
      completed("2026-01-02T15:00:00Z", 120),
      completed("2026-01-05T09:00:00Z", 30),
      completed("2026-01-07T11:00:00Z", 30),
      ["2026-01-08T14:00:00Z", { kind: "rolled_back", deployment }],
      [
        "2026-01-08T14:06:00Z",
        {
          kind: "restored",
          deployment,
          failedAt: new Date("2026-01-08T14:00:00Z"),
          healthyAt: new Date("2026-01-08T14:06:00Z"),
        },
      ],
      completed("2026-01-09T16:00:00Z", 60),
    ];
    for (const [at, outcome] of points) await emit(at, outcome);

    const deps = {
      ...composeWeeklyDigest({ ...process.env, METRICS_SINK: "cloudwatch", SLACK_WEBHOOK_URL: slack.url }),
      now: () => new Date("2026-01-12T09:00:00Z"),
    };
    const result = await sendWeeklyDigest(deps);

    expect(result.delivered).toEqual(["slack"]);
    expect(slack.received).toHaveLength(1);
    const payload = slack.received[0]?.payload as { text: string; blocks: { fields?: { text: string }[] }[] };
    expect(payload.text).toBe(
      "Delivery this week (2026-01-05 to 2026-01-11): 3 deployments, change failure rate 25%",
    );
    expect(payload.blocks.flatMap((block) => block.fields?.map((field) => field.text) ?? [])).toEqual([
      "*Deployments*\n3 (last week 2, +50%)",
      "*Lead time for changes (avg)*\n40m (last week 1h 30m, -56%)",
      "*Change failure rate*\n25% of 4 changes (last week 0%)",
      "*Time to restore (avg)*\n6m (last week: no data)",
    ]);
  });

  it("leaves out a section that fails and still sends the DORA numbers", async () => {
    const deps = {
      ...composeWeeklyDigest({ ...process.env, METRICS_SINK: "cloudwatch", SLACK_WEBHOOK_URL: slack.url }),
      now: () => new Date("2026-01-12T09:00:00Z"),
    };
    const result = await sendWeeklyDigest({
      ...deps,
      sections: [
        { name: "broken", section: async () => Promise.reject(new Error("pricing API down")) },
        {
          name: "savings",
          section: async () => ({ facts: [{ label: "Savings available", value: "$120/month" }] }),
        },
      ],
    });
    expect(result.notification.facts.map((fact) => fact.label)).toEqual([
      "Deployments",
      "Lead time for changes (avg)",
      "Change failure rate",
      "Time to restore (avg)",
      "Savings available",
    ]);
  });
});
