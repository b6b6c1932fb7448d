// Which key a release is filed under, which step a notification is, and what the parent shows
// whatever order the steps arrive in.
import {
  emptyParent,
  mergeParent,
  resolveKeys,
  stepId,
  summarise,
} from "../../../../../functions/extension/notification/slackThread/releaseState.js";
import { imageReleaseKey, readSlackChannel } from "../../../../../functions/rollout/notifications.js";
import type { Notification } from "../../../../../functions/types/notification.js";
import type { ParentState, ReleaseKeyRecord } from "../../../../../functions/types/releaseThreads.js";
import {
  alarmFired,
  analytics,
  blocked,
  DIGEST,
  EXECUTION,
  held,
  IMAGE_KEY,
  pipeline,
  REPOSITORY,
  rolled,
  started,
  succeeded,
} from "./samples.js";

const parentOf = (...notifications: Notification[]): ParentState =>
  notifications.reduce((state, notification) => mergeParent(state, notification), emptyParent());

describe("a release's key", () => {
  it("is the pipeline execution when known, also known as <repository>@<digest>", () => {
    expect(succeeded().release).toMatchObject({ key: EXECUTION, aliases: [IMAGE_KEY] });
    expect(pipeline("SUCCEEDED").release).toMatchObject({ key: EXECUTION });
    expect(pipeline("SUCCEEDED").release?.aliases).toBeUndefined();
    expect(held("approval").release).toMatchObject({
      key: EXECUTION,
      aliases: [IMAGE_KEY],
      gate: "approval",
    });
  });

  it("is <repository name>@<digest> when no execution is known", () => {
    expect(succeeded(analytics, false).release).toMatchObject({ key: IMAGE_KEY });
    expect(succeeded(analytics, false).release?.aliases).toBeUndefined();
    expect(held("scan", analytics, false).release?.key).toBe(IMAGE_KEY);
    expect(imageReleaseKey(REPOSITORY, DIGEST)).toBe(`coworking/analytics@${DIGEST}`);
  });

  it("follows an alias, else the key that has a thread, and records the others as aliases", () => {
    const records = (entries: Record<string, ReleaseKeyRecord>) => new Map(Object.entries(entries));
    const release = { key: EXECUTION, aliases: [IMAGE_KEY] };
    // Nothing yet: the execution is the key, the image key becomes its alias.
    expect(resolveKeys(release, records({}))).toEqual({ key: EXECUTION, newAliases: [IMAGE_KEY] });
    // A push posted under the image key before the execution was known: that thread stays.
    expect(resolveKeys(release, records({ [IMAGE_KEY]: { channels: ["#deploys"] } }))).toEqual({
      key: IMAGE_KEY,
      newAliases: [EXECUTION],
    });
    // The pipeline's step, which knows only the execution, follows the alias.
    expect(
      resolveKeys({ key: EXECUTION }, records({ [EXECUTION]: { alias: IMAGE_KEY, channels: [] } })),
    ).toEqual({ key: IMAGE_KEY, newAliases: [] });
    // Both have threads (two channels began apart): each keeps its own, nothing is aliased.
    expect(
      resolveKeys(
        release,
        records({ [EXECUTION]: { channels: ["#deploys"] }, [IMAGE_KEY]: { channels: ["#team"] } }),
      ),
    ).toEqual({ key: EXECUTION, newAliases: [] });
  });
});

describe("a step's id", () => {
  it("tells apart what is worth another message, and nothing else", () => {
    expect(stepId(succeeded())).toBe(stepId(succeeded()));
    expect(stepId(held("scan"))).not.toBe(stepId(held("approval")));
    expect(stepId(pipeline("FAILED", { attempt: 1 }))).not.toBe(stepId(pipeline("FAILED", { attempt: 2 })));
    expect(stepId(succeeded(analytics))).not.toBe(stepId(succeeded({ ...analytics, cluster: "staging" })));
    // Each time an alarm fires on the release is a step of its own; the same firing is one step.
    expect(stepId(alarmFired("2026-11-23T11:00:00Z"))).toBe(stepId(alarmFired("2026-11-23T11:00:00Z")));
    expect(stepId(alarmFired("2026-11-23T11:00:00Z"))).not.toBe(stepId(alarmFired("2026-11-23T12:30:00Z")));
  });
});

describe("the parent's state", () => {
  it("only moves forward, whatever order the steps arrive in", () => {
    const steps = [pipeline("STARTED"), held("approval"), started(), succeeded(), pipeline("SUCCEEDED")];
    const inOrder = summarise(parentOf(...steps));
    const reversed = summarise(parentOf(...[...steps].reverse()));
    expect(inOrder).toEqual(reversed);
    expect(inOrder).toMatchObject({
      stage: "rollout",
      verdict: "live on prod/coworking/analytics",
      settled: true,
    });
    expect(inOrder.durationMs).toBe(445_000);
  });

  it("says where the release stands at each step", () => {
    expect(summarise(parentOf(pipeline("STARTED")))).toMatchObject({ verdict: "building", stage: "build" });
    expect(summarise(parentOf(pipeline("SUCCEEDED")))).toMatchObject({
      verdict: "built, waiting for its rollout",
    });
    expect(summarise(parentOf(pipeline("FAILED")))).toMatchObject({ verdict: "build failed", icon: ":x:" });
    expect(summarise(parentOf(pipeline("SUCCEEDED"), held("scan")))).toMatchObject({
      verdict: "held at scan on prod/coworking/analytics",
      stage: "scan",
    });
    expect(summarise(parentOf(held("scan"), blocked()))).toMatchObject({
      verdict: "blocked on prod/coworking/analytics",
    });
    expect(summarise(parentOf(started()))).toMatchObject({
      verdict: "rolling out to prod/coworking/analytics",
    });
    expect(summarise(parentOf(started(), succeeded(), rolled()))).toMatchObject({
      verdict: "rolled back on prod/coworking/analytics",
      icon: ":rotating_light:",
    });
  });

  it("counts a release's Deployments: a rollback anywhere leads the line", () => {
    const other = { ...analytics, cluster: "staging" };
    const third = { ...analytics, cluster: "dr" };
    expect(summarise(parentOf(succeeded(), succeeded(other), started(third))).verdict).toBe(
      "rolling out (2 of 3 Deployments done)",
    );
    expect(summarise(parentOf(succeeded(), rolled(other), succeeded(third))).verdict).toBe(
      "rolled back on 1 of 3 Deployments (live on 2)",
    );
  });

  it("shows the version when the tag is not the commit", () => {
    const tagged = { ...succeeded(), release: { ...succeeded().release, tag: "1.4.0" } } as Notification;
    expect(summarise(parentOf(tagged))).toMatchObject({ service: "analytics", version: "1.4.0" });
    expect(summarise(parentOf(succeeded())).version).toBeUndefined();
  });
});

describe("the slack-channel annotation", () => {
  it("accepts a channel id or #name exactly, and refuses anything else", () => {
    const read = (value: string) => readSlackChannel({ "rollout.coworking.dev/slack-channel": value });
    expect(read("C0123ABCD")).toEqual({ channel: "C0123ABCD" });
    expect(read("#team-analytics_alerts")).toEqual({ channel: "#team-analytics_alerts" });
    expect(readSlackChannel({})).toEqual({});
    for (const bad of [
      "team-analytics",
      "#Team",
      "# team",
      "#a b",
      "c0123abcd",
      "https://x.slack.com/archives/C0123ABCD",
      `#${"a".repeat(81)}`,
    ]) {
      expect(read(bad)).toHaveProperty("problem");
    }
  });
});
