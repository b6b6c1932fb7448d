// The Slack app's settings (bot token, signing secret, default channel, Web API base): validated
// at cold start, secrets never echoed, the webhook's settings unchanged.
import { createSinks } from "../../../functions/extension/notification/sinks.js";
import { SlackSink } from "../../../functions/extension/notification/slack/slackSink.js";
import { SlackThreadSink } from "../../../functions/extension/notification/slackThread/threadSink.js";
import { loadConfig } from "../../../functions/shared/config.js";
import { redactText } from "../../../functions/shared/logger.js";
import { ConfigError } from "../../../functions/types/errors.js";

const lambdaEnv = {
  AWS_REGION: "eu-west-1",
  EKS_CLUSTERS: "prod",
  STATE_TABLE_NAME: "coworking-delivery-prod-state",
};
const TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx";
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5".replace(/y|z/g, "0");

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the Slack app's configuration", () => {
  it("reads the bot token from SSM (deployed) or the environment (local), with the default channel", () => {
    const deployed = loadConfig({
      ...lambdaEnv,
      SLACK_BOT_TOKEN_PARAMETER: "/coworking/prod/slack-bot-token",
      SLACK_SIGNING_SECRET_PARAMETER: "/coworking/prod/slack-signing-secret",
      SLACK_CHANNEL: "#deploys",
      DASHBOARD_NAME: "coworking-delivery-prod",
    }).notification;
    expect(deployed.slackApp).toEqual({
      token: { source: "ssm", parameterName: "/coworking/prod/slack-bot-token" },
      channel: "#deploys",
      apiUrl: "https://slack.com/api/",
      stateTableName: "coworking-delivery-prod-state",
      region: "eu-west-1",
      dashboardName: "coworking-delivery-prod",
    });
    expect(deployed.slackSigningSecret).toEqual({
      source: "ssm",
      parameterName: "/coworking/prod/slack-signing-secret",
    });
    const local = loadConfig({
      AWS_REGION: "us-east-1",
      KUBECONFIG: "/tmp/kubeconfig",
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_CHANNEL: "C0123ABCD",
      SLACK_API_URL: "http://127.0.0.1:4000/api",
    }).notification;
    expect(local.slackApp).toMatchObject({
      token: { source: "env", value: TOKEN },
      channel: "C0123ABCD",
      apiUrl: "http://127.0.0.1:4000/api/",
      stateTableName: undefined,
    });
    expect(local.slackSigningSecret).toEqual({ source: "env", value: SECRET });
  });

  it("names every bad variable and never echoes a secret", () => {
    const message = problem({
      ...lambdaEnv,
      SLACK_BOT_TOKEN: "xoxp-a-user-token-not-a-bot-one",
      SLACK_SIGNING_SECRET: "not-a-secret-but-secret-looking-value",
      SLACK_CHANNEL: "deploys",
    });
    expect(message).toContain("SLACK_BOT_TOKEN must be a Slack bot token (xoxb-…)");
    expect(message).toContain("SLACK_SIGNING_SECRET must be a Slack signing secret (32 hex digits)");
    expect(message).toContain("SLACK_CHANNEL must be a Slack channel id (C0123ABCD) or #channel-name");
    expect(message).not.toContain("xoxp-a-user");
    expect(message).not.toContain("secret-looking");
  });

  it("requires the default channel", () => {
    expect(problem({ ...lambdaEnv, SLACK_BOT_TOKEN_PARAMETER: "/p" })).toContain(
      "SLACK_CHANNEL is required with a Slack bot token",
    );
    // A function without the state table (the weekly digest) posts no release step: no threads to keep.
    const { STATE_TABLE_NAME: _table, ...withoutTable } = lambdaEnv;
    expect(
      loadConfig({ ...withoutTable, SLACK_BOT_TOKEN_PARAMETER: "/p", SLACK_CHANNEL: "#deploys" }).notification
        .slackApp?.stateTableName,
    ).toBeUndefined();
  });

  it("takes a secret from one place only", () => {
    expect(
      problem({ ...lambdaEnv, SLACK_BOT_TOKEN_PARAMETER: "/p", SLACK_BOT_TOKEN: TOKEN, SLACK_CHANNEL: "#d" }),
    ).toContain("SLACK_BOT_TOKEN cannot be set together with SLACK_BOT_TOKEN_PARAMETER");
    expect(
      problem({ ...lambdaEnv, SLACK_SIGNING_SECRET_PARAMETER: "/p", SLACK_SIGNING_SECRET: SECRET }),
    ).toContain("SLACK_SIGNING_SECRET cannot be set together with SLACK_SIGNING_SECRET_PARAMETER");
  });

  it("uses the Web API and threads with a bot token, the webhook without one", () => {
    const sinks = (env: Record<string, string>) =>
      createSinks(loadConfig({ ...lambdaEnv, ...env }).notification);
    const withBoth = sinks({
      SLACK_WEBHOOK_PARAMETER: "/coworking/slack-webhook",
      SLACK_BOT_TOKEN_PARAMETER: "/coworking/prod/slack-bot-token",
      SLACK_CHANNEL: "#deploys",
    });
    expect(withBoth.map((sink) => sink.name)).toEqual(["slack"]);
    expect(withBoth[0]).toBeInstanceOf(SlackThreadSink);
    // A thread attempt makes several calls: it gets more time than one request.
    expect(withBoth[0]?.attemptTimeoutMs).toBe(12_000);
    const webhookOnly = sinks({
      SLACK_WEBHOOK_PARAMETER: "/coworking/slack-webhook",
      SLACK_CHANNEL: "#deploys",
    });
    expect(webhookOnly[0]).toBeInstanceOf(SlackSink);
    expect(webhookOnly[0]?.attemptTimeoutMs).toBeUndefined();
  });

  it("keeps Slack tokens out of the logs", () => {
    expect(redactText(`chat.postMessage with ${TOKEN} failed`)).toBe(
      "chat.postMessage with [redacted] failed",
    );
    expect(redactText("rotating xoxe.xoxb-1-abc and app xapp-1-A0-123")).toBe(
      "rotating [redacted] and app [redacted]",
    );
  });
});
