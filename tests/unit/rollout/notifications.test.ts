import type { RolloutRecord } from "../../../functions/rollout/ledger.js";
import {
  permissionDenied,
  rolledBack,
  rolloutFailed,
  rolloutSucceeded,
} from "../../../functions/rollout/notifications.js";

const record: RolloutRecord = {
  phase: "progressing",
  repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
  tag: "0123456789abcdef0123456789abcdef01234567",
  digest: `sha256:${"b".repeat(64)}`,
  pushedAt: "2026-11-02T10:00:00.000Z",
  startedAt: "2026-11-02T10:00:01.000Z",
  from: { api: "x" },
  to: { api: "y" },
  trigger: "push",
  eventId: "evt-1",
  release: {
    pipeline: "coworking-analytics",
    executionId: "exec-9",
    commit: "0123456789abcdef0123456789abcdef01234567",
    commitSummary: "Add visits cache",
    executionUrl:
      "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking-analytics/executions/exec-9",
  },
};
const deployment = { cluster: "prod", namespace: "coworking", name: "api" };

describe("rollout notifications", () => {
  it("a success says what changed, why (push, pipeline, commit), how it ended and how long it took", () => {
    const notification = rolloutSucceeded({
      deployment,
      record,
      from: "api:1@aaaa",
      to: "api:2@bbbb",
      durationMs: 12_300,
    });
    expect(notification).toMatchObject({ event: "rollout.succeeded", severity: "success", deployment });
    expect(notification.facts).toEqual([
      { label: "Deployment", value: "coworking/api" },
      { label: "Cluster", value: "prod" },
      { label: "Change", value: "api:1@aaaa → api:2@bbbb" },
      { label: "Digest", value: "bbbbbbbbbbbb" },
      { label: "Why", value: `ECR push of ${record.tag} at 2026-11-02T10:00:00.000Z (event evt-1)` },
      { label: "Pipeline", value: "coworking-analytics execution exec-9" },
      { label: "Commit", value: "0123456789ab Add visits cache" },
      { label: "Outcome", value: "every replica updated and available" },
      { label: "Duration", value: "12s" },
    ]);
    expect(notification.links).toEqual([{ label: "Pipeline execution", url: record.release?.executionUrl }]);
  });

  it("carries the release's cost delta as its last fact when it is known", () => {
    const cost = "+$0.00/month (requests unchanged; estimate at list price t3a.medium, 2025-06-01)";
    const ending = { deployment, record, from: "api:1@aaaa", to: "api:2@bbbb", durationMs: 1_000 };
    expect(rolloutSucceeded({ ...ending, cost }).facts.at(-1)).toEqual({ label: "Cost", value: cost });
    expect(rolloutFailed({ ...ending, cost }, "deadline").facts.at(-1)).toEqual({
      label: "Cost",
      value: cost,
    });
    expect(rolloutSucceeded(ending).facts.map((fact) => fact.label)).not.toContain("Cost");
  });

  it("a rollback says why, what is quarantined, and whether the old image is healthy again", () => {
    const notification = rolledBack({
      deployment,
      record,
      from: "api:2@bbbb",
      to: "api:1@aaaa",
      durationMs: 4_000,
      reason: 'ReplicaSet "api-2" has timed out progressing.',
      restored: true,
    });
    expect(notification).toMatchObject({ event: "rollout.rolled_back", severity: "critical" });
    expect(notification.detail).toBe('ReplicaSet "api-2" has timed out progressing.');
    expect(notification.facts).toEqual(
      expect.arrayContaining([
        { label: "Rolled back because", value: 'ReplicaSet "api-2" has timed out progressing.' },
        { label: "Outcome", value: "last known-good image restored and healthy" },
      ]),
    );
  });

  it("a missing permission names it and the fix", () => {
    const notification = permissionDenied(
      "prod",
      "list deployments.apps in payments (cluster prod, HTTP 403)",
    );
    expect(notification.event).toBe("rollout.permission_denied");
    expect(notification.facts[1]).toEqual({
      label: "Missing permission",
      value: "list deployments.apps in payments (cluster prod, HTTP 403)",
    });
  });
});
