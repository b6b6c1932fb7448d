// onPipelineEvent end to end, through its real composition root: CodePipeline's API is the local
// FAKE (tests/fakes/codePipelineApi.ts), CloudWatch metrics and the idempotency records (a state
// table with the stage's schema) go to the moto emulator, Slack messages to the fake Slack
// receiver. Events are the documented shapes in tests/fixtures/codepipeline, delivered with
// duplicates and out of order, as EventBridge may.
import { createHash, randomUUID } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { handlePipelineEvent } from "../../../functions/handlers/onPipelineEvent/handler.js";
import { composePipelineEvent } from "../../../functions/handlers/onPipelineEvent/wiring.js";
import { type CodePipelineFake, startCodePipelineFake } from "../../fakes/codePipelineApi.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import { codePipelineEvent, type EventFixture } from "../../fixtures/codepipeline/events.js";
import { BUILD_ERROR, BUILD_URL, COMMIT_URL, execution } from "../../fixtures/codepipeline/executions.js";
import { harness } from "../../harness/env.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";
import { metricStatistic } from "./cloudWatchReadBack.js";

const { region } = harness();
let codePipeline: CodePipelineFake;
let slack: SlackReceiver;
let stateTable: string;

beforeAll(async () => {
  codePipeline = await startCodePipelineFake({ pageSize: 2 });
  // The SDK reads the service-specific endpoint from the environment, as it would in Lambda.
  process.env.AWS_ENDPOINT_URL_CODEPIPELINE = codePipeline.url;
  stateTable = await createStateTable("coworking-pipeline-test");
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_CODEPIPELINE;
  await codePipeline.close();
  if (stateTable) await deleteStateTable(stateTable);
});
beforeEach(async () => {
  slack = await startSlackReceiver();
});
afterEach(async () => {
  await slack.close();
});

/** A pipeline of its own per test, so that metrics and outcome keys in the emulator never mix. */
function scenario(options: { notifyStarted?: boolean } = {}) {
  const pipeline = `coworking-analytics-${randomUUID().slice(0, 8)}`;
  const executionId = randomUUID();
  const deps = composePipelineEvent({
    ...process.env,
    PIPELINES: pipeline,
    NOTIFY_PIPELINE_STARTED: String(options.notifyStarted ?? false),
    METRICS_SINK: "cloudwatch",
    SLACK_WEBHOOK_URL: slack.url,
    STATE_TABLE_NAME: stateTable,
  });
  const deliver = (
    fixture: EventFixture,
    change: { attempt?: number; executionId?: string; id?: string } = {},
  ) => handlePipelineEvent(codePipelineEvent(fixture, { pipeline, executionId, ...change }), deps);
  const consoleUrl = `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline}/executions/${executionId}/timeline?region=${region}`;
  return { pipeline, executionId, deliver, consoleUrl };
}

type SlackPayload = {
  text: string;
  blocks: { type: string; fields?: { text: string }[]; text?: { text: string } }[];
};

function messages(): SlackPayload[] {
  return slack.received.map((message) => message.payload as SlackPayload);
}

const fieldsOf = (payload: SlackPayload | undefined) =>
  payload?.blocks.flatMap((block) => block.fields?.map((field) => field.text) ?? []);

const contextOf = (payload: SlackPayload | undefined) =>
  payload?.blocks.filter((block) => block.type === "context").map((block) => JSON.stringify(block));

