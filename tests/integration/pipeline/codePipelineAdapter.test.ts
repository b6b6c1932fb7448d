// The CodePipeline adapter and ReleaseLookup over the SDK, against the local CodePipeline FAKE
// (tests/fakes/codePipelineApi.ts): pagination, error mapping, and the release correlation a
// rollout message uses to name the execution and commit that built its image.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { PipelineReleaseLookup } from "../../../functions/pipeline/releaseLookup.js";
import { SdkPipelineExecutions } from "../../../functions/provider/codepipeline/sdkPipelineExecutions.js";
import type { Logger } from "../../../functions/shared/logger.js";
import { type CodePipelineFake, startCodePipelineFake } from "../../fakes/codePipelineApi.js";
import {
  BUILD_ERROR,
  COMMIT,
  COMMIT_CREATED,
  COMMIT_MESSAGE,
  COMMIT_URL,
  execution,
} from "../../fixtures/codepipeline/executions.js";
import { harness } from "../../harness/env.js";

const { region } = harness();
const PIPELINE = "coworking-analytics";
let fake: CodePipelineFake;
let executions: SdkPipelineExecutions;
const warnings: { message: string; context: unknown }[] = [];
const logger = {
  warn: ((message: string, context: unknown) => void warnings.push({ message, context })) as Logger["warn"],
};

beforeEach(async () => {
  fake = await startCodePipelineFake({ pageSize: 1 });
  executions = new SdkPipelineExecutions(new CodePipelineClient({ endpoint: fake.url }));
  warnings.length = 0;
});
afterEach(async () => {
  await fake.close();
});

describe("SdkPipelineExecutions", () => {
  it("reads the execution's status, commit (with its creation time) and trigger", async () => {
    fake.put(execution("Failed", { executionId: "exec-1" }));
    expect(await executions.get(PIPELINE, "exec-1")).toEqual({
      pipeline: PIPELINE,
      executionId: "exec-1",
      status: "Failed",
      sources: [
        {
          actionName: "Source",
          revisionId: COMMIT,
          summary: JSON.stringify({ ProviderType: "GitHub", CommitMessage: COMMIT_MESSAGE }),
          url: COMMIT_URL,
          createdAt: COMMIT_CREATED,
        },
      ],
      triggerType: "Webhook",
      triggerDetail: "arn:aws:codestar-connections:us-east-1:123456789012:connection/7d1b0c3a",
    });
  });

  it("reads every page of ListActionExecutions, with the failed action's error", async () => {
    fake.put(execution("Succeeded", { executionId: "exec-1" }));
    fake.put(execution("Failed", { executionId: "exec-2" }));
    const runs = await executions.actions(PIPELINE, "exec-1");
    expect(runs.map((run) => `${run.stage}/${run.action}:${run.status}`).sort()).toEqual([
      "Build/BuildImage:Succeeded",
      "Deploy/PushManifest:Succeeded",
      "Source/Source:Succeeded",
    ]);
    const pages = fake.calls.filter((call) => call.operation === "ListActionExecutions");
    expect(pages.map((call) => call.input.nextToken)).toEqual([undefined, "1", "2"]);
    expect(pages[0]?.input.filter).toEqual({ pipelineExecutionId: "exec-1" });

    const failed = await executions.actions(PIPELINE, "exec-2");
    expect(failed.find((run) => run.status === "Failed")).toMatchObject({
      stage: "Build",
      action: "BuildImage",
      errorCode: "JobFailed",
      errorMessage: BUILD_ERROR,
      summary: "Build terminated with state: FAILED",
    });
  });

  it("answers undefined / nothing for executions and pipelines CodePipeline does not know", async () => {
    fake.put(execution("Succeeded", { executionId: "exec-1" }));
    expect(await executions.get(PIPELINE, "exec-unknown")).toBeUndefined();
    expect(await executions.get("no-such-pipeline", "exec-1")).toBeUndefined();
    expect(await executions.actions(PIPELINE, "exec-unknown")).toEqual([]);
    expect(await executions.recent("no-such-pipeline", 10)).toEqual([]);
  });

  it("rejects when CodePipeline cannot be reached, so that EventBridge retries the event", async () => {
    await fake.close();
    const dead = new SdkPipelineExecutions(new CodePipelineClient({ endpoint: fake.url, maxAttempts: 1 }));
    fake = await startCodePipelineFake();
    await expect(dead.get(PIPELINE, "exec-1")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("PipelineReleaseLookup", () => {
  const lookup = () => new PipelineReleaseLookup(executions, ["other-pipeline", PIPELINE], region, logger);

  it("names the execution that built the commit an image tag names, with the commit's details", async () => {
    fake.put({
      ...execution("Failed", { executionId: "exec-old" }),
      startTime: new Date("2026-11-23T09:50:00Z"),
    });
    fake.put(execution("Succeeded", { executionId: "exec-built" }));
    fake.put({
      ...execution("Succeeded", { executionId: "exec-other", commit: "1".repeat(40) }),
      startTime: new Date("2026-11-23T11:00:00Z"),
    });
    expect(await lookup().forImageTag(COMMIT)).toEqual({
      pipeline: PIPELINE,
      executionId: "exec-built",
      commit: COMMIT,
      commitSummary: COMMIT_MESSAGE,
      commitUrl: COMMIT_URL,
      commitCreatedAt: COMMIT_CREATED,
      executionUrl: `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${PIPELINE}/executions/exec-built/timeline?region=${region}`,
    });
  });

  it("caches a found release for the container's lifetime", async () => {
    fake.put(execution("Succeeded", { executionId: "exec-built" }));
    const releases = lookup();
    await releases.forImageTag(COMMIT);
    const calls = fake.calls.length;
    expect(await releases.forImageTag(COMMIT)).toMatchObject({ executionId: "exec-built" });
    expect(fake.calls.length).toBe(calls);
  });

  it("has no release for tags that are not full commit SHAs, without asking CodePipeline", async () => {
    expect(await lookup().forImageTag("1.4.2")).toBeUndefined();
    expect(await lookup().forImageTag(COMMIT.slice(0, 7))).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });

  it("has no release for a commit no recent execution built", async () => {
    fake.put(execution("Succeeded", { executionId: "exec-built" }));
    expect(await lookup().forImageTag("2".repeat(40))).toBeUndefined();
  });

  it("never throws: a CodePipeline outage leaves the rollout without its release, logged", async () => {
    await fake.close();
    const dead = new SdkPipelineExecutions(new CodePipelineClient({ endpoint: fake.url, maxAttempts: 1 }));
    fake = await startCodePipelineFake();
    const releases = new PipelineReleaseLookup(dead, [PIPELINE], region, logger);
    expect(await releases.forImageTag(COMMIT)).toBeUndefined();
    expect(warnings).toEqual([
      {
        message: "release lookup failed; the rollout is reported without its pipeline execution",
        context: {
          tag: COMMIT,
          error: expect.objectContaining({ message: expect.stringContaining("ECONNREFUSED") }),
        },
      },
    ]);
  });
});
