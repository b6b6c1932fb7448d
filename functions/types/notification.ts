// One notification model for every function; each sink (Slack, SNS, console) renders it.
// Producers never format for a particular sink. Also the two ports around it: the core tells a
// NotificationPublisher (implemented by extension/notification/notifier.ts), which fans out to
// NotificationSinks (extension/notification/<sink>/).

export type Severity = "info" | "success" | "warning" | "critical";

/** Dotted event names, e.g. rollout.started, rollout.succeeded, rollout.rolled_back, pipeline.failed. */
export type NotificationEvent = string;

export interface DeploymentRef {
  cluster: string;
  namespace: string;
  name: string;
}

export interface Fact {
  label: string;
  value: string;
}

export interface Link {
  label: string;
  url: string;
}

export interface Notification {
  event: NotificationEvent;
  severity: Severity;
  /** One line that stands on its own in a phone notification. */
  title: string;
  deployment?: DeploymentRef;
  /** Ordered label/value lines: what changed, why, how it ended, how long it took. */
  facts: Fact[];
  /** Optional longer explanation, e.g. the rollback reason or a pipeline error summary. */
  detail?: string;
  links?: Link[];
}

export interface NotificationSink {
  readonly name: string;
  /** Throws on failure; the notifier owns retries and never lets a failure reach a rollout. */
  send(notification: Notification): Promise<void>;
}

/** Which sinks took a notification and which still failed after their retries. */
export interface NotifyOutcome {
  delivered: string[];
  failed: string[];
}

/** Which sinks to send to: `sinks` names them (default: every configured sink). */
export interface NotifyOptions {
  sinks?: readonly string[];
}

/** The port the core notifies through. Never throws: a notification problem must not fail a rollout. */
export interface NotificationPublisher {
  notify(notification: Notification, options?: NotifyOptions): Promise<NotifyOutcome>;
  /** The names of the configured sinks, so a caller can tell which of them still lack a message. */
  readonly sinkNames?: readonly string[];
}
