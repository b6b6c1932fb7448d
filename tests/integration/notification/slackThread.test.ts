// Release threads through the real client (@slack/web-api) against the FAKE Slack Web API, the bot
// token read from an SSM SecureString in moto, the records in a state table on moto's DynamoDB:
// one parent and its replies, the rate limit honoured through the notifier's one retry (within
// the invocation's deadline), errors classified, and the token never in an error or a log line.
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { Notifier } from "../../../functions/extension/notification/notifier.js";
import { createSinks } from "../../../functions/extension/notification/sinks.js";
import {
  classifySlackApiError,
  SlackApiError,
  WebChatApi,
} from "../../../functions/extension/notification/slackThread/slackApi.js";
import { SlackThreadSink } from "../../../functions/extension/notification/slackThread/threadSink.js";
import { ReleaseThreadTable } from "../../../functions/provider/dynamodb/releaseThreads.js";
import { SecureParameter } from "../../../functions/provider/ssm/secureParameter.js";
import { loadConfig } from "../../../functions/shared/config.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { ThrottledError } from "../../../functions/types/errors.js";
import type { MetricsRecorder } from "../../../functions/types/metricsRecorder.js";
import { type SlackWebApiFake, startSlackWebApiFake } from "../../fakes/slackWebApi.js";
import { harness } from "../../harness/env.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";
import {
  held,
  pipeline,
  rolled,
  started,
  succeeded,
} from "../../unit/extension/notification/slackThread/samples.js";

const { region } = harness();
const ssm = new SSMClient({ region });
let slack: SlackWebApiFake;
let tableName: string;

const metrics: MetricsRecorder = { add: () => undefined, flush: async () => undefined };
const logger = createLogger("slack-thread-integration");
logger.setLogLevel("SILENT");

// A table and a Slack of its own per test: a thread recorded in one would name a parent the
// other's Slack never saw.
beforeEach(async () => {
  tableName = await createStateTable("coworking-slack-thread-test");
  slack = await startSlackWebApiFake();
});
afterEach(async () => {
  await slack.close();
  await deleteStateTable(tableName);
});

