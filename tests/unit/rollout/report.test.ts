// The report stage: every outcome's metrics (name, unit, value, dimensions), notifications and
// result line, decided purely; only writers report endings; the reporter sends everything and
// then rethrows the first failure.
import type { RolloutRecord } from "../../../functions/rollout/ledger.js";
import type {
  DeploymentOutcome,
  FollowedRollout,
  Held,
  RolledBack,
  RolloutEnding,
} from "../../../functions/rollout/outcome.js";
import { describeOutcome, RolloutReporter } from "../../../functions/rollout/report.js";
import { PermissionDeniedError, TransientError } from "../../../functions/types/errors.js";
import type { Notification } from "../../../functions/types/notification.js";

const ref = { cluster: "prod", namespace: "coworking", name: "api" };
const perDeployment = { Deployment: "prod/coworking/api" };
const options = { costReferenceInstanceType: "t3a.medium" };
const cost = {
  replicas: 2,
  before: { cpuCores: 0.25, memoryGiB: 0.25 },
  after: { cpuCores: 0.25, memoryGiB: 0.25 },
};
const record: RolloutRecord = {
  phase: "progressing",
  repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
  tag: "1.1.0",
  digest: `sha256:${"b".repeat(64)}`,
  pushedAt: "2026-11-02T10:00:00.000Z",
  startedAt: "2026-11-02T10:00:01.000Z",
  from: { api: "x" },
  to: { api: "y" },
  trigger: "push",
  release: {
    pipeline: "coworking-analytics",
    executionId: "exec-9",
    commit: "0123456789abcdef0123456789abcdef01234567",
    commitCreatedAt: "2026-11-02T09:00:00.000Z",
    executionUrl:
      "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking-analytics/executions/exec-9",
  },
};

function rollout(ending: RolloutEnding, patched = true): FollowedRollout {
  return {
    ...ref,
    kind: "rollout",
    ...(patched ? { patched: { eventToPatchMs: 42, resourceVersion: "101" } } : {}),
    record,
    from: "api:1.0.0@aaaaaaaaaaaa",
    to: "api:1.1.0@bbbbbbbbbbbb",
    ending,
  };
}

const rolledBack = (restored: boolean): RolledBack => ({
  ...ref,
  kind: "rolled_back",
  writer: true,
  reason: "deadline exceeded",
  record,
  from: "api:1.1.0@bbbbbbbbbbbb",
  to: "api:1.0.0@aaaaaaaaaaaa",
  durationMs: 4_500,
  restored,
  cost,
});

