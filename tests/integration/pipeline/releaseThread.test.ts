// One Slack thread per release, across functions: a pipeline run starts (onPipelineEvent), the
// image it builds is pushed and rolled out (onImagePush, on the harness's real apiserver), and the
// run succeeds. Slack is the FAKE Web API with a bot token; CodePipeline is the FAKE of
// tests/fakes; the thread records are in a state table on moto. Exactly one parent, a reply per
// step in the order they happened, and the parent's one line ends in the release's state.
import { handlePipelineEvent } from "../../../functions/handlers/onPipelineEvent/handler.js";
import { composePipelineEvent } from "../../../functions/handlers/onPipelineEvent/wiring.js";
import { type SlackWebApiFake, startSlackWebApiFake } from "../../fakes/slackWebApi.js";
import { PIPELINE } from "../../fixtures/codepipeline/events.js";
import { COMMIT_MESSAGE, commitUrlOf } from "../../fixtures/codepipeline/executions.js";
import { afterNextPushSecond } from "../../support/ecrImages.js";
import { type PipelineRun, startPipelineRun } from "../../support/pipelineRun.js";
import {
  createDeployment,
  deleteTestNamespaces,
  type LocalFunctions,
  localFunctions,
  pushEvent,
  pushImage,
  testNamespace,
  uniqueName,
} from "../rollout/support.js";

let run: PipelineRun;
let slack: SlackWebApiFake;
let functions: LocalFunctions;
let namespace: string;

/** The fixture event, happening now: its time and the execution's start. */
function now(event: Record<string, unknown>, startedSecondsAgo: number): Record<string, unknown> {
  const detail = event.detail as Record<string, unknown>;
  return {
    ...event,
    time: new Date().toISOString(),
    detail: { ...detail, "start-time": new Date(Date.now() - startedSecondsAgo * 1000).toISOString() },
  };
}

beforeAll(async () => {
  run = await startPipelineRun();
  slack = await startSlackWebApiFake();
  namespace = await testNamespace("thread");
  functions = await localFunctions([namespace], {
    PIPELINES: run.pipeline,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_CHANNEL: "#deploys",
    SLACK_API_URL: slack.url,
  });
});
afterAll(async () => {
  await deleteTestNamespaces();
  await functions?.close();
  await slack?.close();
  await run?.close();
});

describe("a release's Slack thread", () => {
  it("pipeline run → push → rollout → verdict: one parent, its replies, the final one-line state", async () => {
    const repositoryName = uniqueName("coworking/thread");
    const running = await pushImage(repositoryName, "1.0.0");
    await createDeployment(namespace, "api", { image: running.pinned });
    const pipelineEvents = composePipelineEvent({
      ...process.env,
      PIPELINES: PIPELINE,
      NOTIFY_PIPELINE_STARTED: "true",
      STATE_TABLE_NAME: functions.stateTable,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_CHANNEL: "#deploys",
      SLACK_API_URL: slack.url,
      POWERTOOLS_LOG_LEVEL: "ERROR",
    });

    expect(await handlePipelineEvent(now(run.started(), 60), pipelineEvents)).toMatchObject({
      outcome: "handled",
      event: "pipeline.started",
    });
    await afterNextPushSecond();
    const built = await pushImage(repositoryName, run.commit);
    const rollout = await functions.onImagePush(pushEvent(built));
    expect(rollout.deployments).toEqual([expect.objectContaining({ name: "api", outcome: "succeeded" })]);
    expect(await handlePipelineEvent(now(run.succeeded(), 60), pipelineEvents)).toMatchObject({
      outcome: "handled",
      event: "pipeline.succeeded",
    });
    // A redelivery of the rollout's event changes nothing in the thread.
    await functions.onImagePush(pushEvent(built));

    const threads = slack.threads("#deploys");
    expect(threads).toHaveLength(1);
    const [thread] = threads;
    const deployment = `${rollout.deployments[0]?.cluster}/${namespace}/api`;
    const service = repositoryName.slice(repositoryName.lastIndexOf("/") + 1);
    expect(thread?.replies.map((reply) => reply.text)).toEqual([
      `Pipeline ${PIPELINE} started: ${run.commit.slice(0, 7)} ${COMMIT_MESSAGE}`,
      // the rollout's own step: one reply, edited from "rolling out" to its end
      expect.stringMatching(new RegExp(`^${repositoryName} on .*/${namespace}/api: rolled out in `)),
      expect.stringMatching(new RegExp(`^api now runs ${service}:${run.commit}@\\w{12} in `)),
      expect.stringMatching(
        new RegExp(`^Pipeline ${PIPELINE} succeeded in [^:]+: ${run.commit.slice(0, 7)} `),
      ),
    ]);
    expect(thread?.parent.text).toMatch(
      new RegExp(
        `^${service} · ${run.commit.slice(0, 7)} ${COMMIT_MESSAGE} · rollout · live on ${deployment} · (\\d+m )?\\d+s$`,
      ),
    );
    expect(thread?.parent.edits).toBeGreaterThanOrEqual(2);
    // The parent links the commit its line names, and offers the rollback of what is now live.
    const printed = slack.print("#deploys");
    expect(JSON.stringify(thread?.parent.blocks)).toContain(`<${commitUrlOf(run.commit)}|Commit>`);
    expect(printed).toContain("[Roll back]");
    process.stdout.write(`\n${printed}\n`);
  });
});
