// The sink used when neither Slack nor SNS is configured (docs/local.md, "Local mode").
import type { Notification, NotificationSink } from "../../../types/notification.js";
import { renderConsole } from "./renderConsole.js";

export class ConsoleSink implements NotificationSink {
  readonly name = "console";

  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(text)) {}

  async send(notification: Notification): Promise<void> {
    this.write(renderConsole(notification));
  }
}
