// The weekly digest reads the DORA metrics back from the CloudWatch emulator (ListMetrics +
// GetMetricData) and posts this week against last week to the fake Slack receiver. The data
// points have the shape the rollout functions emit (functions/rollout/executor.ts,
// functions/onAlarmStateChange): per Deployment, ChangeFailureRate in Percent (0 or 100). They
// are put inside two past weeks that no other test writes to.
import { CloudWatchClient, PutMetricDataCommand, type StandardUnit } from "@aws-sdk/client-cloudwatch";
import { sendWeeklyDigest } from "../../../functions/handlers/weeklyDigest/handler.js";
import { composeWeeklyDigest } from "../../../functions/handlers/weeklyDigest/wiring.js";
import { METRICS_NAMESPACE } from "../../../functions/types/metricsRecorder.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import { handled } from "../../support/handlerResult.js";
import "../../harness/env.js";

const cloudWatch = new CloudWatchClient({});
const API = "prod/coworking/analytics-api";
const WORKER = "prod/coworking/report-worker";
let slack: SlackReceiver;

beforeAll(async () => {
  slack = await startSlackReceiver();
});
afterAll(async () => {
  await slack.close();
});

async function put(at: string, deployment: string, points: [string, StandardUnit, number][]): Promise<void> {
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: METRICS_NAMESPACE,
      MetricData: points.map(([name, unit, value]) => ({
        MetricName: name,
        Unit: unit,
        Value: value,
        Timestamp: new Date(at),
        Dimensions: [{ Name: "Deployment", Value: deployment }],
      })),
    }),
  );
}

/** What the rollout executor emits when a rollout completes. */
const completed = (at: string, deployment: string, leadMinutes: number) =>
  put(at, deployment, [
    ["DeploymentFrequency", "Count", 1],
    ["ChangeFailureRate", "Percent", 0],
    ["LeadTimeForChanges", "Seconds", leadMinutes * 60],
  ]);

const digestDependencies = () => ({
  ...composeWeeklyDigest({ ...process.env, METRICS_SINK: "cloudwatch", SLACK_WEBHOOK_URL: slack.url }),
  now: () => new Date("2026-01-12T09:00:00Z"),
});

describe("weeklyDigest", () => {
  it("renders the four DORA metrics of this week against last week, summed over Deployments", async () => {
    // Last week (2025-12-29 .. 2026-01-04): 2 deployments (lead 60 and 120 min), no failure.
    await completed("2025-12-30T10:00:00Z", API, 60);
    await completed("2026-01-02T15:00:00Z", WORKER, 120);
    // This week (2026-01-05 .. 2026-01-11): 3 deployments over two Deployments (lead 30, 30, 60
    // min) and 1 rollback, restored in 6 min.
    await completed("2026-01-05T09:00:00Z", API, 30);
    await completed("2026-01-07T11:00:00Z", WORKER, 30);
    await put("2026-01-08T14:00:00Z", API, [["ChangeFailureRate", "Percent", 100]]);
    await put("2026-01-08T14:06:00Z", API, [["TimeToRestore", "Seconds", 360]]);
    await completed("2026-01-09T16:00:00Z", API, 60);
    // Outside both weeks: must not count.
    await completed("2026-01-12T01:00:00Z", API, 5);

    const result = handled(await sendWeeklyDigest(digestDependencies()));

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
    const result = handled(
      await sendWeeklyDigest({
        ...digestDependencies(),
        sections: [
          { name: "broken", section: async () => Promise.reject(new Error("pricing API down")) },
          {
            name: "savings",
            section: async () => ({ facts: [{ label: "Savings available", value: "$120/month" }] }),
          },
        ],
      }),
    );
    expect(result.notification.facts.map((fact) => fact.label)).toEqual([
      "Deployments",
      "Lead time for changes (avg)",
      "Change failure rate",
      "Time to restore (avg)",
      "Savings available",
    ]);
  });
});
