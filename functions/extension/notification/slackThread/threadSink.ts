// Slack through the Web API with a bot token: one thread per release (docs/slack.md). The first
// step of a release posts the parent message; every later step is a reply in its thread, the
// parent is edited to show where the release stands, and a failure or a rollback is also
// broadcast to the channel. A rollout's progress is one reply, edited. A notification that
// belongs to no release is posted on its own, as the webhook would.
//
// Delivery is at least once (the notifier retries, EventBridge redelivers, the reconciler sends a
// terminal notification again to a sink that lacks it), and the pipeline's and the rollouts'
// functions post to the same release at the same time. So, per release and channel, the record
// in the state table (ReleaseThreadStore) decides, with conditional writes:
//   - the parent is claimed before it is posted, so two invocations never both create a thread
//     (the other one waits for the parent's ts, then replies);
//   - each step is claimed before it is posted and marked posted after, so a step that was posted
//     is never posted again, and one whose post failed is given back for the retry;
//   - the parent's state is merged under the record's version, and after editing the parent an
//     invocation checks that what it showed is still the latest, and edits again when not.
// Within one invocation the steps of one release are sent one after the other (the rollout
// reporter notifies for several Deployments at once), so they do not race for the record at all.
import { createHash } from "node:crypto";
import type { Logger } from "../../../shared/logger.js";
import { TransientError } from "../../../types/errors.js";
import type { DeploymentRef, Notification, NotificationSink } from "../../../types/notification.js";
import type { ReleaseKeyRecord, ReleaseThread, ReleaseThreadStore } from "../../../types/releaseThreads.js";
import type { SlackMessage } from "../slack/renderSlack.js";
import { renderSlack } from "../slack/renderSlack.js";
import {
  deploymentKeyOf,
  emptyParent,
  isBroadcast,
  markReplaced,
  mergeParent,
  PROGRESS_EVENTS,
  progressSlot,
  resolveKeys,
  stepId,
} from "./releaseState.js";
import { type LinkContext, renderMinimal, renderParent, renderProgress, renderReply } from "./render.js";
import { type ChatApi, SlackApiError } from "./slackApi.js";

/** A claim older than this was left by an invocation that died: another may take over. */
export const CLAIM_STALE_MS = 60_000;
/** How long a step waits for another invocation to post the release's parent. */
export const PARENT_WAIT_MS = 5_000;
const PARENT_POLL_MS = 250;
/** Edits of a rollout's progress reply, besides its last (the outcome). */
export const PROGRESS_EDITS = 5;
/** Read-modify-write rounds before a busy record is left to the notifier's retry. */
const WRITE_ROUNDS = 8;
/** Times the parent is edited again because another step changed it meanwhile. */
const PARENT_REFRESHES = 3;

/** Slack's answers that mean "this channel cannot be posted to": the default channel takes it. */
const UNUSABLE_CHANNEL = new Set(["channel_not_found", "not_in_channel", "is_archived", "restricted_action"]);
/** Slack's answers that mean "these blocks are refused": the title alone is posted instead. */
const REFUSED_BLOCKS = new Set([
  "msg_too_long",
  "invalid_blocks",
  "invalid_blocks_format",
  "invalid_arguments",
]);

export interface SlackThreadSinkOptions {
  api: ChatApi;
  store: ReleaseThreadStore;
  /** SLACK_CHANNEL: where a release's thread goes unless its Deployment names a channel. */
  defaultChannel: string;
  links?: LinkContext;
  /**
   * The channel a Deployment asks for (its `rollout.coworking.dev/slack-channel`), for a
   * notification that does not carry it; undefined: the default channel.
   */
  deploymentChannel?: (deployment: DeploymentRef) => Promise<string | undefined>;
  logger?: Pick<Logger, "warn">;
  /** How long one send may take (several Slack and table calls). */
  attemptTimeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const fingerprint = (message: SlackMessage) =>
  createHash("sha256").update(JSON.stringify(message)).digest("base64url").slice(0, 22);

const emptyThread = (key: string, channel: string): ReleaseThread => ({
  key,
  channel,
  version: 0,
  parent: emptyParent(),
  steps: {},
});

export class SlackThreadSink implements NotificationSink {
  readonly name = "slack";
  readonly threads = true;
  readonly attemptTimeoutMs: number | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** `<key>\0<channel>` → the tail of the work queued on that thread in this process. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** `<key>\0<channel>` → how many pieces of work are queued or running on that thread. */
  readonly #queued = new Map<string, number>();

