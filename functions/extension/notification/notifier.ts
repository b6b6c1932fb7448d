// Fans one Notification out to every configured sink (or the ones named), concurrently. Each
// sink gets bounded retries and a timeout per attempt, so the worst case is known in advance; a
// sink that still fails is logged and counted (NotificationFailures, dimension Sink) and never
// throws to the caller: a notification problem must not fail or stall a rollout. The outcome
// says which sinks took the message and which did not, so a caller that records delivery (a
// release's terminal notification, on its ledger record) can send it again to those that did not.
// It implements the core's NotificationPublisher port (types/notification.ts).
import type { Logger } from "../../shared/logger.js";
import { retry } from "../../shared/retry.js";
import { TransientError } from "../../types/errors.js";
import { Metric } from "../../types/metricNames.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import type {
  Notification,
  NotificationPublisher,
  NotificationSink,
  NotifyOptions,
  NotifyOutcome,
} from "../../types/notification.js";

export interface NotifierOptions {
  /** Tries per sink, including the first. */
  attempts: number;
  /** Per attempt. */
  timeoutMs: number;
  /** Full-jitter backoff base between attempts. */
  baseDelayMs?: number;
  /**
   * The invocation's deadline (epoch ms): no wait between attempts ends after it, however long a
   * throttled sink's Retry-After asks for. Undefined: the attempts alone bound the waits.
   */
  until?: () => number | undefined;
}

export class Notifier implements NotificationPublisher {
  constructor(
    readonly sinks: readonly NotificationSink[],
    private readonly metrics: MetricsRecorder,
    private readonly logger: Logger,
    private readonly options: NotifierOptions,
  ) {}

  get sinkNames(): readonly string[] {
    return this.sinks.map((sink) => sink.name);
  }

  async notify(notification: Notification, options: NotifyOptions = {}): Promise<NotifyOutcome> {
    const only = options.sinks;
    const sinks = (
      only === undefined ? this.sinks : this.sinks.filter((sink) => only.includes(sink.name))
    ).filter((sink) => notification.threadOnly !== true || sink.threads === true);
    const results = await Promise.all(sinks.map((sink) => this.#deliver(sink, notification)));
    return {
      delivered: sinks.filter((_, index) => results[index]).map((sink) => sink.name),
      failed: sinks.filter((_, index) => !results[index]).map((sink) => sink.name),
    };
  }

  async #deliver(sink: NotificationSink, notification: Notification): Promise<boolean> {
    const { attempts, baseDelayMs = 200, until } = this.options;
    const timeoutMs = sink.attemptTimeoutMs ?? this.options.timeoutMs;
    try {
      await retry(() => withTimeout(sink.send(notification), timeoutMs, sink.name), {
        attempts,
        baseDelayMs,
        maxDelayMs: this.options.timeoutMs,
        ...(until !== undefined && { until }),
        onRetry: (error, attempt, delayMs) =>
          this.logger.warn("notification attempt failed, retrying", {
            sink: sink.name,
            event: notification.event,
            attempt,
            delayMs,
            error,
          }),
      });
      return true;
    } catch (error) {
      this.logger.error("notification failed", {
        sink: sink.name,
        event: notification.event,
        attempts,
        error,
      });
      this.metrics.add(Metric.NotificationFailures, "Count", 1, { Sink: sink.name });
      return false;
    }
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, sinkName: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientError(`${sinkName} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
