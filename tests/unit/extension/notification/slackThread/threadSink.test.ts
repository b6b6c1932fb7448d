// The thread state machine: one parent per release and channel, a reply per step, each step
// posted once however often it is delivered, concurrently or after a failure, and the parent
// always showing the latest state. Slack is an in-memory recorder; the records are the in-memory
// store, which has the table's conditional semantics.
import { MemoryReleaseThreads } from "../../../../../functions/extension/notification/slackThread/memoryThreads.js";
import {
  type ChatApi,
  type PostArgs,
  SlackApiError,
  type UpdateArgs,
} from "../../../../../functions/extension/notification/slackThread/slackApi.js";
import {
  PROGRESS_EDITS,
  SlackThreadSink,
  type SlackThreadSinkOptions,
} from "../../../../../functions/extension/notification/slackThread/threadSink.js";
import { rolloutSucceeded } from "../../../../../functions/rollout/notifications.js";
import { ThrottledError } from "../../../../../functions/types/errors.js";
import type { Notification } from "../../../../../functions/types/notification.js";
import {
  alarmFired,
  analytics,
  DIGEST,
  deployments,
  EXECUTION,
  held,
  IMAGE_KEY,
  pipeline,
  progress,
  REPOSITORY,
  record,
  rolled,
  started,
  succeeded,
} from "./samples.js";

interface Posted {
  channel: string;
  ts: string;
  text: string;
  threadTs?: string;
  broadcast?: boolean;
  edits: number;
}

/** Slack as far as the sink can tell: channels by id, messages by ts, failures scripted. */
class RecordingChat implements ChatApi {
  readonly posted: Posted[] = [];
  readonly updates: UpdateArgs[] = [];
  readonly failures: { method: "post" | "update"; error: Error; when?: (args: PostArgs) => boolean }[] = [];
  /** Slack answers with the channel's id. */
  readonly ids: Record<string, string> = { "#deploys": "C0DEPLOYS01", "#team-analytics": "C0TEAM0001" };
  #ts = 0;
  delayMs = 0;

  #fail(method: "post" | "update", args?: PostArgs): void {
    const index = this.failures.findIndex(
      (failure) => failure.method === method && (!failure.when || (args !== undefined && failure.when(args))),
    );
    if (index < 0) return;
    const [failure] = this.failures.splice(index, 1);
    if (failure) throw failure.error;
  }

  async postMessage(args: PostArgs): Promise<{ channel: string; ts: string }> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.#fail("post", args);
    const channel = this.ids[args.channel] ?? args.channel;
    const ts = `1767225600.${String(++this.#ts).padStart(6, "0")}`;
    this.posted.push({
      channel,
      ts,
      text: args.text,
      ...(args.threadTs !== undefined && { threadTs: args.threadTs }),
      ...(args.broadcast && { broadcast: true }),
      edits: 0,
    });
    return { channel, ts };
  }

  async update(args: UpdateArgs): Promise<void> {
    this.#fail("update");
    const message = this.posted.find(
      (candidate) => candidate.channel === args.channel && candidate.ts === args.ts,
    );
    if (!message) throw new SlackApiError("chat.update", "message_not_found");
    message.text = args.text;
    message.edits += 1;
    this.updates.push(args);
  }

  parents(channel?: string): Posted[] {
    return this.posted.filter(
      (message) => message.threadTs === undefined && (!channel || message.channel === channel),
    );
  }

  replies(parent: Posted | undefined): Posted[] {
    return this.posted.filter((message) => parent !== undefined && message.threadTs === parent.ts);
  }
}

let chat: RecordingChat;
let store: MemoryReleaseThreads;
const sink = (options: Partial<SlackThreadSinkOptions> = {}) =>
  new SlackThreadSink({
    api: chat,
    store,
    defaultChannel: "#deploys",
    sleep: async () => undefined,
    ...options,
  });