  constructor(private readonly options: SlackThreadSinkOptions) {
    this.attemptTimeoutMs = options.attemptTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async send(notification: Notification): Promise<void> {
    const channel = await this.#channelOf(notification);
    if (!notification.release) {
      await this.#standalone(channel, notification);
      return;
    }
    const key = await this.#resolve(notification.release);
    // A step about no Deployment (the pipeline's) goes to every channel the release has a thread
    // in, and to the default one.
    const channels = notification.deployment
      ? [channel]
      : [...new Set([this.options.defaultChannel, ...(await this.options.store.lookup(key)).channels])];
    for (const target of channels) await this.#inThread(key, target, notification);
  }

  /** The Deployment's channel when it asked for one, else the default. */
  async #channelOf(notification: Notification): Promise<string> {
    if (notification.channel) return notification.channel;
    if (notification.deployment && this.options.deploymentChannel) {
      try {
        const asked = await this.options.deploymentChannel(notification.deployment);
        if (asked) return asked;
      } catch (error) {
        this.options.logger?.warn("slack channel of the Deployment not read; using the default channel", {
          error,
        });
      }
    }
    return this.options.defaultChannel;
  }

  async #standalone(channel: string, notification: Notification): Promise<void> {
    await this.#withChannelFallback(channel, (target) =>
      this.#post(notification, { channel: target, ...renderSlack(notification) }),
    );
  }

  /** The release's canonical key; its other names are recorded as aliases of it. */
  async #resolve(release: NonNullable<Notification["release"]>): Promise<string> {
    const { store } = this.options;
    const keys = [release.key, ...(release.aliases ?? [])];
    const records = new Map<string, ReleaseKeyRecord>();
    for (const key of new Set(keys)) records.set(key, await store.lookup(key));
    const { key, newAliases } = resolveKeys(release, records);
    for (const alias of newAliases) await store.alias(alias, key);
    return key;
  }

  /** Runs the thread's work after the work already queued on it in this process. */
  #serialised<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    this.#queued.set(id, (this.#queued.get(id) ?? 0) + 1);
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.#queues.set(id, tail);
    void tail.then(() => {
      const left = (this.#queued.get(id) ?? 1) - 1;
      if (left > 0) this.#queued.set(id, left);
      else this.#queued.delete(id);
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return next;
  }

  async #inThread(key: string, channel: string, notification: Notification): Promise<void> {
    const isDefault = channel === this.options.defaultChannel;
    try {
      await this.#serialised(`${key}\u0000${channel}`, () => this.#step(key, channel, notification));
      // Outside this release's queue: two releases replacing each other on two Deployments must
      // not wait for each other.
      await this.#replaced(channel, notification);
    } catch (error) {
      if (!isDefault && error instanceof SlackApiError && UNUSABLE_CHANNEL.has(error.error)) {
        this.options.logger?.warn("slack channel unusable; the release's step goes to the default channel", {
          channel,
          error: error.error,
        });
        await this.#serialised(`${key}\u0000${this.options.defaultChannel}`, () =>
          this.#step(key, this.options.defaultChannel, notification),
        );
        return;
      }
      throw error;
    }
  }

  async #withChannelFallback<T>(channel: string, work: (channel: string) => Promise<T>): Promise<T> {
    try {
      return await work(channel);
    } catch (error) {
      if (
        channel !== this.options.defaultChannel &&
        error instanceof SlackApiError &&
        UNUSABLE_CHANNEL.has(error.error)
      ) {
        this.options.logger?.warn("slack channel unusable; the message goes to the default channel", {
          channel,
          error: error.error,
        });
        return work(this.options.defaultChannel);
      }
      throw error;
    }
  }

  /** Reads, changes and writes the thread's record until the write lands; undefined change: none. */
  async #update(
    key: string,
    channel: string,
    change: (thread: ReleaseThread) => ReleaseThread | undefined,
  ): Promise<ReleaseThread> {
    for (let round = 0; round < WRITE_ROUNDS; round++) {
      const thread = (await this.options.store.get(key, channel)) ?? emptyThread(key, channel);
      const changed = change(thread);
      if (changed === undefined) return thread;
      if (await this.options.store.put(changed, thread.version))
        return { ...changed, version: thread.version + 1 };
    }
    throw new TransientError(
      `release thread ${key} in ${channel} is busy: ${WRITE_ROUNDS} conflicting writes`,
    );
  }

  /** The thread, with its parent posted (by this invocation or another). */
  async #thread(key: string, channel: string, notification: Notification): Promise<ReleaseThread> {
    const waitUntil = this.#now() + PARENT_WAIT_MS;
    for (;;) {
      const thread = (await this.options.store.get(key, channel)) ?? emptyThread(key, channel);
      if (thread.ts !== undefined) return thread;
      const claimed = thread.claimedAt !== undefined && this.#now() - thread.claimedAt < CLAIM_STALE_MS;
      if (claimed) {
        if (this.#now() >= waitUntil) {
          throw new TransientError(
            `the parent of release ${key} in ${channel} is being posted by another invocation`,
          );
        }
        await this.#sleep(PARENT_POLL_MS);
        continue;
      }
      const parent = mergeParent(thread.parent, notification);
      const claim: ReleaseThread = { ...thread, parent, claimedAt: this.#now() };
      if (!(await this.options.store.put(claim, thread.version))) continue;
      const claimedVersion = thread.version + 1;
      const message = renderParent(parent, key, this.options.links);
      let posted: { channel: string; ts: string };
      try {
        posted = await this.#post(notification, { channel, ...message });
      } catch (error) {
        // Given back, so that the retry (or another invocation) posts the parent.
        const { claimedAt: _claimedAt, ...released } = claim;
        await this.options.store.put(released, claimedVersion).catch(() => false);
        throw error;
      }
      return this.#update(key, channel, (current) => {
        const { claimedAt: _claimedAt, ...rest } = current;
        return { ...rest, ts: posted.ts, channelId: posted.channel, shown: fingerprint(message) };
      });
    }
  }

  /** Posts, and when Slack refuses the blocks (too long, invalid), posts the title alone. */
  async #post(
    notification: Notification,
    message: SlackMessage & { channel: string; threadTs?: string; broadcast?: boolean },
  ): Promise<{ channel: string; ts: string }> {
    try {
      return await this.options.api.postMessage(message);
    } catch (error) {
      if (!(error instanceof SlackApiError && REFUSED_BLOCKS.has(error.error))) throw error;
      this.options.logger?.warn("slack refused the message's blocks; posting its title alone", {
        event: notification.event,
        error: error.error,
      });
      return this.options.api.postMessage({ ...message, ...renderMinimal(notification) });
    }
  }

  async #step(key: string, channel: string, notification: Notification): Promise<void> {
    const thread = await this.#thread(key, channel, notification);
    if (PROGRESS_EVENTS.has(notification.event)) await this.#progress(key, channel, thread, notification);
    else await this.#reply(key, channel, thread, notification);
    // The step is merged into the parent's state already (its claim did it). With more steps of
    // the release queued behind this one here, the last of them edits the parent, once, for all:
    // a release of 20 Deployments is not 20 edits in a burst against Slack's rate limit.
    if ((this.#queued.get(`${key}\u0000${channel}`) ?? 0) > 1) return;
    await this.#refreshParent(key, channel, (parent) => mergeParent(parent, notification));
  }

  /**
   * The release this rollout replaced on its Deployment, if it has a thread in this channel: its
   * parent stops calling it live there and stops offering its rollback. Best effort: the
   * release's own thread is what this notification is about.
   */
  async #replaced(channel: string, notification: Notification): Promise<void> {
    const replaced = notification.release?.replaces;
    const { deployment } = notification;
    if (replaced === undefined || deployment === undefined) return;
    try {
      const key = (await this.options.store.lookup(replaced)).alias ?? replaced;
      const thread = await this.options.store.get(key, channel);
      if (thread?.ts === undefined) return;
      const target = deploymentKeyOf(deployment);
      await this.#serialised(`${key}\u0000${channel}`, () =>
        this.#refreshParent(key, channel, (parent) => markReplaced(parent, target)),
      );
    } catch (error) {
      this.options.logger?.warn("the replaced release's thread was not updated", {
        release: replaced,
        error,
      });
    }
  }

  /** Claims a step (or a progress slot); false when it is posted already. Throws while another posts it. */
  async #claim(key: string, channel: string, id: string, notification: Notification): Promise<boolean> {
    let posted = false;
    await this.#update(key, channel, (thread) => {
      const step = thread.steps[id];
      posted = step?.state === "posted";
      if (posted) return undefined;
      if (step?.state === "claimed" && this.#now() - step.at < CLAIM_STALE_MS) {
        throw new TransientError(`step ${id} of release ${key} is being posted by another invocation`);
      }
      return {
        ...thread,
        parent: mergeParent(thread.parent, notification),
        steps: { ...thread.steps, [id]: { state: "claimed", at: this.#now() } },
      };
    });
    return !posted;
  }

  async #giveBack(key: string, channel: string, id: string): Promise<void> {
    await this.#update(key, channel, (thread) => {
      if (thread.steps[id]?.state !== "claimed") return undefined;
      const { [id]: _released, ...steps } = thread.steps;
      return { ...thread, steps };
    }).catch(() => undefined);
  }

  async #markPosted(key: string, channel: string, id: string, ts: string): Promise<void> {
    await this.#update(key, channel, (thread) => ({
      ...thread,
      steps: { ...thread.steps, [id]: { state: "posted", at: this.#now(), ts } },
    }));
  }

  async #reply(
    key: string,
    channel: string,
    thread: ReleaseThread,
    notification: Notification,
  ): Promise<void> {
    const id = stepId(notification);
    // Posted already (a retried or redelivered notification): nothing more to say in the thread.
    if (!(await this.#claim(key, channel, id, notification))) return;
    let posted: { ts: string };
    try {
      posted = await this.#post(notification, {
        channel: thread.channelId ?? channel,
        threadTs: thread.ts,
        broadcast: isBroadcast(notification),
        ...renderReply(notification, key),
      });
    } catch (error) {
      await this.#giveBack(key, channel, id);
      throw error;
    }
    await this.#markPosted(key, channel, id, posted.ts);
    // The outcome also closes the rollout's progress reply, when there is one.
    const slot = progressSlot(notification);
    const progress = slot === undefined ? undefined : thread.steps[slot];
    if (progress?.state === "posted" && progress.ts !== undefined && thread.channelId !== undefined) {
      await this.options.api
        .update({ channel: thread.channelId, ts: progress.ts, ...renderProgress(notification) })
        .catch((error: unknown) =>
          this.options.logger?.warn("rollout progress reply not closed", {
            event: notification.event,
            error,
          }),
        );
    }
  }

  /** A rollout's progress: one reply, posted at its start and edited a few times after. */
  async #progress(
    key: string,
    channel: string,
    thread: ReleaseThread,
    notification: Notification,
  ): Promise<void> {
    const slot = progressSlot(notification);
    if (slot === undefined) return;
    const current = (await this.options.store.get(key, channel)) ?? thread;
    const reply = current.steps[slot];
    const channelId = current.channelId ?? thread.channelId;
    if (reply?.state === "posted" && reply.ts !== undefined && channelId !== undefined) {
      if ((reply.edits ?? 0) >= PROGRESS_EDITS) return;
      await this.options.api.update({ channel: channelId, ts: reply.ts, ...renderProgress(notification) });
      await this.#update(key, channel, (latest) => {
        const step = latest.steps[slot];
        if (step === undefined) return undefined;
        return {
          ...latest,
          parent: mergeParent(latest.parent, notification),
          steps: { ...latest.steps, [slot]: { ...step, edits: (step.edits ?? 0) + 1 } },
        };
      });
      return;
    }
    if (!(await this.#claim(key, channel, slot, notification))) return;
    let posted: { ts: string };
    try {
      posted = await this.#post(notification, {
        channel: channelId ?? channel,
        threadTs: current.ts ?? thread.ts,
        ...renderProgress(notification),
      });
    } catch (error) {
      await this.#giveBack(key, channel, slot);
      throw error;
    }
    await this.#markPosted(key, channel, slot, posted.ts);
  }

  /**
   * Applies `change` to the parent's state (a no-op when the step's claim did already) and edits
   * the parent until what Slack shows is what the record says, or another invocation took over.
   */
  async #refreshParent(
    key: string,
    channel: string,
    change: (parent: ReleaseThread["parent"]) => ReleaseThread["parent"],
  ): Promise<void> {
    let thread = await this.#update(key, channel, (current) => {
      const parent = change(current.parent);
      return JSON.stringify(parent) === JSON.stringify(current.parent) ? undefined : { ...current, parent };
    });
    for (let round = 0; round < PARENT_REFRESHES; round++) {
      if (thread.ts === undefined || thread.channelId === undefined) return;
      const message = renderParent(thread.parent, key, this.options.links);
      const shown = fingerprint(message);
      if (shown === thread.shown) return;
      await this.options.api.update({ channel: thread.channelId, ts: thread.ts, ...message });
      const before = thread.version;
      let recorded = false;
      thread = await this.#update(key, channel, (current) => {
        recorded = current.version === before;
        return recorded ? { ...current, shown } : undefined;
      });
      // Unchanged since it was read: what was shown is the latest. Else show the newer state too.
      if (recorded) return;
    }
  }
}
