// Which sinks the configuration selects (construction only; nothing is sent).
import { createSinks } from "../../../../functions/extension/notification/sinks.js";
import { loadConfig } from "../../../../functions/shared/config.js";

const base = { AWS_REGION: "us-east-1", KUBECONFIG: "/tmp/kubeconfig" };
const sinkNames = (env: Record<string, string>) =>
  createSinks(loadConfig({ ...base, ...env }).notification).map((sink) => sink.name);

describe("createSinks", () => {
  it("falls back to the console when neither Slack nor SNS is configured", () => {
    expect(sinkNames({})).toEqual(["console"]);
  });

  it("uses Slack (SSM or local URL) and SNS when configured, and no console then", () => {
    expect(sinkNames({ SLACK_WEBHOOK_PARAMETER: "/coworking/slack-webhook" })).toEqual(["slack"]);
    expect(sinkNames({ SLACK_WEBHOOK_URL: "http://127.0.0.1:9/hook" })).toEqual(["slack"]);
    expect(sinkNames({ SNS_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:coworking" })).toEqual(["sns"]);
    expect(
      sinkNames({
        SLACK_WEBHOOK_PARAMETER: "/coworking/slack-webhook",
        SNS_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:coworking",
      }),
    ).toEqual(["slack", "sns"]);
  });
});
