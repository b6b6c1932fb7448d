// Alarm names are the link back from a CloudWatch event to its Deployment, so they carry the
// Deployment's identity: coworking-<cluster>/<namespace>/<deployment>/<check>. "/" cannot occur
// in EKS cluster names nor in Kubernetes names, so the name parses back without ambiguity, and
// any other coworking- alarm (the stack's own, e.g. a DLQ alarm) never parses and is left alone.

export const ALARM_PREFIX = "coworking-";

export const CHECKS = ["cpu", "memory", "restarts", "unavailable", "health"] as const;
export type Check = (typeof CHECKS)[number];
/** The composite alarm of a Deployment: ALARM when any of its metric alarms is. */
export const COMPOSITE_CHECK: Check = "health";

export interface AlarmTarget {
  cluster: string;
  namespace: string;
  deployment: string;
}

export interface ParsedAlarmName extends AlarmTarget {
  check: Check;
}

/** CloudWatch's limit on alarm names. */
export const MAX_ALARM_NAME = 255;

/** Why this Deployment cannot have alarms, or undefined when its names fit. */
export function nameProblem(target: AlarmTarget): string | undefined {
  const longest = Math.max(...CHECKS.map((check) => alarmName(target, check).length));
  return longest > MAX_ALARM_NAME
    ? `its alarm names would be ${longest} characters; CloudWatch allows ${MAX_ALARM_NAME}`
    : undefined;
}

export function alarmName(target: AlarmTarget, check: Check): string {
  return `${ALARM_PREFIX}${target.cluster}/${target.namespace}/${target.deployment}/${check}`;
}

export function parseAlarmName(name: string): ParsedAlarmName | undefined {
  if (!name.startsWith(ALARM_PREFIX)) return undefined;
  const parts = name.slice(ALARM_PREFIX.length).split("/");
  const [cluster, namespace, deployment, check] = parts;
  if (parts.length !== 4 || !cluster || !namespace || !deployment) return undefined;
  const known = CHECKS.find((c) => c === check);
  return known ? { cluster, namespace, deployment, check: known } : undefined;
}
