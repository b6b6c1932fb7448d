// publishAlarms (daily, and after successful rollouts): every opted-in Deployment gets its
// CloudWatch alarms; alarms of Deployments gone or opted out are deleted. Any event is accepted:
// its content carries no instruction, the cluster is the input. Idempotent.
import { ALARM_PREFIX } from "../../alarms/names.js";
import { planAlarms } from "../../alarms/plan.js";
import { rethrowFirst } from "../../rollout/fleet.js";
import { composePublishAlarms, type PublishAlarmsRoot } from "./wiring.js";

export interface PublishAlarmsResult {
  put: string[];
  deleted: string[];
  unchanged: number;
  skipped: { deployment: string; reason: string }[];
}

let root: PublishAlarmsRoot | undefined;

export async function handler(_event: unknown): Promise<PublishAlarmsResult> {
  root ??= composePublishAlarms();
  return handlePublishAlarms(root);
}

export async function handlePublishAlarms(root: PublishAlarmsRoot): Promise<PublishAlarmsResult> {
  // parse: the opted-in Deployments as the clusters list them, and the alarms CloudWatch has
  const [scan, existing, apis] = await Promise.all([
    root.fleet.scan(),
    root.alarms.list(ALARM_PREFIX),
    root.deploymentApis(),
  ]);
  const unreadable = new Set(scan.errors.map((e) => `${e.cluster}/${e.namespace}`));
  const listed = apis
    .flatMap((api) =>
      root.config.rollout.namespaces.map((namespace) => ({ cluster: api.cluster, namespace })),
    )
    .filter((pair) => !unreadable.has(`${pair.cluster}/${pair.namespace}`));

  // plan
  const plan = planAlarms(
    scan.members.map((m) => m.deployment),
    existing,
    listed,
    root.topicArn,
  );

  // act: metric alarms before the composites that reference them; composites deleted first
  for (const spec of plan.put) await root.alarms.put(spec);
  await root.alarms.delete(plan.delete);

  // report
  const result: PublishAlarmsResult = {
    put: plan.put.map((spec) => spec.name),
    deleted: plan.delete,
    unchanged: plan.unchanged,
    skipped: plan.skipped,
  };
  for (const skip of plan.skipped) root.logger.warn("alarms left unchanged", skip);
  root.logger.info("alarms published", { ...result, put: result.put.length, deleted: result.deleted.length });
  rethrowFirst(scan.failures);
  return result;
}
