import { pipelineNotification } from "../../../functions/pipeline/notification.js";
import { executionDurationMs, failedAction } from "../../../functions/pipeline/plan.js";
import { parseCodePipelineEvent } from "../../../functions/trigger/codePipelineEvent.js";
import {
  codePipelineEvent,
  type EventFixture,
  EXECUTION_ID,
  PIPELINE,
} from "../../fixtures/codepipeline/events.js";
import { BUILD_ERROR, BUILD_URL, COMMIT_URL, execution } from "../../fixtures/codepipeline/executions.js";
import { actionRunsOf, snapshotOf } from "./snapshots.js";

const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/${PIPELINE}/executions/${EXECUTION_ID}/timeline?region=us-east-1`;

function story(fixture: EventFixture, outcome: Parameters<typeof execution>[0]) {
  const change = parseCodePipelineEvent(codePipelineEvent(fixture), [PIPELINE]);
  if (change.kind !== "pipeline") throw new Error("not a pipeline-level fixture");
  const fake = execution(outcome);
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
});
