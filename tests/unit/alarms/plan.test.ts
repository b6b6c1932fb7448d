import { alarmName, parseAlarmName } from "../../../functions/alarms/names.js";
import { planAlarms } from "../../../functions/alarms/plan.js";
import type { ExistingAlarm } from "../../../functions/alarms/ports.js";
import { alarmsFor, type MetricAlarmSpec } from "../../../functions/alarms/spec.js";
import { DEFAULT_THRESHOLDS, readThresholds } from "../../../functions/alarms/thresholds.js";
import { deployment } from "../rollout/deployments.js";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:coworking-alarms";
const api = { cluster: "prod", namespace: "coworking", deployment: "api" };
const scope = [{ cluster: "prod", namespace: "coworking" }];

/** What DescribeAlarms would report for alarms created from these specs. */
function existingFrom(specs: ReturnType<typeof alarmsFor>): ExistingAlarm[] {
  return specs.map((s) => ({
    name: s.name,
    kind: s.kind,
    description: s.description,
    actions: s.kind === "composite" ? s.actions : [],
  }));
}

describe("alarm names", () => {
  it("carry the Deployment and parse back; other coworking- alarms do not parse", () => {
    expect(alarmName(api, "cpu")).toBe("coworking-prod/coworking/api/cpu");
    expect(parseAlarmName("coworking-prod/coworking/api/health")).toEqual({ ...api, check: "health" });
    expect(parseAlarmName("coworking-dlq-messages")).toBeUndefined();
    expect(parseAlarmName("coworking-prod/coworking/api/latency")).toBeUndefined();
    expect(parseAlarmName("other-prod/coworking/api/cpu")).toBeUndefined();
  });
});

describe("readThresholds", () => {
  it("takes defaults and rollout.coworking.dev/alarm-* overrides", () => {
    expect(readThresholds({})).toEqual(DEFAULT_THRESHOLDS);
    expect(
      readThresholds({
        "rollout.coworking.dev/alarm-cpu-percent": "75.5",
        "rollout.coworking.dev/alarm-restarts": "5",
        "rollout.coworking.dev/alarm-evaluation-minutes": "2",
      }),
    ).toEqual({ ...DEFAULT_THRESHOLDS, cpuPercent: 75.5, restarts: 5, evaluationMinutes: 2 });
  });

  it("rejects unreadable values with the key and the allowed range", () => {
    expect(() => readThresholds({ "rollout.coworking.dev/alarm-restarts": "2.5" })).toThrow(
      'rollout.coworking.dev/alarm-restarts must be a whole number from 1 to 10000, not "2.5"',
    );
    expect(() => readThresholds({ "rollout.coworking.dev/alarm-memory-percent": "" })).toThrow(
      "alarm-memory-percent",
    );
  });
});

describe("alarmsFor", () => {
  const specs = alarmsFor(api, { ...DEFAULT_THRESHOLDS, cpuPercent: 80 }, TOPIC);

  it("watches Container Insights per Deployment with ClusterName, Namespace, PodName", () => {
    const metrics = specs.filter((s): s is MetricAlarmSpec => s.kind === "metric");
    expect(metrics.map((m) => [m.check, m.metrics.map((x) => x.metricName), m.threshold])).toEqual([
      ["cpu", ["pod_cpu_utilization_over_pod_limit"], 80],
      ["memory", ["pod_memory_utilization_over_pod_limit"], 90],
      ["restarts", ["pod_number_of_container_restarts"], 3],
      ["unavailable", ["kube_deployment_spec_replicas", "kube_deployment_status_replicas_available"], 1],
    ]);
    for (const m of metrics) {
      expect(m.dimensions).toEqual([
        { name: "ClusterName", value: "prod" },
        { name: "Namespace", value: "coworking" },
        { name: "PodName", value: "api" },
      ]);
    }
    expect(metrics[3]?.expression).toBe("desired - available");
  });

  it("adds one composite per Deployment over its metric alarms, notifying the topic", () => {
    const composite = specs[4];
    expect(composite).toMatchObject({
      kind: "composite",
      name: "coworking-prod/coworking/api/health",
      actions: [TOPIC],
    });
    expect(composite?.kind === "composite" && composite.rule).toBe(
      'ALARM("coworking-prod/coworking/api/cpu") OR ALARM("coworking-prod/coworking/api/memory") OR ' +
        'ALARM("coworking-prod/coworking/api/restarts") OR ALARM("coworking-prod/coworking/api/unavailable")',
    );
  });

  it("fingerprints each spec in its description, so a changed threshold changes it", () => {
    const again = alarmsFor(api, { ...DEFAULT_THRESHOLDS, cpuPercent: 80 }, TOPIC);
    const other = alarmsFor(api, DEFAULT_THRESHOLDS, TOPIC);
    expect(again[0]?.description).toBe(specs[0]?.description);
    expect(other[0]?.description).not.toBe(specs[0]?.description);
    expect(other[1]?.description).toBe(specs[1]?.description);
  });
});