describe("onPipelineEvent", () => {
  it("start → success: one message with commit, duration and links, one duration data point", async () => {
    const { pipeline, executionId, deliver, consoleUrl } = scenario();
    codePipeline.put(execution("InProgress", { pipeline, executionId }));
    expect(await deliver("pipeline-started")).toEqual({
      outcome: "ignored",
      reason: "started notifications are off",
      eventId: expect.any(String),
    });

    codePipeline.put(execution("Succeeded", { pipeline, executionId }));
    // The outcome twice at once (at-least-once delivery), then late and partial events. Of the
    // two at once, one reports; the other either arrives while it does (ignored) or after it
    // (the stored result).
    const id = randomUUID();
    const [one, two] = await Promise.all([
      deliver("pipeline-succeeded", { id }),
      deliver("pipeline-succeeded", { id }),
    ]);
    const reported = { outcome: "handled", eventId: id, event: "pipeline.succeeded", metrics: 1 };
    const [first, second] =
      one?.outcome === "handled" && two?.outcome === "ignored" ? [one, two] : [two, one];
    expect(first).toEqual({ ...reported, delivered: ["slack"], failed: [] });
    expect([
      first,
      {
        outcome: "ignored",
        reason: `duplicate delivery: ${pipeline}/${executionId}/SUCCEEDED/1 is being handled by another invocation`,
        eventId: id,
      },
    ]).toContainEqual(second);
    expect(await deliver("pipeline-started")).toMatchObject({ outcome: "ignored" });
    expect(await deliver("action-build-succeeded")).toMatchObject({ outcome: "ignored" });
    expect(await deliver("pipeline-succeeded", { id })).toEqual(first);

    expect(messages()).toHaveLength(1);
    const [message] = messages();
    expect(message?.text).toBe(
      `Pipeline ${pipeline} succeeded in 7m 25s: 9f8e7d6 Fix the daily usage query for empty days`,
    );
    expect(fieldsOf(message)).toEqual([
      `*Pipeline*\n${pipeline}`,
      `*Execution*\n${executionId}`,
      "*Commit*\n9f8e7d6 Fix the daily usage query for empty days",
      "*Trigger*\nWebhook",
      "*Duration*\n7m 25s",
    ]);
    expect(contextOf(message)?.[0]).toContain(`<${consoleUrl}|Execution>`);
    expect(contextOf(message)?.[0]).toContain(`<${COMMIT_URL}|Commit>`);

    expect(await metricStatistic("PipelineDuration", "SampleCount", { Pipeline: pipeline })).toBe(1);
    expect(await metricStatistic("PipelineDuration", "Sum", { Pipeline: pipeline })).toBe(445);
    expect(
      await metricStatistic("PipelineFailures", "Sum", { Pipeline: pipeline, Stage: "Build" }),
    ).toBeUndefined();
  });

  it("a duplicate is handled once: the later delivery returns the first result and sends nothing; another outcome is handled", async () => {
    const { pipeline, executionId, deliver } = scenario();
    const otherExecution = randomUUID();
    codePipeline.put(execution("Succeeded", { pipeline, executionId }));
    codePipeline.put(execution("Succeeded", { pipeline, executionId: otherExecution }));

    const id = randomUUID();
    const first = await deliver("pipeline-succeeded", { id });
    expect(first).toEqual({
      outcome: "handled",
      eventId: id,
      event: "pipeline.succeeded",
      metrics: 1,
      delivered: ["slack"],
      failed: [],
    });
    expect(messages()).toHaveLength(1);
    // EventBridge's redelivery (the same event id): the first result, nothing sent.
    expect(await deliver("pipeline-succeeded", { id })).toEqual(first);
    // The same outcome in an event of its own id is the same outcome: nothing sent either.
    const again = randomUUID();
    expect(await deliver("pipeline-succeeded", { id: again })).toEqual({ ...first, eventId: again });
    expect(messages()).toHaveLength(1);

    // Another execution's outcome is handled.
    expect(await deliver("pipeline-succeeded", { executionId: otherExecution })).toMatchObject({
      outcome: "handled",
      event: "pipeline.succeeded",
    });
    expect(messages()).toHaveLength(2);
    expect(messages()[1]?.blocks.flatMap((block) => block.fields?.map((f) => f.text) ?? [])).toContain(
      `*Execution*\n${otherExecution}`,
    );
    expect(await metricStatistic("PipelineDuration", "SampleCount", { Pipeline: pipeline })).toBe(2);

    // The first outcome's record: in the function's own partition, under its outcome key.
    const hash = createHash("md5")
      .update(JSON.stringify(`${pipeline}/${executionId}/SUCCEEDED/1`))
      .digest("base64");
    const { Item } = await stateTableClient().send(
      new GetItemCommand({
        TableName: stateTable,
        Key: { pk: { S: "idempotency#onPipelineEvent" }, sk: { S: `onPipelineEvent#${hash}` } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.status).toEqual({ S: "COMPLETED" });
    expect(Item?.data?.M?.event).toEqual({ S: "pipeline.succeeded" });
  });

  it("start → failure in Build: one message naming stage, action, error and logs; one failure counted", async () => {
    const { pipeline, executionId, deliver, consoleUrl } = scenario();
    codePipeline.put(execution("Failed", { pipeline, executionId }));
    // Reordered: the pipeline-level FAILED overtakes its action and stage events, and repeats.
    const id = randomUUID();
    const first = await deliver("pipeline-failed", { id });
    expect(first).toMatchObject({ outcome: "handled", event: "pipeline.failed", metrics: 1 });
    for (const fixture of ["action-build-failed", "stage-build-failed", "pipeline-started"] as const) {
      expect(await deliver(fixture)).toMatchObject({ outcome: "ignored" });
    }
    expect(await deliver("pipeline-failed", { id })).toEqual(first);

    expect(messages()).toHaveLength(1);
    const [message] = messages();
    expect(message?.text).toBe(
      `Pipeline ${pipeline} failed in Build/BuildImage: 9f8e7d6 Fix the daily usage query for empty days`,
    );
    expect(fieldsOf(message)).toEqual([
      `*Pipeline*\n${pipeline}`,
      `*Execution*\n${executionId}`,
      "*Commit*\n9f8e7d6 Fix the daily usage query for empty days",
      "*Trigger*\nWebhook",
      "*Failed stage*\nBuild",
      "*Failed action*\nBuildImage",
      "*Error*\nJobFailed",
      "*Duration*\n3m 15s",
    ]);
    expect(message?.blocks.find((block) => block.text?.text.startsWith(">"))?.text?.text).toBe(
      `>${BUILD_ERROR}`,
    );
    expect(contextOf(message)?.[0]).toContain(`<${consoleUrl}|Execution>`);
    expect(contextOf(message)?.[0]).toContain(`<${BUILD_URL.replaceAll("&", "&amp;")}|BuildImage logs>`);

    expect(await metricStatistic("PipelineFailures", "Sum", { Pipeline: pipeline, Stage: "Build" })).toBe(1);
    expect(
      await metricStatistic("PipelineFailures", "SampleCount", { Pipeline: pipeline, Stage: "Build" }),
    ).toBe(1);
    expect(await metricStatistic("PipelineDuration", "SampleCount", { Pipeline: pipeline })).toBeUndefined();
  });

  it("a retried execution: the stale FAILED is dropped, the retry's success is reported", async () => {
    const { pipeline, executionId, deliver } = scenario();
    codePipeline.put(execution("Failed", { pipeline, executionId }));
    expect(await deliver("pipeline-failed")).toMatchObject({ outcome: "handled" });
    // Someone retries the failed stage: the execution is in progress again (attempt 2).
    codePipeline.update(pipeline, executionId, { status: "InProgress" });
    expect(await deliver("pipeline-failed")).toEqual({
      outcome: "ignored",
      reason: "stale FAILED event: the execution is now InProgress",
      eventId: expect.any(String),
    });
    codePipeline.update(pipeline, executionId, { status: "Succeeded" });
    expect(await deliver("pipeline-succeeded", { attempt: 2 })).toMatchObject({ outcome: "handled" });

    expect(messages().map((message) => message.text.split(":")[0])).toEqual([
      `Pipeline ${pipeline} failed in Build/BuildImage`,
      `Pipeline ${pipeline} succeeded in 3m 15s`,
    ]);
    expect(await metricStatistic("PipelineFailures", "Sum", { Pipeline: pipeline, Stage: "Build" })).toBe(1);
    expect(await metricStatistic("PipelineDuration", "SampleCount", { Pipeline: pipeline })).toBe(1);
  });

  it("superseded: nothing is sent and nothing counted", async () => {
    const { pipeline, executionId, deliver } = scenario();
    codePipeline.put(execution("Superseded", { pipeline, executionId }));
    const callsBefore = codePipeline.calls.length;
    expect(await deliver("pipeline-superseded")).toEqual({
      outcome: "ignored",
      reason: "superseded by a newer execution, which reports the outcome",
      eventId: expect.any(String),
    });
    expect(await deliver("pipeline-superseded")).toMatchObject({ outcome: "ignored" });
    expect(codePipeline.calls.length).toBe(callsBefore);
    expect(messages()).toEqual([]);
    expect(await metricStatistic("PipelineDuration", "SampleCount", { Pipeline: pipeline })).toBeUndefined();
  });

  it("stopped: one warning naming who stopped it and why, no metric, duplicates dropped", async () => {
    const { pipeline, executionId, deliver } = scenario();
    codePipeline.put(execution("Stopped", { pipeline, executionId }));
    const id = randomUUID();
    const first = await deliver("pipeline-stopped", { id });
    expect(first).toMatchObject({ outcome: "handled", event: "pipeline.stopped", metrics: 0 });
    expect(await deliver("pipeline-stopped", { id })).toEqual(first);
    expect(messages()).toHaveLength(1);
    const [message] = messages();
    expect(message?.text).toBe(
      `Pipeline ${pipeline} was stopped: 9f8e7d6 Fix the daily usage query for empty days`,
    );
    expect(message?.blocks.find((block) => block.text?.text.startsWith(">"))?.text?.text).toBe(
      ">Stopped by arn:aws:iam::123456789012:user/dana: hotfix first",
    );
  });

  it("started notifications, when switched on, are sent once per execution", async () => {
    const { pipeline, executionId, deliver } = scenario({ notifyStarted: true });
    codePipeline.put(execution("InProgress", { pipeline, executionId }));
    const id = randomUUID();
    const first = await deliver("pipeline-started", { id });
    expect(first).toMatchObject({ outcome: "handled", event: "pipeline.started" });
    expect(await deliver("pipeline-started", { id })).toEqual(first);
    expect(messages().map((message) => message.text)).toEqual([
      `Pipeline ${pipeline} started: 9f8e7d6 Fix the daily usage query for empty days`,
    ]);
  });

  it("other pipelines are ignored without calling CodePipeline; malformed events are rejected", async () => {
    const { deliver } = scenario();
    const deps = composePipelineEvent({
      ...process.env,
      PIPELINES: "coworking-analytics",
      METRICS_SINK: "cloudwatch",
      SLACK_WEBHOOK_URL: slack.url,
    });
    const callsBefore = codePipeline.calls.length;
    const foreign = codePipelineEvent("pipeline-failed", { pipeline: "someone-elses" });
    expect(await handlePipelineEvent(foreign, deps)).toMatchObject({
      outcome: "ignored",
      reason: expect.stringContaining("pipeline someone-elses is not configured"),
    });
    const malformed = codePipelineEvent("pipeline-failed");
    delete malformed.detail["execution-id"];
    expect(await handlePipelineEvent(malformed, deps)).toMatchObject({
      outcome: "rejected",
      reason: expect.stringContaining("detail.execution-id"),
      field: "detail.execution-id",
    });
    expect(await deliver("pipeline-failed")).toEqual({
      outcome: "ignored",
      reason: expect.stringContaining("CodePipeline does not know execution"),
      eventId: expect.any(String),
    });
    expect(codePipeline.calls.length).toBe(callsBefore + 2);
    expect(messages()).toEqual([]);
  });
});

describe("onPipelineEvent when recording the metrics fails", () => {
  it("releases the outcome's key and throws, so that EventBridge's retry reports the outcome in full", async () => {
    const { pipeline, executionId, deliver } = scenario();
    codePipeline.put(execution("Failed", { pipeline, executionId }));
    // CloudWatch unreachable while the first delivery is handled.
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = "http://127.0.0.1:9";
    try {
      const broken = composePipelineEvent({
        ...process.env,
        PIPELINES: pipeline,
        METRICS_SINK: "cloudwatch",
        SLACK_WEBHOOK_URL: slack.url,
        STATE_TABLE_NAME: stateTable,
      });
      await expect(
        handlePipelineEvent(codePipelineEvent("pipeline-failed", { pipeline, executionId }), broken),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
    }
    expect(messages()).toEqual([]);

    // The retry, with CloudWatch back.
    expect(await deliver("pipeline-failed")).toMatchObject({ outcome: "handled", event: "pipeline.failed" });
    expect(messages()).toHaveLength(1);
    expect(
      await metricStatistic("PipelineFailures", "SampleCount", { Pipeline: pipeline, Stage: "Build" }),
    ).toBe(1);
  });
});
