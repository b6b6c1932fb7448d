// One notification model for every function; each sink (Slack, SNS, console) renders it.
// Producers never format for a particular sink.

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
