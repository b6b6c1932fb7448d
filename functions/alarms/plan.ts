// publishAlarms' plan: the alarms every opted-in Deployment should have, compared with the
// coworking- alarms CloudWatch has, gives what to put and what to delete.
import type { DeploymentState } from "../rollout/model.js";
import { ALL_NAMESPACES } from "../types/namespaceScope.js";
import { type AlarmTarget, nameProblem, parseAlarmName } from "./names.js";
import type { ExistingAlarm } from "./ports.js";
import { type AlarmSpec, alarmsFor } from "./spec.js";
import { readThresholds } from "./thresholds.js";

/**
 * The (cluster, namespace) pairs whose Deployments were listed this run: only their alarms may be
 * deleted. Namespace "*": the cluster-wide list, which covers every namespace of that cluster.
 */
export type AlarmScope = { cluster: string; namespace: string }[];

export interface AlarmPlan {
  /** Metric alarms first, then composites (a composite can only reference existing alarms). */
  put: AlarmSpec[];
  /** Composites first, then metric alarms (a referenced alarm cannot be deleted). */
  delete: string[];
  unchanged: number;
  /** Deployments whose alarms were left as they are, with the reason. */
  skipped: { deployment: string; reason: string }[];
}

const targetOf = (d: DeploymentState): AlarmTarget => ({
  cluster: d.cluster,
  namespace: d.namespace,
  deployment: d.name,
});
const keyOf = (t: AlarmTarget) => `${t.cluster}/${t.namespace}/${t.deployment}`;

function isCurrent(existing: ExistingAlarm | undefined, desired: AlarmSpec): boolean {
  if (!existing || existing.kind !== desired.kind || existing.description !== desired.description)
    return false;
  const wanted = desired.kind === "composite" ? desired.actions : [];
  return existing.actions.length === wanted.length && wanted.every((a) => existing.actions.includes(a));
}

export function planAlarms(
  deployments: DeploymentState[],
  existing: ExistingAlarm[],
  scope: AlarmScope,
  topicArn: string,
): AlarmPlan {
  const byName = new Map(existing.map((alarm) => [alarm.name, alarm]));
  const desired: AlarmSpec[] = [];
  const keep = new Set<string>();
  const skipped: AlarmPlan["skipped"] = [];
  for (const deployment of deployments) {
    const target = targetOf(deployment);
    try {
      const problem = nameProblem(target);
      if (problem) throw new Error(problem);
      desired.push(...alarmsFor(target, readThresholds(deployment.annotations), topicArn));
    } catch (error) {
      skipped.push({ deployment: keyOf(target), reason: (error as Error).message });
      keep.add(keyOf(target));
    }
  }
  const desiredNames = new Set(desired.map((spec) => spec.name));
  const put = desired
    .filter((spec) => !isCurrent(byName.get(spec.name), spec))
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "metric" ? -1 : 1));
  const listed = new Set(scope.map((pair) => `${pair.cluster}/${pair.namespace}`));
  const gone = existing
    .filter((alarm) => {
      const parsed = parseAlarmName(alarm.name);
      return (
        parsed !== undefined &&
        !desiredNames.has(alarm.name) &&
        !keep.has(keyOf(parsed)) &&
        (listed.has(`${parsed.cluster}/${parsed.namespace}`) ||
          listed.has(`${parsed.cluster}/${ALL_NAMESPACES}`))
      );
    })
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "composite" ? -1 : 1));
  return {
    put,
    delete: gone.map((alarm) => alarm.name),
    unchanged: desired.length - put.length,
    skipped,
  };
}
