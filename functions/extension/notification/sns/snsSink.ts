// SNS Publish to the delivery topic (email, chat relays, anything that subscribes).
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { toDeliveryError } from "../../../provider/aws/awsErrors.js";
import type { Notification, NotificationSink } from "../../../types/notification.js";
import { renderSns } from "./renderSns.js";

export class SnsSink implements NotificationSink {
  readonly name = "sns";

  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async send(notification: Notification): Promise<void> {
    const message = renderSns(notification);
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: message.subject,
          Message: message.body,
          MessageAttributes: message.attributes,
        }),
      );
    } catch (error) {
      throw toDeliveryError(error, `sns:Publish on ${this.topicArn}`);
    }
  }
}