describe("describeOutcome", () => {
  // The release's DORA figures moved to its settle step (after the bake window): see "settled".
  it("a completion this invocation wrote: started, succeeded, one message; DORA waits for the settle", () => {
    const endedAt = Date.parse("2026-11-02T10:30:00.000Z");
    const report = describeOutcome(
      rollout({ state: "succeeded", durationMs: 12_300, writer: true, endedAt, cost }),
      options,
    );
    expect(report.metrics).toEqual([
      { name: "RolloutStarted", unit: "Count", value: 1 },
      { name: "EventToPatchLatency", unit: "Milliseconds", value: 42 },
      { name: "RolloutSucceeded", unit: "Count", value: 1 },
      { name: "RolloutDuration", unit: "Milliseconds", value: 12_300 },
    ]);
    // The start is a thread's step only; what every sink gets is the one ending message.
    expect(report.notifications.map((n) => [n.event, n.threadOnly === true])).toEqual([
      ["rollout.started", true],
      ["rollout.succeeded", false],
    ]);
    expect(report.notifications[1]).toMatchObject({ event: "rollout.succeeded", deployment: ref });
    expect(report.notifications[1]?.facts.at(-1)?.label).toBe("Cost");
    expect(report.line).toEqual({
      ...ref,
      action: "patched",
      reason: "rollout complete",
      from: "api:1.0.0@aaaaaaaaaaaa",
      to: "api:1.1.0@bbbbbbbbbbbb",
      outcome: "succeeded",
      durationMs: 12_300,
      eventToPatchMs: 42,
    });
  });

  it("a completion another invocation wrote: the same line, nothing sent", () => {
    const report = describeOutcome(
      rollout({ state: "succeeded", durationMs: 1_000, writer: false, endedAt: 0, cost }, false),
      options,
    );
    expect(report.metrics).toEqual([]);
    expect(report.notifications).toEqual([]);
    expect(report.line).toMatchObject({
      action: "finished",
      outcome: "succeeded",
      reason: "rollout complete (reported by another invocation)",
    });
    expect(report.line).not.toHaveProperty("eventToPatchMs");
  });

  it("a failure with auto-rollback off: failed, duration, a change failure, one message; the loser says the same silently", () => {
    const ending = { state: "failed", durationMs: 9_000, reason: "deadline exceeded", cost } as const;
    const written = describeOutcome(rollout({ ...ending, writer: true }, false), options);
    expect(written.metrics).toEqual([
      { name: "RolloutFailed", unit: "Count", value: 1 },
      { name: "RolloutDuration", unit: "Milliseconds", value: 9_000 },
      { name: "ChangeFailureRate", unit: "Percent", value: 100, dimensions: perDeployment },
    ]);
    expect(written.notifications.map((n) => n.event)).toEqual(["rollout.failed"]);
    const lost = describeOutcome(rollout({ ...ending, writer: false }, false), options);
    expect(lost.line).toEqual(written.line);
    expect(lost.metrics).toEqual([]);
    expect(lost.notifications).toEqual([]);
  });

  it("a failure rolled back by this invocation: the rollback's metrics and message, then the rollout's failure", () => {
    const report = describeOutcome(
      rollout({
        state: "rolled_back",
        durationMs: 9_000,
        reason: "deadline exceeded",
        rollback: rolledBack(true),
      }),
      options,
    );
    expect(report.metrics).toEqual([
      { name: "RolloutStarted", unit: "Count", value: 1 },
      { name: "EventToPatchLatency", unit: "Milliseconds", value: 42 },
      { name: "RolloutRolledBack", unit: "Count", value: 1 },
      { name: "ChangeFailureRate", unit: "Percent", value: 100, dimensions: perDeployment },
      { name: "TimeToRestore", unit: "Seconds", value: 4.5, dimensions: perDeployment },
      { name: "RolloutFailed", unit: "Count", value: 1 },
      { name: "RolloutDuration", unit: "Milliseconds", value: 9_000 },
    ]);
    expect(report.notifications.map((n) => n.event)).toEqual(["rollout.started", "rollout.rolled_back"]);
    expect(report.line).toMatchObject({ action: "patched", outcome: "rolled_back", durationMs: 4_500 });
  });

  it("a failure someone else already rolled back: the rollout's line, nothing sent", () => {
    const skipped = {
      ...ref,
      kind: "skipped",
      step: "rollback",
      reason: "no rollout of the product to roll back",
    } as const;
    const report = describeOutcome(
      rollout(
        { state: "rolled_back", durationMs: 9_000, reason: "deadline exceeded", rollback: skipped },
        false,
      ),
      options,
    );
    expect(report.metrics).toEqual([]);
    expect(report.notifications).toEqual([]);
    expect(report.line).toMatchObject({
      action: "finished",
      outcome: "rolled_back",
      reason: "deadline exceeded",
      durationMs: 9_000,
    });
    expect(report.logs).toEqual([expect.objectContaining({ level: "warn", message: "rollback skipped" })]);
  });

  it("an alarm's rollback: TimeToRestore only when the old image is healthy again", () => {
    const restored = describeOutcome(rolledBack(true), options);
    expect(restored.line).toEqual({
      ...ref,
      action: "rolled_back",
      reason: "deadline exceeded",
      from: "api:1.1.0@bbbbbbbbbbbb",
      to: "api:1.0.0@aaaaaaaaaaaa",
      outcome: "rolled_back",
      durationMs: 4_500,
    });
    expect(restored.metrics.map((metric) => metric.name)).toEqual([
      "RolloutRolledBack",
      "ChangeFailureRate",
      "TimeToRestore",
    ]);
    const notYet = describeOutcome(rolledBack(false), options);
    expect(notYet.metrics.map((metric) => metric.name)).toEqual(["RolloutRolledBack", "ChangeFailureRate"]);
    expect(notYet.notifications[0]?.facts).toContainEqual({
      label: "Outcome",
      value: "rollback applied, not yet healthy",
    });
  });

  it("in progress and superseded endings send nothing of their own", () => {
    for (const state of ["in_progress", "superseded"] as const) {
      const report = describeOutcome(rollout({ state, durationMs: 1 }, false), options);
      expect(report.metrics).toEqual([]);
      expect(report.notifications).toEqual([]);
      expect(report.line.outcome).toBe(state);
    }
  });

  it("a skip is only its line", () => {
    const report = describeOutcome(
      { ...ref, kind: "skipped", step: "rollout", reason: "already running x" },
      options,
    );
    expect(report).toMatchObject({
      line: { ...ref, action: "skipped", reason: "already running x" },
      metrics: [],
      notifications: [],
    });
  });

  it("a deferral is its line, a RolloutDeferred count by reason, and, when throttled, a warning", () => {
    for (const deferred of ["time", "throttled"] as const) {
      const report = describeOutcome(
        { ...ref, kind: "skipped", step: "catch-up", reason: `deferred (${deferred})`, deferred },
        options,
      );
      expect(report).toMatchObject({
        line: { ...ref, action: "skipped", reason: `deferred (${deferred})`, deferred },
        metrics: [{ name: "RolloutDeferred", unit: "Count", value: 1, dimensions: { Reason: deferred } }],
        notifications: [],
      });
      expect(report.logs.map((log) => log.level)).toEqual(deferred === "throttled" ? ["warn"] : []);
    }
  });

  it("a missing permission is notified once per failure, naming the cluster and the permission", () => {
    const error = new PermissionDeniedError("list deployments.apps in payments (cluster prod, HTTP 403)");
    const report = describeOutcome(
      {
        ...ref,
        name: "",
        kind: "error",
        reason: error.message,
        error,
        permissionDenied: { permission: error.permission },
      },
      options,
    );
    expect(report.line).toEqual({ ...ref, name: "", action: "error", reason: error.message });
    expect(report.notifications).toEqual([
      expect.objectContaining({
        event: "rollout.permission_denied",
        title: `Rollouts blocked in cluster prod: ${error.permission}`,
      }),
    ]);
  });

  it("a failure after the PATCH landed still counts the start", () => {
    const error = new TransientError("watch failed");
    const report = describeOutcome(
      {
        ...ref,
        kind: "error",
        reason: error.message,
        error,
        landed: { patched: { eventToPatchMs: 7, resourceVersion: "1" }, rolledBack: true },
      },
      options,
    );
    expect(report.metrics).toEqual([
      { name: "RolloutStarted", unit: "Count", value: 1 },
      { name: "EventToPatchLatency", unit: "Milliseconds", value: 7 },
      { name: "RolloutRolledBack", unit: "Count", value: 1 },
      { name: "ChangeFailureRate", unit: "Percent", value: 100, dimensions: perDeployment },
      // added: every per-item failure is counted with its cause
      { name: "WorkFailed", unit: "Count", value: 1, dimensions: { Cause: "Transient" } },
    ]);
    expect(report.notifications).toEqual([]);
  });
});

