// A CodePipeline run for the sandbox's "pipeline run → rollout" story. CodePipeline's API is the
// local FAKE (tests/fakes/codePipelineApi.ts); the events are the documented-shape fixtures of
// tests/fixtures/codepipeline. Call it before the first handler runs: it points the SDK at the
// fake (AWS_ENDPOINT_URL_CODEPIPELINE) and names the pipeline in PIPELINES, which the functions
// read once at cold start.
import { randomBytes, randomUUID } from "node:crypto";
import { type CodePipelineFake, startCodePipelineFake } from "../fakes/codePipelineApi.js";
import { codePipelineEvent, PIPELINE } from "../fixtures/codepipeline/events.js";
import { execution } from "../fixtures/codepipeline/executions.js";

export interface PipelineRun {
  pipeline: string;
  executionId: string;
  /** The commit the run builds; the image it pushes is tagged with it (buildspec.yml). */
  commit: string;
  /** The execution started: its STARTED event. */
  started(): Record<string, unknown>;
  /** The execution succeeded (CodePipeline now says so): its SUCCEEDED event. */
  succeeded(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startPipelineRun(): Promise<PipelineRun> {
  const fake: CodePipelineFake = await startCodePipelineFake();
  const executionId = randomUUID();
  const commit = randomBytes(20).toString("hex");
  const pipelinesBefore = process.env.PIPELINES;
  process.env.AWS_ENDPOINT_URL_CODEPIPELINE = fake.url;
  process.env.PIPELINES = PIPELINE;
  fake.put(execution("InProgress", { executionId, commit }));
  return {
    pipeline: PIPELINE,
    executionId,
    commit,
    started: () => codePipelineEvent("pipeline-started", { executionId }),
    succeeded: () => {
      fake.put(execution("Succeeded", { executionId, commit }));
      return codePipelineEvent("pipeline-succeeded", { executionId });
    },
    close: async () => {
      delete process.env.AWS_ENDPOINT_URL_CODEPIPELINE;
      if (pipelinesBefore === undefined) delete process.env.PIPELINES;
      else process.env.PIPELINES = pipelinesBefore;
      await fake.close();
    },
  };
}
