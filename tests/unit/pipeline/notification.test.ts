import { pipelineNotification } from "../../../functions/pipeline/notification.js";
import { executionDurationMs, failedAction } from "../../../functions/pipeline/plan.js";
import { parseCodePipelineEvent } from "../../../functions/trigger/codePipelineEvent.js";
import {
  codePipelineEvent,
  type EventFixture,
  EXECUTION_ID,
  PIPELINE,
} from "../../fixtures/codepipeline/events.js";
import {
  BUILD_ERROR,
  BUILD_URL,
  COMMIT,
  COMMIT_URL,
  commitUrlOf,
  execution,
} from "../../fixtures/codepipeline/executions.js";
import { actionRunsOf, snapshotOf } from "./snapshots.js";

const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/${PIPELINE}/executions/${EXECUTION_ID}/timeline?region=us-east-1`;

function story(fixture: EventFixture, outcome: Parameters<typeof execution>[0], fake = execution(outcome)) {
  const change = parseCodePipelineEvent(codePipelineEvent(fixture), [PIPELINE]);
  if (change.kind !== "pipeline") throw new Error("not a pipeline-level fixture");
  const actions = actionRunsOf(fake);
  return pipelineNotification({
    change,
    execution: snapshotOf(fake),
    durationMs: executionDurationMs(change, actions),
    failure: failedAction(actions),
  });
}

describe("pipelineNotification", () => {
  it("tells a success: pipeline, execution, commit, trigger, duration and links", () => {
    expect(story("pipeline-succeeded", "Succeeded")).toEqual({
      event: "pipeline.succeeded",
      severity: "success",
      title:
        "Pipeline coworking-analytics succeeded in 7m 25s: 9f8e7d6 Fix the daily usage query for empty days",
      facts: [
        { label: "Pipeline", value: PIPELINE },
        { label: "Execution", value: EXECUTION_ID },
        { label: "Commit", value: "9f8e7d6 Fix the daily usage query for empty days" },
        { label: "Trigger", value: "Webhook" },
        { label: "Duration", value: "7m 25s" },
      ],
      links: [
        { label: "Execution", url: CONSOLE_URL },
        { label: "Commit", url: COMMIT_URL },
      ],
      release: {
        key: EXECUTION_ID,
        stage: "build",
        phase: "built",
        occurrence: "1",
        pipeline: PIPELINE,
        executionId: EXECUTION_ID,
        executionUrl: CONSOLE_URL,
        commit: COMMIT,
        commitSummary: "Fix the daily usage query for empty days",
        commitUrl: COMMIT_URL,
        startedAt: expect.any(String),
        endedAt: expect.any(String),
      },
    });
  });

  it("tells a failure: where (stage and action), why (the action's error) and its logs", () => {
    expect(story("pipeline-failed", "Failed")).toEqual({
      event: "pipeline.failed",
      severity: "critical",
      title:
        "Pipeline coworking-analytics failed in Build/BuildImage: 9f8e7d6 Fix the daily usage query for empty days",
      facts: [
        { label: "Pipeline", value: PIPELINE },
        { label: "Execution", value: EXECUTION_ID },
        { label: "Commit", value: "9f8e7d6 Fix the daily usage query for empty days" },
        { label: "Trigger", value: "Webhook" },
        { label: "Failed stage", value: "Build" },
        { label: "Failed action", value: "BuildImage" },
        { label: "Error", value: "JobFailed" },
        { label: "Duration", value: "3m 15s" },
      ],
      detail: BUILD_ERROR,
      links: [
        { label: "Execution", url: CONSOLE_URL },
        { label: "BuildImage logs", url: BUILD_URL },
        { label: "Commit", url: COMMIT_URL },
      ],
      release: expect.objectContaining({ key: EXECUTION_ID, phase: "build-failed", buildUrl: BUILD_URL }),
    });
  });

  it("tells a start without a duration", () => {
    const notification = story("pipeline-started", "InProgress");
    expect(notification.title).toBe(
      "Pipeline coworking-analytics started: 9f8e7d6 Fix the daily usage query for empty days",
    );
    expect(notification.facts.map((fact) => fact.label)).toEqual([
      "Pipeline",
      "Execution",
      "Commit",
      "Trigger",
    ]);
  });

  it("links the commit its text names: a run of another commit links that commit", () => {
    const other = "0123456789abcdef0123456789abcdef01234567";
    const notification = story("pipeline-succeeded", "Succeeded", execution("Succeeded", { commit: other }));
    expect(notification.facts).toContainEqual({
      label: "Commit",
      value: "0123456 Fix the daily usage query for empty days",
    });
    expect(notification.links).toContainEqual({ label: "Commit", url: commitUrlOf(other) });
    expect(notification.release).toMatchObject({ commit: other, commitUrl: commitUrlOf(other) });
  });

  it("leaves the commit link out rather than link a commit other than the one it names", () => {
    const fake = execution("Succeeded", { commit: "0123456789abcdef0123456789abcdef01234567" });
    const source = fake.sources[0];
    if (source) source.revisionUrl = COMMIT_URL; // names COMMIT, not the execution's commit
    const notification = story("pipeline-succeeded", "Succeeded", fake);
    expect(notification.links?.map((link) => link.label)).toEqual(["Execution"]);
    expect(notification.release?.commitUrl).toBeUndefined();
    expect(COMMIT_URL).toContain(COMMIT);
  });
});