describe("RolloutReporter", () => {
  function recording() {
    const metrics: unknown[][] = [];
    const sent: Notification[] = [];
    const logged: string[] = [];
    const log = (message: string) => void logged.push(message);
    const reporter = new RolloutReporter({
      ...options,
      metrics: { add: (...args: unknown[]) => void metrics.push(args) },
      notifier: {
        notify: async (notification) => {
          sent.push(notification);
          return { delivered: ["console"], failed: [] };
        },
      },
      logger: { info: log, warn: log, error: log },
    });
    return { reporter, metrics, sent, logged };
  }

  it("reports a refusal once per distinct bad value: a repeat is logged and listed, not notified or counted", async () => {
    const seen = new Set<string>();
    const refusals = {
      firstSeen: async (deployment: string, annotation: string, value: string) => {
        const key = `${deployment} ${annotation}=${value}`;
        const first = !seen.has(key);
        seen.add(key);
        return first;
      },
    };
    const sent: string[] = [];
    const metrics: unknown[][] = [];
    const logged: string[] = [];
    const reporter = new RolloutReporter({
      ...options,
      refusals,
      metrics: { add: (...args: unknown[]) => void metrics.push(args) },
      notifier: {
        notify: async (notification) => {
          sent.push(notification.event);
          return { delivered: ["console"], failed: [] };
        },
      },
      logger: {
        info: () => undefined,
        warn: (message: string) => void logged.push(message),
        error: () => undefined,
      },
    });
    const refusedWith = (value: string): DeploymentOutcome => ({
      ...ref,
      kind: "refused",
      step: "catch-up",
      reason: "not reconciled",
      refusal: {
        annotation: "rollout.coworking.dev/bake-seconds",
        value,
        source: "setting",
        problem: "must be a number",
      },
    });

    const lines = [
      ...(await reporter.report({ outcomes: [refusedWith("five")], failures: [] })),
      ...(await reporter.report({ outcomes: [refusedWith("five")], failures: [] })),
      ...(await reporter.report({ outcomes: [refusedWith("six")], failures: [] })),
    ];

    expect(sent).toEqual(["rollout.refused", "rollout.refused"]);
    expect(metrics.filter(([name]) => name === "RolloutRefused")).toHaveLength(2);
    expect(lines.map((line) => line.action)).toEqual(["refused", "refused", "refused"]);
    expect(logged).toEqual(["deployment refused", "deployment refused", "deployment refused"]);
  });

  it("sends every outcome's metrics and notifications, then rethrows the first failure", async () => {
    const { reporter, metrics, sent, logged } = recording();
    const unreachable = new TransientError("cluster unreachable");
    const outcomes: DeploymentOutcome[] = [
      { ...ref, kind: "error", reason: unreachable.message, error: unreachable },
      rolledBack(true),
    ];

    await expect(reporter.report({ outcomes, failures: [unreachable] })).rejects.toBe(unreachable);

    expect(sent.map((notification) => notification.event)).toEqual(["rollout.rolled_back"]);
    expect(metrics).toContainEqual(["RolloutRolledBack", "Count", 1]);
    expect(metrics).toContainEqual(["ChangeFailureRate", "Percent", 100, perDeployment]);
    expect(logged).toEqual(expect.arrayContaining(["deployment work failed", "deployment rolled back"]));
  });

  it("returns the result lines in the outcomes' order when nothing failed", async () => {
    const { reporter } = recording();
    const lines = await reporter.report({
      outcomes: [
        { ...ref, kind: "skipped", step: "catch-up", reason: "no image in ECR matches its policy" },
        rolledBack(false),
      ],
      failures: [],
    });
    expect(lines.map((line) => line.action)).toEqual(["skipped", "rolled_back"]);
  });
});

