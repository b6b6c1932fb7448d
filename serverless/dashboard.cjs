// The delivery dashboard. Metric names are the ones in functions/types/metricNames.ts
// (tests/integration/iac checks that every one is shown and nothing else is). Each widget sums a
// SEARCH over the namespace, so it shows the fleet total whatever dimensions a producer adds.
"use strict";

const { GRANTS } = require("./iam.cjs");

const NAMESPACE = "CoworkingDelivery";
/** Filled in by Fn::Sub at deploy time. */
const REGION = `\${AWS::Region}`;
const WIDTH = 8;
const HEIGHT = 6;

/** One expression summing every series of a metric; its id is the metric name in lower camel case. */
const total = (metric, stat, period) => ({
  expression: `SUM(SEARCH('{${NAMESPACE}} MetricName="${metric}"', '${stat}', ${period}))`,
  id: metric.charAt(0).toLowerCase() + metric.slice(1),
  label: metric,
});

const series = (metric, stat, period) => ({
  expression: `SEARCH('{${NAMESPACE}} MetricName="${metric}"', '${stat}', ${period})`,
  id: metric.charAt(0).toLowerCase() + metric.slice(1),
  label: metric,
});

function metricWidget(title, queries, options = {}) {
  return {
    type: "metric",
    width: WIDTH,
    height: HEIGHT,
    properties: {
      title,
      region: REGION,
      view: options.view ?? "timeSeries",
      stat: "Sum",
      period: options.period ?? 300,
      metrics: queries.map((query) => [query]),
      ...(options.yLabel ? { yAxis: { left: { label: options.yLabel, min: 0 } } } : {}),
    },
  };
}

const HOUR = 3600;
const DAY = 86400;

function widgets({ service, stage }) {
  return [
    metricWidget(
      "Rollouts",
      [
        total("RolloutStarted", "Sum", HOUR),
        total("RolloutSucceeded", "Sum", HOUR),
        total("RolloutFailed", "Sum", HOUR),
        total("RolloutRolledBack", "Sum", HOUR),
        // Deployments the loop would not roll (a bad opt-in annotation, say): fix the manifest.
        total("RolloutRefused", "Sum", HOUR),
        // Per-item failures (403, a missing repository, throttling), reported without failing the run.
        total("WorkFailed", "Sum", HOUR),
        // Running images that differ from the ledger's (a hotfix, a forced apply): adopted or restored.
        total("RolloutDrift", "Sum", HOUR),
        // Work the reconciler left to its next run (its time spent, or throttled before any write):
        // a count that stays up means the runs are too short or the API too busy.
        total("RolloutDeferred", "Sum", HOUR),
      ],
      { period: HOUR, yLabel: "count / hour" },
    ),
    // Release gates: held (once per hold), blocked by cause (scan findings, timeouts, expiry,
    // rejection), and the approvers' decisions, per Gate / Cause / Decision dimension.
    metricWidget(
      "Release gates",
      [
        series("RolloutHeld", "Sum", HOUR),
        series("RolloutBlocked", "Sum", HOUR),
        series("GateDecision", "Sum", HOUR),
      ],
      { period: HOUR, yLabel: "count / hour" },
    ),
    metricWidget("Time waiting at gates", [series("GateWaitSeconds", "Average", DAY)], {
      period: DAY,
      yLabel: "seconds",
    }),
    metricWidget("Rollout duration (p90)", [series("RolloutDuration", "p90", HOUR)], { period: HOUR }),
    metricWidget("Event to patch latency (p90)", [series("EventToPatchLatency", "p90", HOUR)], {
      period: HOUR,
    }),
    metricWidget("DORA: deployment frequency", [total("DeploymentFrequency", "Sum", DAY)], {
      period: DAY,
      yLabel: "deployments / day",
    }),
    // With the time releases waited at gates, and without it.
    metricWidget(
      "DORA: lead time for changes",
      [series("LeadTimeForChanges", "Average", DAY), series("LeadTimeExcludingGates", "Average", DAY)],
      { period: DAY },
    ),
    // One sample per release when it settles (leaves its bake window, fails or is rolled back):
    // 0 or 100, so the average is the share of releases that failed.
    metricWidget("DORA: change failure rate", [series("ChangeFailureRate", "Average", DAY)], {
      period: DAY,
      yLabel: "%",
    }),
    // DORA's time to restore: a rollback's start until its Deployment is healthy again.
    metricWidget("DORA: time to restore", [series("TimeToRestore", "Average", DAY)], { period: DAY }),
    // How long per-Deployment composite alarms stay in ALARM, whatever the cause (not DORA's).
    metricWidget("Alarm ALARM → OK", [series("AlarmToOkSeconds", "Average", DAY)], {
      period: DAY,
      yLabel: "seconds",
    }),
    metricWidget(
      "Pipelines",
      [series("PipelineDuration", "Average", HOUR), total("PipelineFailures", "Sum", HOUR)],
      { period: HOUR },
    ),
    metricWidget(
      "Cost ($/hour)",
      [
        total("CostPerHour", "Average", HOUR),
        total("IdleCostPerHour", "Average", HOUR),
        total("SpotSavingsPerHour", "Average", HOUR),
      ],
      { period: HOUR, yLabel: "$ / hour" },
    ),
    metricWidget("Savings opportunity ($/month)", [total("SavingsOpportunityPerMonth", "Average", HOUR)], {
      period: HOUR,
      view: "singleValue",
    }),
    metricWidget(
      "Rejected events and notification failures",
      [total("RejectedEvents", "Sum", HOUR), total("NotificationFailures", "Sum", HOUR)],
      { period: HOUR },
    ),
    // Cold starts per function: a rise means more concurrent invocations (or a memory size change).
    metricWidget("Cold starts", [series("ColdStart", "Sum", HOUR)], { period: HOUR }),
    {
      type: "metric",
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: "Function errors",
        region: REGION,
        view: "timeSeries",
        stat: "Sum",
        period: 300,
        metrics: Object.keys(GRANTS).map((name) => [
          "AWS/Lambda",
          "Errors",
          "FunctionName",
          `${service}-${stage}-${name}`,
        ]),
      },
    },
  ];
}

function dashboard({ service, stage }) {
  return {
    Resources: {
      DeliveryDashboard: {
        Type: "AWS::CloudWatch::Dashboard",
        Properties: {
          DashboardName: `${service}-${stage}`,
          DashboardBody: { "Fn::Sub": JSON.stringify({ widgets: widgets({ service, stage }) }) },
        },
      },
    },
  };
}

/** The serverless `${file(...)}` entry point. */
async function resolveDashboard({ resolveVariable }) {
  const settings = await resolveVariable("self:custom.settings");
  return dashboard({ service: await resolveVariable("self:service"), stage: settings.stage });
}

module.exports = resolveDashboard;
module.exports.dashboard = dashboard;