describe("planAlarms", () => {
  const opted = deployment();

  it("creates every alarm of a new Deployment, metric alarms before the composite", () => {
    const plan = planAlarms([opted], [], scope, TOPIC);
    expect(plan.put.map((s) => s.name.split("/").pop())).toEqual([
      "cpu",
      "memory",
      "restarts",
      "unavailable",
      "health",
    ]);
    expect(plan.delete).toEqual([]);
  });

  it("is idempotent: current alarms are left alone", () => {
    const existing = existingFrom(alarmsFor(api, DEFAULT_THRESHOLDS, TOPIC));
    expect(planAlarms([opted], existing, scope, TOPIC)).toEqual({
      put: [],
      delete: [],
      unchanged: 5,
      skipped: [],
    });
  });

  it("updates only the alarm whose annotation changed, and a composite whose actions drifted", () => {
    const existing = existingFrom(alarmsFor(api, DEFAULT_THRESHOLDS, TOPIC)).map((a) =>
      a.kind === "composite" ? { ...a, actions: [] } : a,
    );
    const changed = deployment({}, { "rollout.coworking.dev/alarm-memory-percent": "70" });
    const plan = planAlarms([changed], existing, scope, TOPIC);
    expect(plan.put.map((s) => s.name)).toEqual([
      "coworking-prod/coworking/api/memory",
      "coworking-prod/coworking/api/health",
    ]);
  });

  it("deletes alarms of Deployments gone or opted out, composite first, only where it looked", () => {
    const existing = [
      ...existingFrom(alarmsFor(api, DEFAULT_THRESHOLDS, TOPIC)),
      ...existingFrom(alarmsFor({ ...api, cluster: "other" }, DEFAULT_THRESHOLDS, TOPIC)),
      ...existingFrom(alarmsFor({ ...api, namespace: "unlisted" }, DEFAULT_THRESHOLDS, TOPIC)),
      { name: "coworking-dlq-messages", kind: "metric" as const, description: "stack alarm", actions: [] },
    ];
    const plan = planAlarms([], existing, scope, TOPIC);
    expect(plan.delete).toEqual([
      "coworking-prod/coworking/api/health",
      "coworking-prod/coworking/api/cpu",
      "coworking-prod/coworking/api/memory",
      "coworking-prod/coworking/api/restarts",
      "coworking-prod/coworking/api/unavailable",
    ]);
  });

  it("deletes in every namespace of a cluster it listed cluster-wide, and only that cluster", () => {
    const existing = [
      ...existingFrom(alarmsFor({ ...api, namespace: "team-a" }, DEFAULT_THRESHOLDS, TOPIC)),
      ...existingFrom(alarmsFor({ ...api, cluster: "other" }, DEFAULT_THRESHOLDS, TOPIC)),
    ];
    const plan = planAlarms([], existing, [{ cluster: api.cluster, namespace: "*" }], TOPIC);
    expect(plan.delete).toHaveLength(5);
    expect(plan.delete.every((name) => name.startsWith(`coworking-${api.cluster}/team-a/`))).toBe(true);
  });

  it("leaves a Deployment with an unreadable threshold exactly as it is, and says why", () => {
    const existing = existingFrom(alarmsFor(api, DEFAULT_THRESHOLDS, TOPIC));
    const bad = deployment({}, { "rollout.coworking.dev/alarm-cpu-percent": "high" });
    const plan = planAlarms([bad], existing, scope, TOPIC);
    expect(plan.put).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        deployment: "prod/coworking/api",
        reason: 'rollout.coworking.dev/alarm-cpu-percent must be a number from 1 to 1000, not "high"',
      },
    ]);
  });

  it("skips a Deployment whose alarm names would exceed CloudWatch's 255 characters", () => {
    const long = deployment({ name: "x".repeat(240) });
    const plan = planAlarms([long], [], scope, TOPIC);
    expect(plan.put).toEqual([]);
    // "coworking-" 10 + "prod/" 5 + "coworking/" 10 + 240 + "/unavailable" 12 = 277
    expect(plan.skipped[0]?.reason).toBe("its alarm names would be 277 characters; CloudWatch allows 255");
  });
});
