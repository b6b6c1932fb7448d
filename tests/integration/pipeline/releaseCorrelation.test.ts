// Pipeline and rollout as one story: the buildspec tags the image with the commit SHA, so when
// onImagePush rolls that tag out, its message names the pipeline execution and the commit that
// built it (ReleaseLookup wired in functions/onImagePush/compose.ts), the ledger's change-cause
// says so too, and LeadTimeForChanges is measured from the commit's creation. CodePipeline is the
// local FAKE; ECR, CloudWatch and SSM are moto; the cluster is the harness; Slack is the receiver.
import { randomUUID } from "node:crypto";
import { composePipelineEvent } from "../../../functions/onPipelineEvent/compose.js";
import { handlePipelineEvent } from "../../../functions/onPipelineEvent/handler.js";
import { Annotation } from "../../../functions/rollout/ledger.js";
import { type CodePipelineFake, startCodePipelineFake } from "../../fakes/codePipelineApi.js";
import { codePipelineEvent, PIPELINE } from "../../fixtures/codepipeline/events.js";
import { COMMIT, COMMIT_CREATED, COMMIT_MESSAGE, execution } from "../../fixtures/codepipeline/executions.js";
import {
  createDeployment,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
} from "../rollout/support.js";
import { metricStatistic } from "./cloudWatchReadBack.js";

let codePipeline: CodePipelineFake;
let functions: LocalFunctions;
let namespace: string;
const executionId = randomUUID();

beforeAll(async () => {
  codePipeline = await startCodePipelineFake();
  process.env.AWS_ENDPOINT_URL_CODEPIPELINE = codePipeline.url;
  namespace = await testNamespace("release");
  functions = await localFunctions([namespace], { PIPELINES: PIPELINE, METRICS_SINK: "cloudwatch" });
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_CODEPIPELINE;
  await functions?.close();
  await codePipeline?.close();
});

type SlackPayload = { text: string; blocks: { type: string; fields?: { text: string }[] }[] };

describe("release correlation", () => {
  it("the rollout of a commit-tagged image names the pipeline execution and commit that built it", async () => {
    codePipeline.put(execution("Succeeded", { executionId }));
    const repositoryName = uniqueName("release");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "api", { image: running.pinned });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // ECR imagePushedAt has 1 s resolution
    const built = await pushImage(repositoryName, COMMIT);

    // The pipeline's own outcome, then the rollout of the image it pushed.
    const pipelineEvents = composePipelineEvent({
      ...process.env,
      PIPELINES: PIPELINE,
      METRICS_SINK: "cloudwatch",
      SLACK_WEBHOOK_URL: functions.slack.url,
    });
    const pipelineResult = await handlePipelineEvent(
      codePipelineEvent("pipeline-succeeded", { executionId }),
      pipelineEvents,
    );
    expect(pipelineResult).toMatchObject({ outcome: "reported", event: "pipeline.succeeded" });
    const result = await functions.onImagePush(pushEvent(built));
    expect(result.deployments).toEqual([expect.objectContaining({ name: "api", outcome: "succeeded" })]);

    const [pipelineMessage, rolloutMessage] = functions.slack.received.map(
      (message) => message.payload as SlackPayload,
    );
    const fields = (payload: SlackPayload | undefined) =>
      payload?.blocks.flatMap((block) => block.fields?.map((field) => field.text) ?? []) ?? [];
    expect(fields(pipelineMessage)).toEqual(
      expect.arrayContaining([
        `*Execution*\n${executionId}`,
        `*Commit*\n${COMMIT.slice(0, 7)} ${COMMIT_MESSAGE}`,
      ]),
    );
    expect(fields(rolloutMessage)).toEqual(
      expect.arrayContaining([
        `*Pipeline*\n${PIPELINE} execution ${executionId}`,
        `*Commit*\n${COMMIT.slice(0, 12)} ${COMMIT_MESSAGE}`,
      ]),
    );
    const executionUrl = `https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/${PIPELINE}/executions/${executionId}/timeline?region=us-east-1`;
    expect(JSON.stringify(rolloutMessage)).toContain(`<${executionUrl}|Pipeline execution>`);

    const changeCause = (await readDeployment(namespace, "api")).metadata?.annotations?.[
      Annotation.changeCause
    ];
    expect(changeCause).toContain(`pipeline ${PIPELINE} execution ${executionId}`);
    expect(changeCause).toContain(`commit ${COMMIT.slice(0, 12)}`);

    // LeadTimeForChanges: from the commit's creation (ArtifactRevision.created) to completion.
    const deployment = { Deployment: `${result.deployments[0]?.cluster}/${namespace}/api` };
    expect(await metricStatistic("LeadTimeForChanges", "SampleCount", deployment)).toBe(1);
    const leadSeconds = await metricStatistic("LeadTimeForChanges", "Sum", deployment);
    const expected = (Date.now() - COMMIT_CREATED.getTime()) / 1000;
    expect(leadSeconds).toBeGreaterThan(expected - 120);
    expect(leadSeconds).toBeLessThanOrEqual(expected);
  });
});