describe("describeOutcome: a refusal", () => {
  it("reports one metric and one notification naming the annotation, and a result line", () => {
    const report = describeOutcome(
      {
        cluster: "prod",
        namespace: "coworking",
        name: "api",
        kind: "refused",
        step: "catch-up",
        reason: "not reconciled",
        refusal: {
          annotation: "rollout.coworking.dev/bake-seconds",
          value: "1e300",
          source: "setting",
          problem: "must be a whole number of seconds from 0 to 86400, in plain decimal digits",
        },
      },
      { costReferenceInstanceType: "t3a.medium" },
    );
    expect(report.line).toEqual({
      cluster: "prod",
      namespace: "coworking",
      name: "api",
      action: "refused",
      reason:
        'not reconciled: rollout.coworking.dev/bake-seconds "1e300": must be a whole number of seconds from 0 to 86400, in plain decimal digits',
    });
    expect(report.metrics).toEqual([
      {
        name: "RolloutRefused",
        unit: "Count",
        value: 1,
        dimensions: { Deployment: "prod/coworking/api", Annotation: "rollout.coworking.dev/bake-seconds" },
      },
    ]);
    expect(report.notifications).toHaveLength(1);
    expect(report.notifications[0]).toMatchObject({
      event: "rollout.refused",
      severity: "warning",
      title: "api in prod/coworking: not reconciled: rollout.coworking.dev/bake-seconds is invalid",
    });
    expect(report.notifications[0]?.facts).toContainEqual({
      label: "Annotation",
      value: "rollout.coworking.dev/bake-seconds",
    });
  });
});

