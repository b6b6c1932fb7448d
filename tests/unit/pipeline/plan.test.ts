import { executionDurationMs, planPipelineOutcome, triage } from "../../../functions/pipeline/plan.js";
import {
  type CodePipelineChange,
  type PipelineExecutionChange,
  parseCodePipelineEvent,
} from "../../../functions/trigger/codePipelineEvent.js";
import {
  codePipelineEvent,
  type EventFixture,
  EXECUTION_ID,
  PIPELINE,
} from "../../fixtures/codepipeline/events.js";
import { BUILD_ERROR, BUILD_URL, COMMIT, execution } from "../../fixtures/codepipeline/executions.js";
import { actionRunsOf, snapshotOf } from "./snapshots.js";

const options = { notifyStarted: false };

function change(fixture: EventFixture, attempt?: number): CodePipelineChange {
  const parsed = parseCodePipelineEvent(codePipelineEvent(fixture, attempt ? { attempt } : {}), [PIPELINE]);
  if (parsed.kind === "ignored") throw new Error(`fixture ${fixture} was ignored: ${parsed.reason}`);
  return parsed;
}

function pipelineChange(fixture: EventFixture, attempt?: number): PipelineExecutionChange {
  const parsed = change(fixture, attempt);
  if (parsed.kind !== "pipeline") throw new Error(`fixture ${fixture} is not pipeline-level`);
  return parsed;
}

describe("triage", () => {
  it("lets stage and action events tell nothing: the pipeline-level outcome reports them once", () => {
    expect(triage(change("stage-build-failed"), options)).toEqual({
      kind: "ignore",
      reason: "stage FAILED events are reported once, by the pipeline-level outcome",
    });
    expect(triage(change("action-build-failed"), options)).toMatchObject({ kind: "ignore" });
    expect(triage(change("action-build-succeeded"), options)).toMatchObject({ kind: "ignore" });
  });

  it("ignores STARTED unless started notifications are on", () => {
    expect(triage(change("pipeline-started"), options)).toEqual({
      kind: "ignore",
      reason: "started notifications are off",
    });
    expect(triage(change("pipeline-started"), { notifyStarted: true })).toMatchObject({ kind: "inspect" });
  });

  it("ignores SUPERSEDED: the newer execution reports the outcome", () => {
    expect(triage(change("pipeline-superseded"), options)).toEqual({
      kind: "ignore",
      reason: "superseded by a newer execution, which reports the outcome",
    });
  });

  it.each(["pipeline-succeeded", "pipeline-failed", "pipeline-stopped"] as const)(
    "inspects %s",
    (fixture) => {
      expect(triage(change(fixture), options)).toMatchObject({ kind: "inspect" });
    },
  );
});

describe("planPipelineOutcome", () => {
  const succeeded = execution("Succeeded");
  const failed = execution("Failed");

  it("reports a success once: outcome key, duration metric and a success message", () => {
    const plan = planPipelineOutcome(
      pipelineChange("pipeline-succeeded"),
      snapshotOf(succeeded),
      actionRunsOf(succeeded),
    );
    expect(plan).toMatchObject({
      kind: "report",
      outcomeKey: `${PIPELINE}/${EXECUTION_ID}/SUCCEEDED/1`,
      metrics: [
        { name: "PipelineDuration", unit: "Seconds", value: 445, dimensions: { Pipeline: PIPELINE } },
      ],
      notification: { event: "pipeline.succeeded", severity: "success" },
    });
  });

  it("reports a failure with the failed stage as the metric dimension", () => {
    const plan = planPipelineOutcome(
      pipelineChange("pipeline-failed"),
      snapshotOf(failed),
      actionRunsOf(failed),
    );
    expect(plan).toMatchObject({
      kind: "report",
      outcomeKey: `${PIPELINE}/${EXECUTION_ID}/FAILED/1`,
      metrics: [
        {
          name: "PipelineFailures",
          unit: "Count",
          value: 1,
          dimensions: { Pipeline: PIPELINE, Stage: "Build" },
        },
      ],
      notification: { event: "pipeline.failed", severity: "critical", detail: BUILD_ERROR },
    });
  });

  it("a retried execution's second failure has its own outcome key", () => {
    const plan = planPipelineOutcome(
      pipelineChange("pipeline-failed", 2),
      snapshotOf(failed),
      actionRunsOf(failed),
    );
    expect(plan).toMatchObject({ outcomeKey: `${PIPELINE}/${EXECUTION_ID}/FAILED/2` });
  });

  it.each([
    ["pipeline-failed", "Succeeded", "stale FAILED event: the execution is now Succeeded"],
    ["pipeline-succeeded", "InProgress", "stale SUCCEEDED event: the execution is now InProgress"],
    ["pipeline-failed", "InProgress", "stale FAILED event: the execution is now InProgress"],
    ["pipeline-stopped", "Failed", "stale STOPPED event: the execution is now Failed"],
  ] as const)("ignores %s when the execution is %s (reordered or resumed)", (fixture, status, reason) => {
    const now = execution(status === "InProgress" ? "InProgress" : status);
    expect(planPipelineOutcome(pipelineChange(fixture), snapshotOf(now), actionRunsOf(now))).toEqual({
      kind: "ignore",
      reason,
    });
  });

  it("ignores an execution CodePipeline does not know", () => {
    expect(planPipelineOutcome(pipelineChange("pipeline-failed"), undefined, [])).toEqual({
      kind: "ignore",
      reason: `CodePipeline does not know execution ${EXECUTION_ID}`,
    });
  });

  it("reports a stopped execution without any metric, with who stopped it and why", () => {
    const stopped = execution("Stopped");
    const plan = planPipelineOutcome(
      pipelineChange("pipeline-stopped"),
      snapshotOf(stopped),
      actionRunsOf(stopped),
    );
    expect(plan).toMatchObject({
      kind: "report",
      metrics: [],
      notification: {
        event: "pipeline.stopped",
        severity: "warning",
        detail: "Stopped by arn:aws:iam::123456789012:user/dana: hotfix first",
      },
    });
  });

  it("counts a failure whose action is unknown under Stage=unknown rather than dropping it", () => {
    const plan = planPipelineOutcome(pipelineChange("pipeline-failed"), snapshotOf(failed), []);
    expect(plan).toMatchObject({
      metrics: [{ name: "PipelineFailures", dimensions: { Stage: "unknown" } }],
      notification: { title: expect.stringContaining("failed in an unknown stage") },
    });
  });

  it("links the failed action's logs", () => {
    const plan = planPipelineOutcome(
      pipelineChange("pipeline-failed"),
      snapshotOf(failed),
      actionRunsOf(failed),
    );
    expect(plan.kind === "report" && plan.notification?.links).toContainEqual({
      label: "BuildImage logs",
      url: BUILD_URL,
    });
    expect(plan.kind === "report" && plan.notification?.facts).toContainEqual({
      label: "Commit",
      value: `${COMMIT.slice(0, 7)} Fix the daily usage query for empty days`,
    });
  });
});

describe("executionDurationMs", () => {
  it("spans the first action's start to the last action's update", () => {
    const succeeded = execution("Succeeded");
    expect(executionDurationMs(pipelineChange("pipeline-succeeded"), actionRunsOf(succeeded))).toBe(445_000);
  });

  it("falls back to the event's start-time when no action has run", () => {
    expect(executionDurationMs(pipelineChange("pipeline-succeeded"), [])).toBe(450_000);
  });
});
