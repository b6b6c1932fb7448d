// Per-Deployment alarm thresholds, overridable by annotations on the Deployment:
//
// | annotation                                        | meaning                                              | default |
// |---------------------------------------------------|------------------------------------------------------|---------|
// | rollout.coworking.dev/alarm-cpu-percent           | pod CPU use, % of its limit, averaged over a minute   | 90      |
// | rollout.coworking.dev/alarm-memory-percent        | pod memory use, % of its limit, averaged over a minute| 90      |
// | rollout.coworking.dev/alarm-restarts              | container restarts within 5 minutes                   | 3       |
// | rollout.coworking.dev/alarm-unavailable-pods      | desired replicas minus available replicas             | 1       |
// | rollout.coworking.dev/alarm-evaluation-minutes    | consecutive breaching minutes before CPU, memory and unavailable alarms fire | 3 |
//
// An unreadable value is an error for that Deployment: its alarms are left exactly as they are.

export const ALARM_ANNOTATION_PREFIX = "rollout.coworking.dev/alarm-";

export interface Thresholds {
  cpuPercent: number;
  memoryPercent: number;
  restarts: number;
  unavailablePods: number;
  evaluationMinutes: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  cpuPercent: 90,
  memoryPercent: 90,
  restarts: 3,
  unavailablePods: 1,
  evaluationMinutes: 3,
};

const KEYS: { [K in keyof Thresholds]: { annotation: string; min: number; max: number; integer: boolean } } =
  {
    cpuPercent: { annotation: "alarm-cpu-percent", min: 1, max: 1000, integer: false },
    memoryPercent: { annotation: "alarm-memory-percent", min: 1, max: 1000, integer: false },
    restarts: { annotation: "alarm-restarts", min: 1, max: 10_000, integer: true },
    unavailablePods: { annotation: "alarm-unavailable-pods", min: 1, max: 10_000, integer: true },
    evaluationMinutes: { annotation: "alarm-evaluation-minutes", min: 1, max: 60, integer: true },
  };

export class InvalidThresholdError extends Error {}

export function readThresholds(annotations: Record<string, string>): Thresholds {
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [field, rule] of Object.entries(KEYS) as [keyof Thresholds, (typeof KEYS)[keyof Thresholds]][]) {
    const key = `rollout.coworking.dev/${rule.annotation}`;
    const text = annotations[key];
    if (text === undefined) continue;
    const value = Number(text.trim());
    const valid =
      text.trim() !== "" &&
      Number.isFinite(value) &&
      value >= rule.min &&
      value <= rule.max &&
      (!rule.integer || Number.isInteger(value));
    if (!valid) {
      throw new InvalidThresholdError(
        `${key} must be ${rule.integer ? "a whole number" : "a number"} from ${rule.min} to ${rule.max}, not "${text}"`,
      );
    }
    thresholds[field] = value;
  }
  return thresholds;
}
