// PipelineExecutions over the AWS SDK. The client honours AWS_ENDPOINT_URL (and the
// service-specific AWS_ENDPOINT_URL_CODEPIPELINE) from the environment by itself, which is how
// tests point it at their local fake; nothing here knows about tests.
import {
  type ActionExecutionDetail,
  type CodePipelineClient,
  GetPipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  PipelineExecutionNotFoundException,
  PipelineNotFoundException,
  paginateListActionExecutions,
} from "@aws-sdk/client-codepipeline";
import type {
  ActionRun,
  ActionStatus,
  ExecutionSnapshot,
  ExecutionStatus,
  ExecutionSummary,
  PipelineExecutions,
} from "../../pipeline/ports/pipelineExecutions.js";
import { toDeliveryError } from "../aws/awsErrors.js";

export class SdkPipelineExecutions implements PipelineExecutions {
  constructor(private readonly client: CodePipelineClient) {}

  async get(pipeline: string, executionId: string): Promise<ExecutionSnapshot | undefined> {
    try {
      const { pipelineExecution: execution } = await this.client.send(
        new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: executionId }),
      );
      if (!execution?.status) return undefined;
      return {
        pipeline,
        executionId,
        status: execution.status as ExecutionStatus,
        ...(execution.statusSummary && { statusSummary: execution.statusSummary }),
        sources: (execution.artifactRevisions ?? []).flatMap((revision) =>
          revision.revisionId
            ? [
                {
                  actionName: revision.name ?? "Source",
                  revisionId: revision.revisionId,
                  ...(revision.revisionSummary && { summary: revision.revisionSummary }),
                  ...(revision.revisionUrl && { url: revision.revisionUrl }),
                  ...(revision.created && { createdAt: revision.created }),
                },
              ]
            : [],
        ),
        ...(execution.trigger?.triggerType && { triggerType: execution.trigger.triggerType }),
        ...(execution.trigger?.triggerDetail && { triggerDetail: execution.trigger.triggerDetail }),
      };
    } catch (error) {
      if (error instanceof PipelineExecutionNotFoundException || error instanceof PipelineNotFoundException) {
        return undefined;
      }
      throw toDeliveryError(error, `codepipeline:GetPipelineExecution on ${pipeline}`);
    }
  }

  async actions(pipeline: string, executionId: string): Promise<ActionRun[]> {
    const runs: ActionRun[] = [];
    try {
      const pages = paginateListActionExecutions(
        { client: this.client },
        { pipelineName: pipeline, filter: { pipelineExecutionId: executionId } },
      );
      for await (const page of pages) {
        for (const detail of page.actionExecutionDetails ?? []) runs.push(toActionRun(detail));
      }
    } catch (error) {
      if (error instanceof PipelineExecutionNotFoundException || error instanceof PipelineNotFoundException) {
        return [];
      }
      throw toDeliveryError(error, `codepipeline:ListActionExecutions on ${pipeline}`);
    }
    return runs;
  }

  async recent(pipeline: string, limit: number): Promise<ExecutionSummary[]> {
    try {
      const { pipelineExecutionSummaries = [] } = await this.client.send(
        new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: Math.min(limit, 100) }),
      );
      return pipelineExecutionSummaries.slice(0, limit).flatMap((summary) =>
        summary.pipelineExecutionId && summary.status
          ? [
              {
                executionId: summary.pipelineExecutionId,
                status: summary.status as ExecutionStatus,
                ...(summary.startTime && { startTime: summary.startTime }),
                ...(summary.lastUpdateTime && { lastUpdateTime: summary.lastUpdateTime }),
                sources: (summary.sourceRevisions ?? []).flatMap((source) =>
                  source.revisionId
                    ? [
                        {
                          actionName: source.actionName ?? "Source",
                          revisionId: source.revisionId,
                          ...(source.revisionSummary && { summary: source.revisionSummary }),
                          ...(source.revisionUrl && { url: source.revisionUrl }),
                        },
                      ]
                    : [],
                ),
              },
            ]
          : [],
      );
    } catch (error) {
      if (error instanceof PipelineNotFoundException) return [];
      throw toDeliveryError(error, `codepipeline:ListPipelineExecutions on ${pipeline}`);
    }
  }
}

function toActionRun(detail: ActionExecutionDetail): ActionRun {
  const result = detail.output?.executionResult;
  return {
    stage: detail.stageName ?? "unknown",
    action: detail.actionName ?? "unknown",
    status: (detail.status ?? "InProgress") as ActionStatus,
    ...(detail.startTime && { startTime: detail.startTime }),
    ...(detail.lastUpdateTime && { lastUpdateTime: detail.lastUpdateTime }),
    ...(result?.externalExecutionSummary && { summary: result.externalExecutionSummary }),
    ...(result?.errorDetails?.code && { errorCode: result.errorDetails.code }),
    ...(result?.errorDetails?.message && { errorMessage: result.errorDetails.message }),
    ...(result?.externalExecutionUrl && { externalUrl: result.externalExecutionUrl }),
  };
}