async function secureToken(token: string): Promise<string> {
  const name = `/coworking/test/slack-bot-token-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await ssm.send(new PutParameterCommand({ Name: name, Type: "SecureString", Value: token }));
  return name;
}

function threadSink(
  api = new WebChatApi(async () => slack.token, { apiUrl: slack.url, requestTimeoutMs: 2_000 }),
) {
  return new SlackThreadSink({
    api,
    store: new ReleaseThreadTable(stateTableClient(), tableName),
    defaultChannel: "#deploys",
    links: { region: "us-east-1", dashboardName: "coworking-delivery-test" },
  });
}

describe("release threads through the Slack Web API (FAKE) and the state table (moto)", () => {
  it("posts one parent and a reply per step, the token read from SSM, the parent in its final state", async () => {
    const parameter = new SecureParameter(
      await secureToken(slack.token),
      new SSMProvider({ awsSdkV3Client: ssm }),
    );
    const sink = threadSink(
      new WebChatApi(() => parameter.value(), { apiUrl: slack.url, requestTimeoutMs: 2_000 }),
    );
    for (const step of [
      pipeline("STARTED"),
      held("approval"),
      started(),
      succeeded(),
      pipeline("SUCCEEDED"),
    ]) {
      await sink.send(step);
    }
    await sink.send(succeeded()); // a redelivery: nothing new
    const [thread, ...others] = slack.threads("#deploys");
    expect(others).toEqual([]);
    expect(thread?.replies.map((reply) => reply.text)).toEqual([
      "Pipeline coworking-analytics started: 9f8e7d6 Fix the daily usage query for empty days",
      expect.stringContaining("held for approval"),
      "coworking/analytics on prod/coworking/analytics: rolled out in 1m 20s",
      expect.stringContaining("now runs"),
      expect.stringContaining("Pipeline coworking-analytics succeeded"),
    ]);
    expect(thread?.parent.text).toBe(
      "analytics · 9f8e7d6 Fix the daily usage query for empty days · rollout · live on prod/coworking/analytics · 7m 25s",
    );
    const printed = slack.print("#deploys");
    expect(printed).toContain("[Roll back]");
    expect(printed).toContain("Pipeline execution  ·  Commit  ·  Image in ECR  ·  Dashboard");
    // Every call carried the token as a bearer, none in a body.
    expect(slack.calls.every((call) => !JSON.stringify(call.args).includes(slack.token))).toBe(true);

    // A rollback later in the bake window: a broadcast reply, the parent says so.
    await sink.send(rolled());
    const after = slack.threads("#deploys")[0];
    expect(after?.replies.at(-1)?.broadcast).toBe(true);
    expect(after?.parent.text).toContain("rolled back on prod/coworking/analytics");
  });

  it("honours a 429's Retry-After through the notifier's retry, within the deadline", async () => {
    slack.rateLimitNext("chat.postMessage", 1);
    const notifier = new Notifier([threadSink()], metrics, logger, {
      attempts: 3,
      timeoutMs: 3_000,
      baseDelayMs: 1,
      until: () => Date.now() + 30_000,
    });
    const began = Date.now();
    expect(await notifier.notify(pipeline("STARTED"))).toEqual({ delivered: ["slack"], failed: [] });
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    // The parent, refused with 429 once, then posted after the wait; then the reply.
    expect(slack.calls.filter((call) => call.method === "chat.postMessage")).toHaveLength(3);
    expect(slack.threads()).toHaveLength(1);
    expect(slack.threads()[0]?.replies).toHaveLength(1);
  });

  it("gives up at once when the Retry-After would pass the invocation's deadline", async () => {
    slack.rateLimitNext("chat.postMessage", 30);
    const notifier = new Notifier([threadSink()], metrics, logger, {
      attempts: 3,
      timeoutMs: 3_000,
      until: () => Date.now() + 2_000,
    });
    const began = Date.now();
    expect(await notifier.notify(pipeline("STARTED"))).toEqual({ delivered: [], failed: ["slack"] });
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it("classifies Slack's errors: rate limits and outages pass, a bad token or channel does not", async () => {
    const api = new WebChatApi(async () => slack.token, { apiUrl: slack.url, requestTimeoutMs: 2_000 });
    const post = () => api.postMessage({ channel: "#deploys", text: "t", blocks: [] });
    slack.rateLimitNext("chat.postMessage", 2);
    const limited = await post().catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ThrottledError);
    expect((limited as ThrottledError).retryAfterMs).toBe(2_000);
    slack.failNext("chat.postMessage", "channel_not_found");
    await expect(post()).rejects.toEqual(new SlackApiError("chat.postMessage", "channel_not_found"));
    slack.failNext("chat.postMessage", "msg_too_long");
    await expect(post()).rejects.toEqual(new SlackApiError("chat.postMessage", "msg_too_long"));
    slack.failNext("chat.postMessage", "internal_error");
    await expect(post()).rejects.not.toBeInstanceOf(SlackApiError);
    expect(
      classifySlackApiError("chat.update", {
        code: "slack_webapi_request_error",
        original: new Error("ECONNREFUSED"),
      }).name,
    ).toBe("UnreachableError");

    const wrong = "xoxb-1111111111-2222222222-WrongTokenWrongToken";
    const revoked = await new WebChatApi(async () => wrong, { apiUrl: slack.url, requestTimeoutMs: 2_000 })
      .postMessage({ channel: "#deploys", text: "t", blocks: [] })
      .catch((error: unknown) => error as Error);
    expect(revoked).toEqual(new SlackApiError("chat.postMessage", "invalid_auth"));
    expect(`${(revoked as Error).message} ${(revoked as Error).stack}`).not.toContain(wrong);
  });

  it("wires the thread sink from the configuration: local mode, the fake's URL, threads in memory", async () => {
    const config = loadConfig({
      AWS_REGION: region,
      KUBECONFIG: "/tmp/kubeconfig",
      SLACK_BOT_TOKEN: slack.token,
      SLACK_CHANNEL: "#deploys",
      SLACK_API_URL: slack.url,
    });
    const [sink] = createSinks(config.notification, { logger });
    await sink?.send(succeeded());
    await sink?.send(pipeline("SUCCEEDED"));
    expect(slack.threads()).toHaveLength(1);
    expect(slack.threads()[0]?.replies).toHaveLength(2);
  });
});
