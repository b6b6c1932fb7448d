// publishAlarms against the real harness and moto: after a rollout, the opted-in Deployment has
// its Container Insights alarms (dimensions and thresholds as annotated) and its composite alarm;
// a second run changes nothing; opting out deletes them all. The bystander never gets any.
import { CloudWatchClient, DescribeAlarmsCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { handlePublishAlarms } from "../../../functions/handlers/publishAlarms/handler.js";
import { ENABLED_LABEL } from "../../../functions/rollout/ledger.js";
import { harness } from "../../harness/env.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { handled } from "../../support/handlerResult.js";
import {
  apps,
  createDeployment,
  deleteTestNamespaces,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  testNamespace,
  uniqueName,
} from "../rollout/support.js";
import { type AlarmFunctions, alarmFunctions, TOPIC } from "./support.js";

let namespace: string;
let rollout: LocalFunctions;
let functions: AlarmFunctions;
const checks = ["cpu", "memory", "restarts", "unavailable"];

beforeAll(async () => {
  namespace = await testNamespace("alarms");
  rollout = await localFunctions([namespace]);
  functions = await alarmFunctions([namespace]);
});
afterAll(async () => {
  // The namespace goes too: a harness kept between runs would fill its fake nodes with them.
  await deleteTestNamespaces();
  await rollout?.close();
  await functions?.close();
});

/** The metric alarms as moto itself holds them (not through the composite fake). */
async function motoMetricAlarms(prefix: string) {
  const moto = new CloudWatchClient({ region: "us-east-1", endpoint: harness().awsEndpoint });
  const out = await moto.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
  return out.MetricAlarms ?? [];
}

it("after a rollout, the opted-in Deployment has its alarms with the right dimensions and thresholds", async () => {
  const repositoryName = uniqueName("alarmed");
  const running = await pushImage(repositoryName, "1.0.0");
  await createDeployment(namespace, "api", {
    image: running.pinned,
    annotations: {
      "rollout.coworking.dev/alarm-cpu-percent": "75",
      "rollout.coworking.dev/alarm-restarts": "5",
    },
  });
  await createDeployment(namespace, "bystander", { image: running.pinned, optedIn: false });
  await afterNextPushSecond();
  const pushed = await pushImage(repositoryName, "1.1.0");
  const rolled = await rollout.onImagePush(pushEvent(pushed));
  expect(rolled.deployments).toEqual([expect.objectContaining({ name: "api", outcome: "succeeded" })]);

  const result = handled(await handlePublishAlarms(functions.publish));

  const prefix = `coworking-${functions.cluster}/${namespace}/`;
  expect(result.put).toEqual([...checks, "health"].map((check) => `${prefix}api/${check}`));
  expect(result.deleted).toEqual([]);
  const alarms = await motoMetricAlarms(prefix);
  const byCheck = Object.fromEntries(alarms.map((a) => [a.AlarmName?.split("/").pop(), a]));
  expect(Object.keys(byCheck).sort()).toEqual([...checks].sort());
  const dimensions = [
    { Name: "ClusterName", Value: functions.cluster },
    { Name: "Namespace", Value: namespace },
    { Name: "PodName", Value: "api" },
  ];
  expect(byCheck.cpu).toMatchObject({
    Namespace: "ContainerInsights",
    MetricName: "pod_cpu_utilization_over_pod_limit",
    Statistic: "Average",
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: 75,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    TreatMissingData: "notBreaching",
    Dimensions: dimensions,
  });
  expect(byCheck.memory).toMatchObject({
    MetricName: "pod_memory_utilization_over_pod_limit",
    Threshold: 90,
  });
  expect(byCheck.restarts).toMatchObject({
    MetricName: "pod_number_of_container_restarts",
    Statistic: "Maximum",
    Period: 300,
    Threshold: 5,
    Dimensions: dimensions,
  });
  const unavailable = byCheck.unavailable;
  expect(unavailable?.Threshold).toBe(1);
  expect(
    unavailable?.Metrics?.map((m: MetricDataQuery) => m.Expression ?? m.MetricStat?.Metric?.MetricName),
  ).toEqual([
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas_available",
    "desired - available",
  ]);
  expect(unavailable?.Metrics?.[0]?.MetricStat?.Metric?.Dimensions).toEqual(dimensions);
  const composite = functions.cloudWatch.composites.get(`${prefix}api/health`);
  expect(composite).toMatchObject({
    AlarmActions: [TOPIC],
    OKActions: [TOPIC],
    Tags: [{ Key: "project", Value: "coworking" }],
    AlarmRule: checks.map((check) => `ALARM("${prefix}api/${check}")`).join(" OR "),
  });

  const again = await handlePublishAlarms(functions.publish);
  expect(again).toEqual({ outcome: "handled", put: [], deleted: [], unchanged: 5, skipped: [] });
});

it("deletes every alarm of a Deployment that opts out", async () => {
  await apps().patchNamespacedDeployment(
    { namespace, name: "api", body: { metadata: { labels: { [ENABLED_LABEL]: "false" } } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );

  const result = handled(await handlePublishAlarms(functions.publish));

  const prefix = `coworking-${functions.cluster}/${namespace}/`;
  expect(result.deleted).toEqual(["health", ...checks].map((check) => `${prefix}api/${check}`));
  expect(await motoMetricAlarms(prefix)).toEqual([]);
  expect([...functions.cloudWatch.composites.keys()].filter((name) => name.startsWith(prefix))).toEqual([]);
});
