// Port: the records a chat sink keeps so that each release has one thread per channel, across
// invocations and functions (the pipeline's and the rollouts'). Implemented over the stage's
// state table (provider/dynamodb/releaseThreads.ts) and, for local mode without a table and for
// tests, in memory (extension/notification/slackThread/memoryThreads.ts).
//
// One record per release and channel: the thread's parent message, what the parent shows, and
// which steps were posted. Every write is conditional on the version read, so two invocations
// that race on one release never both create its thread or both post one step. What a Deployment
// ran and when stays in the cluster's ledger; the parent state here is only what the parent
// message displays.

/** A step of the release, posted (or being posted) as a reply in the thread. */
export interface PostedStep {
  /** `claimed`: an invocation is posting it; `posted`: the reply exists. */
  state: "claimed" | "posted";
  /** epoch ms of the claim or the post. */
  at: number;
  /** The reply's ts, once posted: a progress reply is edited in place. */
  ts?: string;
  /** How many times the reply was edited since it was posted. */
  edits?: number;
}

/** Where one Deployment of the release stands, for the parent line and its buttons. */
export interface DeploymentMark {
  /** held, blocked, rolling-out, rolled-out, failed, rolled-back, dry-run */
  phase: string;
  /** The gate that holds it (phase held). */
  gate?: string;
  /** Which rollout of the release it is about (its start): a later one replaces an earlier one. */
  occurrence?: string;
}

/** What the parent message shows, merged from every step of the release posted in this channel. */
export interface ParentState {
  /** The repository URI, tag and digest of the image, once a rollout step named them. */
  repository?: string;
  tag?: string;
  digest?: string;
  pipeline?: string;
  executionId?: string;
  executionUrl?: string;
  buildUrl?: string;
  commit?: string;
  commitSummary?: string;
  commitUrl?: string;
  /** The furthest stage reached. */
  stage?: string;
  /** The pipeline's own outcome (building, built, build-failed, build-stopped). */
  pipelinePhase?: string;
  /** `<cluster>/<namespace>/<name>` → where that Deployment stands. */
  deployments: Record<string, DeploymentMark>;
  /** epoch ms: the earliest start and the latest end any step reported. */
  startedAt?: number;
  endedAt?: number;
}

export interface ReleaseThread {
  /** The release's canonical key (an alias already followed). */
  key: string;
  /** The channel as configured: an id (C0123ABCD) or `#name`. */
  channel: string;
  /** Incremented by every write; 0 for a record not stored yet. */
  version: number;
  /** The channel id Slack answered with: updates need it, a `#name` does not do. */
  channelId?: string;
  /** The parent message's ts, once posted. */
  ts?: string;
  /** epoch ms: an invocation claimed the parent's creation and has not recorded its ts yet. */
  claimedAt?: number;
  parent: ParentState;
  /** A fingerprint of the parent as last sent to Slack: an unchanged parent is not edited again. */
  shown?: string;
  /** step id → its reply. */
  steps: Record<string, PostedStep>;
}

/** What is stored under one key. */
export interface ReleaseKeyRecord {
  /** This key is another name of the release keyed `alias`. */
  alias?: string;
  /** The channels that have a thread for this key. */
  channels: string[];
}

export interface ReleaseThreadStore {
  /** The alias and the threads stored under a key. */
  lookup(key: string): Promise<ReleaseKeyRecord>;
  /** Records `from` as another name of `to`; false when `from` already names something. */
  alias(from: string, to: string): Promise<boolean>;
  get(key: string, channel: string): Promise<ReleaseThread | undefined>;
  /**
   * Stores `thread` (its version one more than `expectedVersion`) if the stored record is still at
   * `expectedVersion` (0: none stored). false when another writer got there first: read again.
   */
  put(thread: ReleaseThread, expectedVersion: number): Promise<boolean>;
}
