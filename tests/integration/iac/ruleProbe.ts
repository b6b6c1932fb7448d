// Tells whether an EventBridge rule pattern matches an event, using the emulator's own matching:
// the pattern becomes a real rule on moto's default bus with an SQS queue as its target, the event
// is put on the bus, and it matched when it arrives in the queue. (moto does not implement
// TestEventPattern; its PutEvents routing is the same pattern engine its rules use, and it routes
// synchronously, so an event that is not in the queue right after PutEvents did not match.)
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { Harness } from "../../harness/env.js";

/** An EventBridge event as AWS documents it (the fields PutEvents can set, plus the rest). */
export interface BusEvent {
  source: string;
  "detail-type": string;
  detail: Record<string, unknown>;
  resources?: string[];
  time?: string;
}

export class RuleProbe {
  private constructor(
    private readonly events: EventBridgeClient,
    private readonly sqs: SQSClient,
    private readonly rule: string,
    private readonly queueUrl: string,
  ) {}

  static async create(h: Harness, pattern: unknown): Promise<RuleProbe> {
    const config = {
      endpoint: h.awsEndpoint,
      region: h.region,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    };
    const events = new EventBridgeClient(config);
    const sqs = new SQSClient(config);
    const name = `iac-probe-${randomUUID().slice(0, 8)}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error("the emulator created no queue");
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
    await events.send(
      new PutTargetsCommand({ Rule: name, Targets: [{ Id: "probe", Arn: Attributes?.QueueArn }] }),
    );
    return new RuleProbe(events, sqs, name, QueueUrl);
  }

  /** True when the rule routed the event (its detail arrives intact); false when it did not. */
  async matches(event: BusEvent): Promise<boolean> {
    const put = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: event.source,
            DetailType: event["detail-type"],
            Detail: JSON.stringify(event.detail),
            Resources: event.resources ?? [],
            ...(event.time ? { Time: new Date(event.time) } : {}),
          },
        ],
      }),
    );
    if (put.FailedEntryCount !== 0)
      throw new Error(`PutEvents refused the event: ${JSON.stringify(put.Entries)}`);
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length > 0) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    if (Messages.length > 1) throw new Error(`one event was delivered ${Messages.length} times`);
    const [message] = Messages;
    if (!message) return false;
    const delivered = JSON.parse(message.Body ?? "{}") as BusEvent;
    if (!isDeepStrictEqual(delivered.detail, event.detail)) {
      throw new Error(`the queue received another event: ${message.Body}`);
    }
    return true;
  }

  async close(): Promise<void> {
    await this.events.send(new RemoveTargetsCommand({ Rule: this.rule, Ids: ["probe"] }));
    await this.events.send(new DeleteRuleCommand({ Name: this.rule }));
    await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }));
    this.events.destroy();
    this.sqs.destroy();
  }
}