describe("held rollouts", () => {
  const pending = {
    gate: "freeze" as const,
    repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
    tag: "1.1.0",
    digest: `sha256:${"b".repeat(64)}`,
    pushedAt: "2026-11-02T10:00:00.000Z",
    since: "2026-11-02T10:00:05.000Z",
    until: "2026-11-02T17:00:00.000Z",
    trigger: "push" as const,
    supersedes: `sha256:${"a".repeat(64)}`,
    approvals: [],
  };
  const held = (over: Partial<Held> = {}): Held => ({
    cluster: "prod",
    namespace: "coworking",
    name: "api",
    kind: "held",
    gate: "freeze",
    reason: "held by a change freeze until 2026-11-02T17:00:00.000Z",
    from: "api:1.0.0@aaaaaaaaaaaa",
    to: "api:1.1.0@bbbbbbbbbbbb",
    pending,
    recorded: true,
    trigger: "push",
    ...over,
  });

  it("a freeze hold is notified and counted once, when it is recorded, saying when it rolls out and what it replaced", () => {
    const report = describeOutcome(held(), options);
    expect(report.line).toMatchObject({ action: "held", to: "api:1.1.0@bbbbbbbbbbbb" });
    expect(report.metrics).toEqual([
      {
        name: "RolloutHeld",
        unit: "Count",
        value: 1,
        dimensions: { Deployment: "prod/coworking/api", Gate: "freeze" },
      },
    ]);
    const [message] = report.notifications;
    expect(message?.event).toBe("rollout.held");
    expect(message?.title).toBe(
      "api in prod/coworking: api:1.1.0@bbbbbbbbbbbb held by a change freeze until 2026-11-02T17:00:00.000Z",
    );
    expect(message?.facts).toEqual(
      expect.arrayContaining([
        { label: "Rolls out", value: expect.stringContaining("at 2026-11-02T17:00:00.000Z") },
        { label: "Supersedes", value: "the held release aaaaaaaaaaaa" },
      ]),
    );

    const again = describeOutcome(held({ recorded: false }), options);
    expect(again.notifications).toEqual([]);
    expect(again.metrics).toEqual([]);
  });

  it("a dry run is notified for a push, not for every reconcile run", () => {
    const dry = held({
      gate: "dry-run",
      recorded: false,
      reason: "dry run: would roll out; nothing written",
    });
    const { pending: _none, ...withoutPending } = dry;
    expect(describeOutcome(withoutPending, options).notifications.map((n) => n.event)).toEqual([
      "rollout.dry_run",
    ]);
    expect(describeOutcome({ ...withoutPending, trigger: "reconcile" }, options).notifications).toEqual([]);
  });
});
