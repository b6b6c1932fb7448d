// SlackSink against the fake Slack receiver, with the webhook URL read from an SSM SecureString
// in moto through the cached parameter helper, as in Lambda.

import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { SlackSink } from "../../../functions/extension/notification/slack/slackSink.js";
import { SecureParameter } from "../../../functions/provider/ssm/secureParameter.js";
import { ConfigError, TransientError, UnreachableError } from "../../../functions/types/errors.js";
import { type SlackReceiver, startSlackReceiver } from "../../fakes/slackReceiver.js";
import { rolledBack } from "../../fixtures/notifications.js";
import { harness } from "../../harness/env.js";

const { region } = harness();
const ssm = new SSMClient({ region });
let receiver: SlackReceiver;

beforeEach(async () => {
  receiver = await startSlackReceiver();
});
afterEach(async () => {
  await receiver.close();
});

async function secureWebhook(url: string): Promise<string> {
  const name = `/coworking/test/slack-webhook-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await ssm.send(new PutParameterCommand({ Name: name, Type: "SecureString", Value: url }));
  return name;
}

describe("SlackSink (fake Slack receiver, webhook in SSM)", () => {
  it("posts the rendered blocks to the webhook read from the SecureString", async () => {
    const parameter = new SecureParameter(
      await secureWebhook(receiver.url),
      new SSMProvider({ awsSdkV3Client: ssm }),
    );
    await new SlackSink(() => parameter.value()).send(rolledBack);

    expect(receiver.received).toHaveLength(1);
    const message = receiver.received[0];
    expect(message?.path).toBe("/services/T0000TEST/B0000TEST/fakeWebhookSecret");
    expect(message?.contentType).toBe("application/json");
    const payload = message?.payload as {
      text: string;
      blocks: { type: string; fields?: { text: string }[] }[];
    };
    expect(payload.text).toBe("analytics rolled back: 1.2.0 → 1.1.0 (ProgressDeadlineExceeded)");
    expect(payload.blocks.map((block) => block.type)).toEqual([
      "header",
      "section",
      "section",
      "context",
      "context",
    ]);
    expect(payload.blocks[1]?.fields?.map((field) => field.text)).toEqual([
      "*Deployment*\nprod/coworking/analytics",
      "*Image*\n1.1.0 → 1.2.0 (sha256:4f2a91c0)",
      "*Why*\nECR push of analytics:1.2.0",
      "*Outcome*\nrolled back to 1.1.0; digest quarantined",
      "*Duration*\n2m 10s",
    ]);
  });

  it("classifies a 500 as transient and a 404 (revoked hook) as permanent", async () => {
    const sink = new SlackSink(async () => receiver.url);
    receiver.failNext(1, 500);
    await expect(sink.send(rolledBack)).rejects.toBeInstanceOf(TransientError);
    receiver.failNext(1, 404, "no_service");
    const revoked = sink.send(rolledBack);
    await expect(revoked).rejects.toThrow("slack webhook answered 404 no_service");
    await expect(revoked).rejects.not.toBeInstanceOf(TransientError);
    expect(receiver.received).toHaveLength(0);
  });
});

describe("SlackSink request timeout (fake receiver that never answers)", () => {
  it("aborts a hung request after its timeout instead of leaving it open", async () => {
    receiver.hangNext(1);
    const started = Date.now();
    const failure = new SlackSink(async () => receiver.url, 300).send(rolledBack);
    await expect(failure).rejects.toBeInstanceOf(UnreachableError);
    await expect(failure).rejects.toThrow(/slack webhook unreachable/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(receiver.requests).toBe(1);
  });
});

describe("SecureParameter (moto SSM)", () => {
  it("decrypts once and serves warm reads from its cache", async () => {
    const name = await secureWebhook("https://hooks.slack.com/services/T1/B1/first");
    const parameter = new SecureParameter(name, new SSMProvider({ awsSdkV3Client: ssm }), 300);
    expect(await parameter.value()).toBe("https://hooks.slack.com/services/T1/B1/first");
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Type: "SecureString",
        Value: "https://hooks.slack.com/services/T1/B1/rotated",
        Overwrite: true,
      }),
    );
    // Within maxAge the cached value is served: no SSM call per notification.
    expect(await parameter.value()).toBe("https://hooks.slack.com/services/T1/B1/first");
    const fresh = new SecureParameter(name, new SSMProvider({ awsSdkV3Client: ssm }), 300);
    expect(await fresh.value()).toBe("https://hooks.slack.com/services/T1/B1/rotated");
  });

  it("names the parameter when it does not exist", async () => {
    const parameter = new SecureParameter("/coworking/test/absent", new SSMProvider({ awsSdkV3Client: ssm }));
    const failure = parameter.value();
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow("SSM parameter /coworking/test/absent does not exist");
  });
});
