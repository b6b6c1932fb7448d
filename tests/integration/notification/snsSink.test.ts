// SnsSink against moto: publish to a topic with an SQS queue subscribed, read the envelope back
// and assert subject, body and message attributes as subscribers would see them.
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { SnsSink } from "../../../functions/extension/notification/sns/snsSink.js";
import { PermissionDeniedError } from "../../../functions/types/errors.js";
import { rolledBack } from "../../fixtures/notifications.js";
import { harness } from "../../harness/env.js";

const { region } = harness();
const sns = new SNSClient({ region });
const sqs = new SQSClient({ region });

async function topicWithQueue(name: string): Promise<{ topicArn: string; queueUrl: string }> {
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }));
  if (!topicArn || !queueUrl) throw new Error("moto did not create the topic or queue");
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: Attributes?.QueueArn }),
  );
  return { topicArn, queueUrl };
}

describe("SnsSink (moto SNS → SQS)", () => {
  it("publishes the subject, plain-text body and event/severity/deployment attributes", async () => {
    const { topicArn, queueUrl } = await topicWithQueue(`coworking-sns-${Date.now()}`);
    await new SnsSink(sns, topicArn).send(rolledBack);

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    expect(Messages).toHaveLength(1);
    const envelope = JSON.parse(Messages[0]?.Body ?? "{}");
    expect(envelope).toMatchObject({
      Type: "Notification",
      TopicArn: topicArn,
      Subject: "analytics rolled back: 1.2.0 -> 1.1.0 (ProgressDeadlineExceeded)",
      MessageAttributes: {
        event: { Type: "String", Value: "rollout.rolled_back" },
        severity: { Type: "String", Value: "critical" },
        deployment: { Type: "String", Value: "prod/coworking/analytics" },
      },
    });
    expect(envelope.Message).toContain("Deployment: prod/coworking/analytics");
    expect(envelope.Message).toContain("Outcome: rolled back to 1.1.0; digest quarantined");
    expect(envelope.Message).toContain("ReplicaSet analytics-7d9 has timed out progressing.");
  });

  it("fails with a typed error naming the topic when it does not exist", async () => {
    const missing = `arn:aws:sns:${region}:${harness().accountId}:coworking-missing-${Date.now()}`;
    const failure = new SnsSink(sns, missing).send(rolledBack);
    await expect(failure).rejects.toThrow();
    await failure.catch((error: unknown) => {
      // moto answers NotFound (a client error): not retryable, not a permission problem.
      expect(error).not.toBeInstanceOf(PermissionDeniedError);
      expect((error as Error).name).toMatch(/NotFound/);
    });
  });
});
