// FAKE. Not AWS. The moto emulator does not implement CodePipeline executions, so this is the
// smallest local stand-in for exactly three read operations, speaking the AWS JSON 1.1 protocol
// (POST /, X-Amz-Target: CodePipeline_20150709.<Operation>) with responses in the shapes the
// CodePipeline API Reference documents:
//   GetPipelineExecution   -> { pipelineExecution: PipelineExecution }
//   ListActionExecutions   -> { actionExecutionDetails: ActionExecutionDetail[], nextToken? }
//   ListPipelineExecutions -> { pipelineExecutionSummaries: PipelineExecutionSummary[], nextToken? }
// Timestamps are epoch seconds, as the JSON protocol sends them. Errors are
// { "__type": "<Exception>", "message": ... } with HTTP 400. Tests point the SDK here with
// AWS_ENDPOINT_URL_CODEPIPELINE and set the executions' state directly.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeExecutionStatus =
  | "Cancelled"
  | "InProgress"
  | "Stopped"
  | "Stopping"
  | "Succeeded"
  | "Superseded"
  | "Failed";

export interface FakeSourceRevision {
  name: string;
  revisionId: string;
  revisionSummary?: string;
  revisionUrl?: string;
  created?: Date;
}

export interface FakeActionExecution {
  stageName: string;
  actionName: string;
  status: "InProgress" | "Abandoned" | "Succeeded" | "Failed";
  startTime: Date;
  lastUpdateTime: Date;
  category?: string;
  provider?: string;
  externalExecutionId?: string;
  externalExecutionSummary?: string;
  externalExecutionUrl?: string;
  errorDetails?: { code: string; message: string };
}

export interface FakeExecution {
  pipelineName: string;
  pipelineExecutionId: string;
  pipelineVersion?: number;
  status: FakeExecutionStatus;
  statusSummary?: string;
  startTime: Date;
  lastUpdateTime: Date;
  sources: FakeSourceRevision[];
  trigger?: { triggerType: string; triggerDetail?: string };
  actions: FakeActionExecution[];
}

export interface CodePipelineFake {
  /** Give this to the SDK client as its endpoint (AWS_ENDPOINT_URL_CODEPIPELINE). */
  url: string;
  /** Adds or replaces an execution. */
  put(execution: FakeExecution): void;
  /** Changes an execution in place, e.g. its status after a retry. */
  update(pipeline: string, executionId: string, change: Partial<FakeExecution>): void;
  /** Every request received, by operation name, for asserting how the adapter called it. */
  calls: { operation: string; input: Record<string, unknown> }[];
  close(): Promise<void>;
}

const TARGET_PREFIX = "CodePipeline_20150709.";
const seconds = (date: Date) => date.getTime() / 1000;

class FakeApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the fake on a free localhost port. `pageSize` is the default maxResults of list calls. */
export async function startCodePipelineFake(options: { pageSize?: number } = {}): Promise<CodePipelineFake> {
  const pageSize = options.pageSize ?? 100;
  const executions = new Map<string, FakeExecution>();
  const key = (pipeline: string, executionId: string) => `${pipeline}/${executionId}`;
  const calls: CodePipelineFake["calls"] = [];

  const find = (input: Record<string, unknown>, idField: string): FakeExecution => {
    const pipeline = requireString(input, "pipelineName");
    const executionId = requireString(input, idField);
    if (![...executions.values()].some((execution) => execution.pipelineName === pipeline)) {
      throw new FakeApiError(
        "PipelineNotFoundException",
        `The account with id '123456789012' does not include a pipeline with the name '${pipeline}'`,
      );
    }
    const execution = executions.get(key(pipeline, executionId));
    if (!execution) {
      throw new FakeApiError(
        "PipelineExecutionNotFoundException",
        `Pipeline execution with id '${executionId}' does not exist in pipeline with name '${pipeline}'.`,
      );
    }
    return execution;
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetPipelineExecution(input) {
      const execution = find(input, "pipelineExecutionId");
      return {
        pipelineExecution: {
          pipelineName: execution.pipelineName,
          pipelineVersion: execution.pipelineVersion ?? 1,
          pipelineExecutionId: execution.pipelineExecutionId,
          status: execution.status,
          ...(execution.statusSummary && { statusSummary: execution.statusSummary }),
          artifactRevisions: execution.sources.map((source) => ({
            name: source.name,
            revisionId: source.revisionId,
            revisionChangeIdentifier: source.revisionId,
            ...(source.revisionSummary && { revisionSummary: source.revisionSummary }),
            ...(source.created && { created: seconds(source.created) }),
            ...(source.revisionUrl && { revisionUrl: source.revisionUrl }),
          })),
          ...(execution.trigger && { trigger: execution.trigger }),
          executionMode: "SUPERSEDED",
          executionType: "STANDARD",
        },
      };
    },
    ListActionExecutions(input) {
      const filter = (input.filter ?? {}) as Record<string, unknown>;
      const pipeline = requireString(input, "pipelineName");
      const matching = [...executions.values()].filter(
        (execution) =>
          execution.pipelineName === pipeline &&
          (filter.pipelineExecutionId === undefined ||
            execution.pipelineExecutionId === filter.pipelineExecutionId),
      );
      if (filter.pipelineExecutionId !== undefined && matching.length === 0) {
        find(
          { pipelineName: pipeline, pipelineExecutionId: filter.pipelineExecutionId },
          "pipelineExecutionId",
        );
      }
      const details = matching.flatMap((execution) =>
        execution.actions
          .map((action, index) => ({
            pipelineExecutionId: execution.pipelineExecutionId,
            actionExecutionId: `${execution.pipelineExecutionId.slice(0, 8)}-action-${index}`,
            pipelineVersion: execution.pipelineVersion ?? 1,
            stageName: action.stageName,
            actionName: action.actionName,
            startTime: seconds(action.startTime),
            lastUpdateTime: seconds(action.lastUpdateTime),
            status: action.status,
            input: {
              actionTypeId: {
                category: action.category ?? "Build",
                owner: "AWS",
                provider: action.provider ?? "CodeBuild",
                version: "1",
              },
              configuration: {},
              resolvedConfiguration: {},
              region: "us-east-1",
              inputArtifacts: [],
            },
            output: {
              outputArtifacts: [],
              executionResult: {
                ...(action.externalExecutionId && { externalExecutionId: action.externalExecutionId }),
                ...(action.externalExecutionSummary && {
                  externalExecutionSummary: action.externalExecutionSummary,
                }),
                ...(action.externalExecutionUrl && { externalExecutionUrl: action.externalExecutionUrl }),
                ...(action.errorDetails && { errorDetails: action.errorDetails }),
              },
              outputVariables: {},
            },
          }))
          // The API lists the newest action executions first.
          .reverse(),
      );
      return page(details, input, "actionExecutionDetails");
    },
    ListPipelineExecutions(input) {
      const pipeline = requireString(input, "pipelineName");
      const summaries = [...executions.values()]
        .filter((execution) => execution.pipelineName === pipeline)
        .sort((a, b) => b.startTime.getTime() - a.startTime.getTime())
        .map((execution) => ({
          pipelineExecutionId: execution.pipelineExecutionId,
          status: execution.status,
          ...(execution.statusSummary && { statusSummary: execution.statusSummary }),
          startTime: seconds(execution.startTime),
          lastUpdateTime: seconds(execution.lastUpdateTime),
          sourceRevisions: execution.sources.map((source) => ({
            actionName: source.name,
            revisionId: source.revisionId,
            ...(source.revisionSummary && { revisionSummary: source.revisionSummary }),
            ...(source.revisionUrl && { revisionUrl: source.revisionUrl }),
          })),
          ...(execution.trigger && { trigger: execution.trigger }),
          executionMode: "SUPERSEDED",
          executionType: "STANDARD",
        }));
      return page(summaries, input, "pipelineExecutionSummaries");
    },
  };

  function page(items: unknown[], input: Record<string, unknown>, field: string) {
    const size = typeof input.maxResults === "number" ? input.maxResults : pageSize;
    const start = typeof input.nextToken === "string" ? Number(input.nextToken) : 0;
    const next = start + size;
    return { [field]: items.slice(start, next), ...(next < items.length && { nextToken: String(next) }) };
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": "fake",
        });
        response.end(JSON.stringify(body));
      };
      const target = String(request.headers["x-amz-target"] ?? "");
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
      const handler = operations[operation];
      if (request.method !== "POST" || !handler) {
        reply(400, {
          __type: "UnknownOperationException",
          message: `the fake does not implement ${target || "(none)"}`,
        });
        return;
      }
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        calls.push({ operation, input });
        reply(200, handler(input));
      } catch (error) {
        if (error instanceof FakeApiError) reply(400, { __type: error.type, message: error.message });
        else reply(400, { __type: "ValidationException", message: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    put(execution) {
      executions.set(key(execution.pipelineName, execution.pipelineExecutionId), structuredClone(execution));
    },
    update(pipeline, executionId, change) {
      const current = executions.get(key(pipeline, executionId));
      if (!current) throw new Error(`fake: no execution ${executionId} of ${pipeline}`);
      executions.set(key(pipeline, executionId), { ...current, ...structuredClone(change) });
    },
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function requireString(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== "string" || value.length === 0) {
    throw new FakeApiError(
      "ValidationException",
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
