// Slack incoming webhook (@slack/webhook). The URL is a secret: it comes from an SSM
// SecureString (or SLACK_WEBHOOK_URL in local mode) and is never logged or put in an error.
import { IncomingWebhook } from "@slack/webhook";
import { TransientError, UnreachableError } from "../../../types/errors.js";
import type { Notification, NotificationSink } from "../../../types/notification.js";
import { renderSlack } from "./renderSlack.js";

export class SlackSink implements NotificationSink {
  readonly name = "slack";

  constructor(
    private readonly webhookUrl: () => Promise<string>,
    /** Aborts the HTTP request itself; the notifier's per-attempt timeout only stops waiting. */
    private readonly requestTimeoutMs = 0,
  ) {}

  async send(notification: Notification): Promise<void> {
    const webhook = new IncomingWebhook(await this.webhookUrl(), { timeout: this.requestTimeoutMs });
    try {
      await webhook.send(renderSlack(notification));
    } catch (error) {
      throw classifySlackError(error);
    }
  }
}

interface SlackWebhookFailure {
  code?: string;
  statusCode?: number;
  body?: string;
}

/** 429/5xx and connection failures can pass; other 4xx (revoked hook, bad blocks) will not. */
export function classifySlackError(error: unknown): Error {
  const { code, statusCode, body } = (error ?? {}) as SlackWebhookFailure;
  if (code === "slack_webhook_request_error") {
    const reason =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : "request failed";
    return new UnreachableError(`slack webhook unreachable: ${reason}`, { cause: error });
  }
  if (code === "slack_webhook_http_error" && statusCode !== undefined) {
    const message = `slack webhook answered ${statusCode}${body ? ` ${body.slice(0, 200)}` : ""}`;
    return statusCode === 429 || statusCode >= 500 ? new TransientError(message) : new Error(message);
  }
  return error instanceof Error ? error : new Error(String(error));
}
