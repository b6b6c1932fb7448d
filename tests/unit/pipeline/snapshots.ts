// The fixture executions (tests/fixtures/codepipeline/executions.ts) as the planners receive
// them from the PipelineExecutions port: what the SDK adapter returns for the fake's answers.
import type { ActionRun, ExecutionSnapshot } from "../../../functions/pipeline/ports/pipelineExecutions.js";
import type { FakeExecution } from "../../fakes/codePipelineApi.js";

export function snapshotOf(execution: FakeExecution): ExecutionSnapshot {
  return {
    pipeline: execution.pipelineName,
    executionId: execution.pipelineExecutionId,
    status: execution.status,
    ...(execution.statusSummary && { statusSummary: execution.statusSummary }),
    sources: execution.sources.map((source) => ({
      actionName: source.name,
      revisionId: source.revisionId,
      ...(source.revisionSummary && { summary: source.revisionSummary }),
      ...(source.revisionUrl && { url: source.revisionUrl }),
      ...(source.created && { createdAt: source.created }),
    })),
    ...(execution.trigger && { triggerType: execution.trigger.triggerType }),
  };
}

export function actionRunsOf(execution: FakeExecution): ActionRun[] {
  return execution.actions.map((action) => ({
    stage: action.stageName,
    action: action.actionName,
    status: action.status,
    startTime: action.startTime,
    lastUpdateTime: action.lastUpdateTime,
    ...(action.externalExecutionSummary && { summary: action.externalExecutionSummary }),
    ...(action.errorDetails && {
      errorCode: action.errorDetails.code,
      errorMessage: action.errorDetails.message,
    }),
    ...(action.externalExecutionUrl && { externalUrl: action.externalExecutionUrl }),
  }));
}
