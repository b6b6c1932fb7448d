// Pipeline and rollout as one story: the buildspec tags the image with the commit SHA, so when
// onImagePush rolls that tag out, its message names the pipeline execution and the commit that
// built it (ReleaseLookup wired in functions/handlers/onImagePush/wiring.ts), the ledger's change-cause
// says so too, and LeadTimeForChanges is measured from the commit's creation when the release settles. CodePipeline is the
// local FAKE, driven by tests/support/pipelineRun.ts (the sandbox tells the same story with it);
// ECR, CloudWatch and SSM are moto; the cluster is the harness; Slack is the receiver.

import { handlePipelineEvent } from "../../../functions/handlers/onPipelineEvent/handler.js";
import { composePipelineEvent } from "../../../functions/handlers/onPipelineEvent/wiring.js";
import { Annotation } from "../../../functions/rollout/ledger.js";
import { PIPELINE } from "../../fixtures/codepipeline/events.js";
import { COMMIT_CREATED, COMMIT_MESSAGE } from "../../fixtures/codepipeline/executions.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { type PipelineRun, startPipelineRun } from "../../support/pipelineRun.js";
import {
  createDeployment,
  deleteTestNamespaces,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  readDeployment,
  testNamespace,
  uniqueName,
} from "../rollout/support.js";
import { metricStatistic } from "./cloudWatchReadBack.js";

let run: PipelineRun;
let functions: LocalFunctions;
let namespace: string;

beforeAll(async () => {
  run = await startPipelineRun();
  namespace = await testNamespace("release");
  functions = await localFunctions([namespace], { PIPELINES: run.pipeline, METRICS_SINK: "cloudwatch" });
});
afterAll(async () => {
  // The namespace goes too: a harness kept between runs would fill its fake nodes with them.
  await deleteTestNamespaces();
  await functions?.close();
  await run?.close();
});

type SlackPayload = { text: string; blocks: { type: string; fields?: { text: string }[] }[] };

describe("release correlation", () => {
  it("the rollout of a commit-tagged image names the pipeline execution and commit that built it", async () => {
    const repositoryName = uniqueName("release");
    const running = await pushImage(repositoryName, "1.0.0");
    // bake-seconds 0: the release settles (and is counted for DORA) on the next reconcile
    await createDeployment(namespace, "api", {
      image: running.pinned,
      annotations: { "rollout.coworking.dev/bake-seconds": "0" },
    });
    await afterNextPushSecond();
    const { executionId, commit } = run;
    const built = await pushImage(repositoryName, commit);

    // The pipeline's own outcome, then the rollout of the image it pushed.
    const pipelineEvents = composePipelineEvent({
      ...process.env,
      PIPELINES: PIPELINE,
      METRICS_SINK: "cloudwatch",
      SLACK_WEBHOOK_URL: functions.slack.url,
    });
    const pipelineResult = await handlePipelineEvent(run.succeeded(), pipelineEvents);
    expect(pipelineResult).toMatchObject({ outcome: "handled", event: "pipeline.succeeded" });
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
        `*Commit*\n${commit.slice(0, 7)} ${COMMIT_MESSAGE}`,
      ]),
    );
    expect(fields(rolloutMessage)).toEqual(
      expect.arrayContaining([
        `*Pipeline*\n${PIPELINE} execution ${executionId}`,
        `*Commit*\n${commit.slice(0, 12)} ${COMMIT_MESSAGE}`,
      ]),
    );
    const executionUrl = `https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/${PIPELINE}/executions/${executionId}/timeline?region=us-east-1`;
    expect(JSON.stringify(rolloutMessage)).toContain(`<${executionUrl}|Pipeline execution>`);

    const changeCause = (await readDeployment(namespace, "api")).metadata?.annotations?.[
      Annotation.changeCause
    ];
    expect(changeCause).toContain(`pipeline ${PIPELINE} execution ${executionId}`);
    expect(changeCause).toContain(`commit ${commit.slice(0, 12)}`);

    // LeadTimeForChanges: from the commit's creation (ArtifactRevision.created) to completion,
    // recorded once, when the release settles at the end of its bake window.
    const settled = await functions.reconcile();
    expect(settled.deployments).toContainEqual(expect.objectContaining({ name: "api", action: "settled" }));
    const deployment = { Deployment: `${result.deployments[0]?.cluster}/${namespace}/api` };
    expect(await metricStatistic("LeadTimeForChanges", "SampleCount", deployment)).toBe(1);
    const leadSeconds = await metricStatistic("LeadTimeForChanges", "Sum", deployment);
    const expected = (Date.now() - COMMIT_CREATED.getTime()) / 1000;
    expect(leadSeconds).toBeGreaterThan(expected - 120);
    expect(leadSeconds).toBeLessThanOrEqual(expected);
  });
});