beforeEach(() => {
  chat = new RecordingChat();
  store = new MemoryReleaseThreads();
});

describe("one thread per release", () => {
  it("posts the parent with the first step, replies with every later one, and edits the parent", async () => {
    const slack = sink();
    for (const step of [pipeline("STARTED"), started(), progress(1), succeeded(), pipeline("SUCCEEDED")]) {
      await slack.send(step);
    }
    const [parent, ...others] = chat.parents();
    expect(others).toEqual([]);
    expect(chat.replies(parent).map((reply) => reply.text)).toEqual([
      "Pipeline coworking-analytics started: 9f8e7d6 Fix the daily usage query for empty days",
      // the progress reply, edited by progress and closed by the outcome
      "coworking/analytics on prod/coworking/analytics: rolled out in 1m 20s",
      "analytics now runs analytics:9f8e7d6c5b4a39281706f5e4d3c2b1a098765432@4f2a91c04f2a in prod/coworking",
      "Pipeline coworking-analytics succeeded in 7m 25s: 9f8e7d6 Fix the daily usage query for empty days",
    ]);
    expect(parent?.text).toBe(
      "analytics · 9f8e7d6 Fix the daily usage query for empty days · rollout · live on prod/coworking/analytics · 7m 25s",
    );
    const thread = await store.get(EXECUTION, "#deploys");
    expect(thread).toMatchObject({ ts: parent?.ts, channelId: "C0DEPLOYS01" });
    expect(Object.values(thread?.steps ?? {}).every((step) => step.state === "posted")).toBe(true);
  });

  it("posts a step once however often it is delivered", async () => {
    const slack = sink();
    await slack.send(succeeded());
    await slack.send(succeeded());
    await sink().send(succeeded()); // another invocation, the same records
    expect(chat.parents()).toHaveLength(1);
    expect(chat.replies(chat.parents()[0])).toHaveLength(1);
  });

  it("creates one parent when 20 Deployments report at once, in one invocation or in several", async () => {
    // Three invocations (one of them reporting ten Deployments at once) racing on a new release.
    const invocations = [sink({ sleep: undefined }), sink({ sleep: undefined }), sink({ sleep: undefined })];
    chat.delayMs = 3;
    const send = async (slack: SlackThreadSink, notification: Notification) => {
      // The notifier's retry, for a step that found another invocation still posting the parent.
      for (let attempt = 1; ; attempt++) {
        try {
          return await slack.send(notification);
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    };
    await Promise.all(
      deployments(20).map((deployment, index) =>
        send(invocations[index < 10 ? 0 : 1 + (index % 2)] as SlackThreadSink, succeeded(deployment)),
      ),
    );
    expect(chat.parents()).toHaveLength(1);
    expect(chat.replies(chat.parents()[0])).toHaveLength(20);
    expect(chat.parents()[0]?.text).toContain("live on 20 Deployments");
  });

  it("edits the parent once for a burst of steps, not once per Deployment", async () => {
    const slack = sink();
    await Promise.all(deployments(20).map((deployment) => slack.send(succeeded(deployment))));
    const parent = chat.parents()[0];
    expect(chat.replies(parent)).toHaveLength(20);
    expect(parent?.edits).toBeLessThanOrEqual(2);
    expect(parent?.text).toContain("live on 20 Deployments");
  });

  it("gives a failed post back, so the retry posts it, once", async () => {
    const slack = sink();
    await slack.send(pipeline("STARTED"));
    chat.failures.push({
      method: "post",
      error: new ThrottledError("slack chat.postMessage rate limited", 1000),
    });
    await expect(slack.send(succeeded())).rejects.toBeInstanceOf(ThrottledError);
    await slack.send(succeeded());
    await slack.send(succeeded());
    expect(chat.replies(chat.parents()[0]).map((reply) => reply.text)).toEqual([
      expect.stringContaining("started"),
      expect.stringContaining("now runs"),
    ]);
  });

  it("gives a failed parent back too: the retry creates it", async () => {
    const slack = sink();
    chat.failures.push({ method: "post", error: new ThrottledError("rate limited", 1000) });
    await expect(slack.send(held())).rejects.toBeInstanceOf(ThrottledError);
    await slack.send(held());
    expect(chat.parents()).toHaveLength(1);
    expect(chat.replies(chat.parents()[0])).toHaveLength(1);
  });

  it("waits for another invocation's parent, and says so when it does not come", async () => {
    // A claim left by an invocation that is still posting (fresh): this one waits, then gives up.
    await store.put(
      {
        key: EXECUTION,
        channel: "#deploys",
        version: 0,
        claimedAt: Date.now(),
        parent: { deployments: {} },
        steps: {},
      },
      0,
    );
    await expect(
      sink({
        sleep: async () => undefined,
        now: (() => {
          let t = Date.now();
          return () => (t += 1_000);
        })(),
      }).send(succeeded()),
    ).rejects.toThrow("is being posted by another invocation");
    // A claim a dead invocation left a minute ago: taken over.
    const stale = await store.get(EXECUTION, "#deploys");
    if (stale) await store.put({ ...stale, claimedAt: Date.now() - 120_000 }, stale.version);
    await sink().send(succeeded());
    expect(chat.parents()).toHaveLength(1);
  });

  it("replies with each alarm that fires on the release, and leaves the parent as it was", async () => {
    const slack = sink();
    await slack.send(succeeded());
    const [parent] = chat.parents();
    const before = parent?.text;

    await slack.send(alarmFired("2026-11-23T11:00:00Z"));
    await slack.send(alarmFired("2026-11-23T11:00:00Z")); // the same episode, delivered again
    await slack.send(alarmFired("2026-11-23T12:30:00Z"));

    expect(chat.parents()).toHaveLength(1);
    expect(chat.replies(parent).map((reply) => reply.text)).toEqual([
      expect.stringContaining("now runs"),
      "Alarm on coworking/analytics: no rollback: auto-rollback is off",
      "Alarm on coworking/analytics: no rollback: auto-rollback is off",
    ]);
    expect(chat.parents()[0]?.text).toBe(before);
  });

  it("broadcasts failures and rollbacks to the channel", async () => {
    const slack = sink();
    await slack.send(succeeded());
    await slack.send(rolled());
    await slack.send(pipeline("FAILED", { attempt: 2 }));
    expect(chat.replies(chat.parents()[0]).map((reply) => Boolean(reply.broadcast))).toEqual([
      false,
      true,
      true,
    ]);
  });

  it("edits a rollout's progress reply a few times at most", async () => {
    const slack = sink();
    await slack.send(started());
    for (let ready = 0; ready < PROGRESS_EDITS + 4; ready++) await slack.send(progress(ready % 3));
    const progressReply = chat.replies(chat.parents()[0])[0];
    expect(progressReply?.edits).toBe(PROGRESS_EDITS);
    await slack.send(succeeded());
    // The outcome still closes it.
    expect(progressReply?.edits).toBe(PROGRESS_EDITS + 1);
    expect(progressReply?.text).toContain("rolled out");
  });
});

describe("keys and channels", () => {
  it("keeps one thread when the execution becomes known after the push", async () => {
    const slack = sink();
    await slack.send(held("scan", analytics, false)); // the push: no execution known yet
    await slack.send(succeeded(analytics)); // the rollout found the execution
    await slack.send(pipeline("SUCCEEDED")); // the pipeline knows only the execution
    expect(chat.parents()).toHaveLength(1);
    expect(chat.replies(chat.parents()[0])).toHaveLength(3);
    expect(await store.lookup(EXECUTION)).toEqual({ alias: IMAGE_KEY, channels: [] });
  });

  it("gives each channel its own thread, and the pipeline's steps to every one", async () => {
    const team = { ...analytics, cluster: "staging" };
    const slack = sink({
      deploymentChannel: async (deployment) =>
        deployment.cluster === "staging" ? "#team-analytics" : undefined,
    });
    await slack.send(succeeded(analytics));
    await slack.send(succeeded(team));
    await slack.send(pipeline("SUCCEEDED"));
    expect(chat.parents("C0DEPLOYS01")).toHaveLength(1);
    expect(chat.parents("C0TEAM0001")).toHaveLength(1);
    expect(chat.replies(chat.parents("C0DEPLOYS01")[0])).toHaveLength(2);
    expect(chat.replies(chat.parents("C0TEAM0001")[0])).toHaveLength(2);
    expect(chat.parents("C0TEAM0001")[0]?.text).toContain("live on staging/coworking/analytics");
  });

  it("prefers the channel a notification carries", async () => {
    await sink().send({ ...succeeded(), channel: "#team-analytics" });
    expect(chat.parents("C0TEAM0001")).toHaveLength(1);
  });

  it("falls back to the default channel when the Deployment's channel cannot be posted to", async () => {
    chat.failures.push({
      method: "post",
      error: new SlackApiError("chat.postMessage", "channel_not_found"),
      when: (args) => args.channel === "#gone",
    });
    await sink({ deploymentChannel: async () => "#gone" }).send(succeeded());
    expect(chat.parents("C0DEPLOYS01")).toHaveLength(1);
    expect(chat.replies(chat.parents()[0])).toHaveLength(1);
  });

  it("posts the title alone when Slack refuses a reply's blocks", async () => {
    const slack = sink();
    await slack.send(pipeline("STARTED"));
    chat.failures.push({ method: "post", error: new SlackApiError("chat.postMessage", "msg_too_long") });
    await slack.send(succeeded());
    expect(chat.replies(chat.parents()[0])).toHaveLength(2);
  });

  it("posts a notification of no release on its own, with no record", async () => {
    const notification: Notification = {
      event: "cost.advice",
      severity: "info",
      title: "Savings advice",
      facts: [{ label: "Cluster", value: "prod" }],
    };
    await sink().send(notification);
    expect(chat.posted).toEqual([
      expect.objectContaining({ channel: "C0DEPLOYS01", text: "Savings advice" }),
    ]);
    expect(chat.posted[0]?.threadTs).toBeUndefined();
    expect(store.threads.size).toBe(0);
  });

  it("edits the parent only when what it shows changed", async () => {
    const slack = sink();
    await slack.send(succeeded());
    const edits = chat.updates.length;
    await slack.send(succeeded());
    expect(chat.updates.length).toBe(edits);
  });

  it("tells an older release's thread when a newer one replaced it on a Deployment", async () => {
    const slack = sink();
    await slack.send(succeeded());
    const next = `sha256:${"9".repeat(64)}`;
    const newer = rolloutSucceeded({
      deployment: analytics,
      record: record(
        {
          tag: "1.5.0",
          digest: next,
          startedAt: "2026-11-24T09:00:00.000Z",
          from: { api: `${REPOSITORY}:x@${DIGEST}` },
          to: { api: `${REPOSITORY}:1.5.0@${next}` },
        },
        false,
      ),
      from: "analytics:x",
      to: "analytics:1.5.0",
      durationMs: 1_000,
    });
    expect(newer.release?.replaces).toBe(IMAGE_KEY);
    await slack.send(newer);
    const [older, latest] = chat.parents();
    expect(older?.text).toBe(
      "analytics · 9f8e7d6 Fix the daily usage query for empty days · rollout · replaced by a newer release · 1m 20s",
    );
    expect(latest?.text).toContain("analytics 1.5.0 · rollout · live on prod/coworking/analytics");
    // A late copy of the older release's success does not bring its rollback back.
    await slack.send(succeeded());
    expect(chat.parents()[0]?.text).toContain("replaced by a newer release");
  });
});
