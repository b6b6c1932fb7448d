import { parseCodePipelineEvent } from "../../../functions/trigger/codePipelineEvent.js";
import { InvalidEventError } from "../../../functions/types/errors.js";
import { codePipelineEvent, EXECUTION_ID, PIPELINE } from "../../fixtures/codepipeline/events.js";

const pipelines = [PIPELINE];

describe("parseCodePipelineEvent", () => {
  it("reads a pipeline execution STARTED event with its trigger and start time", () => {
    expect(parseCodePipelineEvent(codePipelineEvent("pipeline-started"), pipelines)).toEqual({
      kind: "pipeline",
      eventId: "5d3e6a6a-0d3c-4b0e-9f0a-1c2b3d4e5f60",
      account: "123456789012",
      region: "us-east-1",
      pipeline: PIPELINE,
      executionId: EXECUTION_ID,
      attempt: 1,
      eventTime: new Date("2026-11-23T10:00:00Z"),
      state: "STARTED",
      triggerType: "Webhook",
      triggerDetail:
        "arn:aws:codestar-connections:us-east-1:123456789012:connection/7d1b0c3a-5e2f-4a9b-8c6d-0e1f2a3b4c5d",
      startTime: new Date("2026-11-23T10:00:00Z"),
    });
  });

  it.each([
    ["pipeline-succeeded", "SUCCEEDED"],
    ["pipeline-failed", "FAILED"],
    ["pipeline-superseded", "SUPERSEDED"],
    ["pipeline-stopped", "STOPPED"],
  ] as const)("reads %s as a pipeline-level %s", (fixture, state) => {
    const change = parseCodePipelineEvent(codePipelineEvent(fixture), pipelines);
    expect(change).toMatchObject({ kind: "pipeline", state, executionId: EXECUTION_ID });
  });

  it("reads a stage event with its stage", () => {
    expect(parseCodePipelineEvent(codePipelineEvent("stage-build-failed"), pipelines)).toMatchObject({
      kind: "stage",
      state: "FAILED",
      stage: "Build",
      executionId: EXECUTION_ID,
    });
  });

  it("reads an action event with its stage, action, type and result summary", () => {
    expect(parseCodePipelineEvent(codePipelineEvent("action-build-failed"), pipelines)).toMatchObject({
      kind: "action",
      state: "FAILED",
      stage: "Build",
      action: "BuildImage",
      category: "Build",
      provider: "CodeBuild",
      summary: "Build terminated with state: FAILED",
    });
  });

  it("keeps the execution attempt of a retried execution", () => {
    const event = codePipelineEvent("pipeline-failed", { attempt: 2 });
    expect(parseCodePipelineEvent(event, pipelines)).toMatchObject({ attempt: 2 });
  });

  it("ignores other pipelines, naming the configured ones", () => {
    const event = codePipelineEvent("pipeline-failed", { pipeline: "someone-elses" });
    expect(parseCodePipelineEvent(event, pipelines)).toEqual({
      kind: "ignored",
      eventId: "8b2f1d66-4e3a-4b2c-9fad-6e7f8a9bad12",
      reason: "pipeline someone-elses is not configured (PIPELINES=coworking-analytics)",
    });
    expect(parseCodePipelineEvent(event, [])).toMatchObject({
      reason: expect.stringContaining("PIPELINES=none"),
    });
  });

  it("ignores states it does not know, instead of rejecting them", () => {
    const event = codePipelineEvent("pipeline-failed", { state: "HIBERNATING" });
    expect(parseCodePipelineEvent(event, pipelines)).toMatchObject({
      kind: "ignored",
      reason: "unknown pipeline execution state HIBERNATING",
    });
    const action = codePipelineEvent("action-build-failed", { state: "SUPERSEDED" });
    expect(parseCodePipelineEvent(action, pipelines)).toMatchObject({
      kind: "ignored",
      reason: "unknown action execution state SUPERSEDED",
    });
  });

  it("rejects malformed events with InvalidEventError naming every bad field", () => {
    const event = codePipelineEvent("pipeline-failed");
    delete event.detail["execution-id"];
    event.detail.version = "three";
    let error: unknown;
    try {
      parseCodePipelineEvent(event, pipelines);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).issues).toEqual([
      expect.stringContaining("detail.execution-id"),
      expect.stringContaining("detail.version"),
    ]);
  });

  it("rejects an action event without its type", () => {
    const event = codePipelineEvent("action-build-failed");
    delete event.detail.type;
    expect(() => parseCodePipelineEvent(event, pipelines)).toThrow(/detail\.type/);
  });

  it("rejects other detail-types and non-objects", () => {
    expect(() => parseCodePipelineEvent({ "detail-type": "ECR Image Action" }, pipelines)).toThrow(
      'not a CodePipeline state-change event: detail-type "ECR Image Action"',
    );
    expect(() => parseCodePipelineEvent("SUCCEEDED", pipelines)).toThrow(InvalidEventError);
    expect(() =>
      parseCodePipelineEvent({ ...codePipelineEvent("pipeline-failed"), source: "aws.ecr" }, pipelines),
    ).toThrow(/source/);
  });
});
