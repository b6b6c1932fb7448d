// One notification model for every function; each sink (Slack, SNS, console) renders it.
// Producers never format for a particular sink. Also the two ports around it: the core tells a
// NotificationPublisher (implemented by extension/notification/notifier.ts), which fans out to
// NotificationSinks (extension/notification/<sink>/).

export type Severity = "info" | "success" | "warning" | "critical";

/**
 * A Slack channel as a notification may name it: a channel id (C0123ABCD; G… for an older
 * private channel) or `#name` in Slack's channel-name grammar (lower-case letters, digits, `-`
 * and `_`, at most 80). SLACK_CHANNEL and the `rollout.coworking.dev/slack-channel` annotation.
 */
export const SLACK_CHANNEL_PATTERN = /^(?:[CG][A-Z0-9]{8,20}|#[a-z0-9][a-z0-9_-]{0,79})$/;

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
  /**
   * The release this notification is a step of (sinks that keep one thread per release use it;
   * the others ignore it).
   */
  release?: ReleaseContext;
  /**
   * The chat channel the Deployment asked for (`rollout.coworking.dev/slack-channel`): a channel
   * id such as C0123ABCD or `#name`. Absent: the sink's default channel.
   */
  channel?: string;
  /** Every itemised finding of a scan that blocked the release; a sink may list them. */
  findings?: ScanFindingLine[];
  /**
   * A step only a release thread shows (a rollout started, its progress): sinks without threads
   * (the webhook, SNS, the console) do not get it, so their messages stay as they were.
   */
  threadOnly?: boolean;
}

export interface NotificationSink {
  readonly name: string;
  /** The sink keeps one thread per release: it also takes the steps only a thread shows (threadOnly). */
  readonly threads?: boolean;
  /**
   * How long one attempt of `send` may take, when the sink needs longer than the notifier's
   * per-attempt timeout (several calls per notification, e.g. a thread's reply and its parent).
   */
  readonly attemptTimeoutMs?: number;
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

// ---- releases: what a chat sink needs to keep one thread per release ------------------------

/**
 * Where a release stands after the step a notification reports, coarsest first: the parent
 * message of a release's thread shows the furthest stage any step reached, whatever order the
 * steps arrive in.
 */
export type ReleaseStage = "build" | "scan" | "gate" | "rollout";

/**
 * What the step means for the release: the pipeline's own outcome (building → built, or failed,
 * stopped), or where one Deployment stands (held at a gate, blocked, rolling out, rolled out,
 * failed, rolled back). A dry run changes nothing.
 */
export type ReleasePhase =
  | "building"
  | "built"
  | "build-failed"
  | "build-stopped"
  | "held"
  | "blocked"
  | "dry-run"
  | "rolling-out"
  | "rolled-out"
  | "failed"
  | "rolled-back";

/**
 * The release a notification belongs to, filled by its producer where it is known: a rollout from
 * its ledger record, a held or blocked release from its pending record, a pipeline outcome from
 * the execution. Sinks that show no thread ignore it.
 */
export interface ReleaseContext {
  /** The release's key: the pipeline execution id when known, else `<repository name>@<digest>`. */
  key: string;
  /**
   * Other keys of the same release: a rollout that knows its execution also names
   * `<repository name>@<digest>`, so a thread begun under that key before the execution was known
   * stays the release's one thread.
   */
  aliases?: string[];
  stage: ReleaseStage;
  phase: ReleasePhase;
  /**
   * Tells apart two notifications of the same event for the same Deployment that are both worth
   * a message: a hold at another gate, another attempt of the execution, the same digest rolled
   * out again. Part of the key that keeps a retried delivery from being posted twice.
   */
  occurrence?: string;
  /**
   * Tells apart steps within one occurrence that are each worth a message, such as each time an
   * alarm fires on the release. Part of the step's key only: where the Deployment stands is not
   * changed by it.
   */
  episode?: string;
  /** The gate that holds the release (phase held). */
  gate?: string;
  /** The image repository's URI, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  repository?: string;
  /** The tag that was pushed (for the buildspec's images, the commit SHA). */
  tag?: string;
  digest?: string;
  pipeline?: string;
  executionId?: string;
  executionUrl?: string;
  /** The build's own page, with its logs (e.g. the CodeBuild build). */
  buildUrl?: string;
  /** The full commit SHA. */
  commit?: string;
  /** The first line of the commit message. */
  commitSummary?: string;
  commitUrl?: string;
  /** ISO 8601: when this release's work began, as far as this step knows (pipeline start, rollout start). */
  startedAt?: string;
  /** ISO 8601: when this step ended the release's work (an outcome), if it did. */
  endedAt?: string;
  /** For a rollout in progress: replicas updated and available, of how many. */
  progress?: { ready: number; desired: number };
  /**
   * The key (`<repository name>@<digest>`) of the release this rollout replaces on its
   * Deployment: that release's thread stops offering its rollback there.
   */
  replaces?: string;
}

/** One finding of an image scan, as a scan block lists it. */
export interface ScanFindingLine {
  severity: string;
  id: string;
  package?: string;
  link?: string;
}
