// A release thread's messages against Slack's limits, with the largest realistic content: 50
// findings, commit messages of thousands of characters, releases of 20 Deployments. Every message
// is checked with the FAKE Web API's own limit checker (the one that answers invalid_blocks).

import {
  escapeAndFit,
  SlackLimits,
  truncate,
} from "../../../../../functions/extension/notification/slack/limits.js";
import {
  renderSlack,
  type SlackMessage,
} from "../../../../../functions/extension/notification/slack/renderSlack.js";
import {
  buttonValue,
  parseButtonValue,
} from "../../../../../functions/extension/notification/slackThread/buttons.js";
import {
  emptyParent,
  mergeParent,
} from "../../../../../functions/extension/notification/slackThread/releaseState.js";
import {
  ecrImageUrl,
  parentText,
  renderParent,
  renderProgress,
  renderReply,
} from "../../../../../functions/extension/notification/slackThread/render.js";
import type { Notification } from "../../../../../functions/types/notification.js";
import type { ParentState } from "../../../../../functions/types/releaseThreads.js";
import { slackLimitProblem } from "../../../../fakes/slackWebApi.js";
import {
  analytics,
  blocked,
  COMMIT,
  DIGEST,
  deployments,
  EXECUTION,
  held,
  pipeline,
  progress,
  rolled,
  started,
  succeeded,
} from "./samples.js";

/** Every limit Slack documents for the message: blocks, texts, buttons, and the fallback text. */
function expectWithinLimits(message: SlackMessage): void {
  expect(slackLimitProblem(message.blocks)).toBeUndefined();
  expect(message.text.length).toBeLessThanOrEqual(SlackLimits.sectionText);
  for (const block of message.blocks) {
    if (block.type !== "actions") continue;
    for (const element of block.elements) {
      expect(element.text.text.length).toBeLessThanOrEqual(SlackLimits.buttonText);
      expect(element.value?.length ?? 0).toBeLessThanOrEqual(SlackLimits.buttonValue);
    }
  }
}

const parentOf = (...notifications: Notification[]): ParentState =>
  notifications.reduce((state, notification) => mergeParent(state, notification), emptyParent());

const blockText = (message: SlackMessage) => JSON.stringify(message.blocks);

describe("cutting text to Slack's limits", () => {
  it("never splits a surrogate pair, and ends a cut with …", () => {
    const rocket = "🚀"; // two UTF-16 units
    const text = `${"a".repeat(8)}${rocket}${"b".repeat(10)}`;
    const cut = truncate(text, 10); // the rocket would straddle the cut
    expect(cut).toBe(`${"a".repeat(8)}…`);
    expect(truncate(text, 11)).toBe(`${"a".repeat(8)}${rocket}…`);
    expect(truncate("short", 10)).toBe("short");
  });

  it("never cuts inside an escaped entity", () => {
    const fitted = escapeAndFit("a&b&c&d&e&f", 12);
    expect(fitted.length).toBeLessThanOrEqual(12);
    expect(fitted).toMatch(/^(?:[a-f]|&amp;)*…$/);
  });

  it("keeps a flat message of hundreds of facts within 50 blocks and says how many it left out", () => {
    const message = renderSlack({
      event: "rollout.drifted",
      severity: "warning",
      title: "many containers drifted",
      facts: Array.from({ length: 600 }, (_, index) => ({
        label: `Container ${index}`,
        value: "pinned x, running y",
      })),
      detail: "d",
      links: [{ label: "l", url: "https://example.com" }],
    });
    expectWithinLimits(message);
    expect(message.blocks).toHaveLength(SlackLimits.blocks);
    expect(blockText(message)).toContain("more facts");
  });
});

describe("the parent message", () => {
  it("shows the release in one line: service, commit, stage, verdict, duration", () => {
    const state = parentOf(pipeline("STARTED"), started(), succeeded(), pipeline("SUCCEEDED"));
    expect(parentText(state)).toBe(
      "analytics · 9f8e7d6 Fix the daily usage query for empty days · rollout · live on prod/coworking/analytics · 7m 25s",
    );
    const message = renderParent(state, EXECUTION, {
      region: "us-east-1",
      dashboardName: "coworking-delivery-prod",
    });
    expectWithinLimits(message);
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: {
        type: "mrkdwn",
        text: ":white_check_mark: *analytics*  ·  `9f8e7d6` Fix the daily usage query for empty days  ·  stage *rollout*  ·  live on prod/coworking/analytics  ·  7m 25s",
      },
    });
  });

  it("links the pipeline execution, the build logs, the commit, the image in ECR and the dashboard", () => {
    const state = parentOf(pipeline("FAILED"), held());
    const links = blockText(
      renderParent(state, EXECUTION, { region: "us-east-1", dashboardName: "coworking-delivery-prod" }),
    );
    expect(links).toContain(`/executions/${EXECUTION}/timeline?region=us-east-1|Pipeline execution>`);
    expect(links).toContain("#/builds/b:1/view/new|Build logs>");
    expect(links).toContain(`commit/${COMMIT}|Commit>`);
    expect(links).toContain(
      `https://us-east-1.console.aws.amazon.com/ecr/repositories/private/123456789012/coworking/analytics/_/image/${encodeURIComponent(DIGEST)}/details?region=us-east-1|Image in ECR>`,
    );
    expect(links).toContain("#dashboards/dashboard/coworking-delivery-prod|Dashboard>");
  });

  it("leaves out a link it cannot build (no dashboard configured, no image yet)", () => {
    const links = blockText(renderParent(parentOf(pipeline("STARTED")), EXECUTION));
    expect(links).toContain("Pipeline execution");
    expect(links).not.toContain("Dashboard");
    expect(links).not.toContain("Image in ECR");
    expect(ecrImageUrl("registry.example.com/app", DIGEST)).toBeUndefined();
  });

  it("offers Approve / Reject while a gate holds the release, Roll back once it is out", () => {
    const actions = (state: ParentState) =>
      renderParent(state, EXECUTION).blocks.flatMap((block) =>
        block.type === "actions" ? block.elements.map((element) => element.text.text) : [],
      );
    expect(actions(parentOf(held("approval")))).toEqual(["Approve", "Reject"]);
    expect(actions(parentOf(held("scan")))).toEqual(["Reject"]);
    expect(actions(parentOf(held("approval"), started(), succeeded()))).toEqual(["Roll back"]);
    expect(actions(parentOf(succeeded(), rolled()))).toEqual([]);
  });

  it("keeps within the limits for a release of 20 Deployments and a commit message of 5,000 characters", () => {
    const long = `Refactor ${"the visits report ".repeat(300)}🚀`;
    const steps: Notification[] = deployments(20).map((deployment, index) =>
      index % 4 === 0
        ? held("approval", deployment)
        : index % 4 === 1
          ? succeeded(deployment)
          : index % 4 === 2
            ? rolled(deployment)
            : started(deployment),
    );
    const state = parentOf(...steps, pipeline("SUCCEEDED", { commitSummary: long }));
    const message = renderParent(state, EXECUTION, { region: "us-east-1", dashboardName: "d" });
    expectWithinLimits(message);
    expect(parentText(state)).toMatch(
      /^analytics · 9f8e7d6 Refactor the visits report .*… · rollout · rolled back on 5 of 20 Deployments \(live on 5\)$/,
    );
    // Buttons for five Deployments at most; the others are decided in their replies.
    const actions = message.blocks.find((block) => block.type === "actions");
    expect(actions?.type === "actions" && actions.elements.length).toBeLessThanOrEqual(10);
    expect(blockText(message)).toContain("more Deployments have a decision open");
  });

  it("names the Deployments of a release with several, within one section", () => {
    const state = parentOf(...deployments(20).map((deployment) => succeeded(deployment)));
    const message = renderParent(state, EXECUTION);
    expectWithinLimits(message);
    expect(parentText(state)).toContain("live on 20 Deployments");
    expect(blockText(message)).toContain("prod-eu-west-1/coworking/analytics-worker-01");
  });
});

describe("replies", () => {
  it("list a scan's 50 findings within the limits, the rest counted", () => {
    const notification = blocked(50);
    expect(notification.findings).toHaveLength(50);
    const message = renderReply(notification, EXECUTION);
    expectWithinLimits(message);
    const text = blockText(message);
    expect(text).toContain("*Findings* (50)");
    expect(text).toContain("<https://nvd.nist.gov/vuln/detail/CVE-2026-10000|CVE-2026-10000>");
    expect(text).toMatch(/…and \d+ more/);
  });

  it("carry the decision their step opens, with a compact value", () => {
    const approve = renderReply(held("approval"), EXECUTION);
    expectWithinLimits(approve);
    const elements = approve.blocks.flatMap((block) => (block.type === "actions" ? block.elements : []));
    expect(elements.map((element) => [element.text.text, element.style])).toEqual([
      ["Approve", "primary"],
      ["Reject", "danger"],
    ]);
    expect(JSON.parse(elements[0]?.value ?? "")).toEqual({
      v: 1,
      a: "approve",
      t: "prod/coworking/analytics",
      d: DIGEST,
      r: EXECUTION,
    });
    const rollback = renderReply(succeeded(), EXECUTION).blocks.flatMap((block) =>
      block.type === "actions" ? block.elements : [],
    );
    expect(rollback.map((element) => element.text.text)).toEqual(["Roll back"]);
    expect(
      renderReply(pipeline("SUCCEEDED"), EXECUTION).blocks.some((block) => block.type === "actions"),
    ).toBe(false);
  });

  it("keep a long commit message and a long detail within the limits", () => {
    const message = renderReply(pipeline("FAILED", { commitSummary: "x".repeat(20_000) }), EXECUTION);
    expectWithinLimits(message);
  });

  it("show a rollout's progress as one line, then its outcome", () => {
    expect(renderProgress(started()).text).toBe(
      "coworking/analytics on prod/coworking/analytics: rolling out",
    );
    expect(renderProgress(progress(1)).text).toBe(
      "coworking/analytics on prod/coworking/analytics: rolling out: 1/2 ready",
    );
    expect(renderProgress(succeeded()).text).toBe(
      "coworking/analytics on prod/coworking/analytics: rolled out in 1m 20s",
    );
    expectWithinLimits(renderProgress(rolled({ ...analytics, name: "x".repeat(253) })));
  });
});

describe("button values", () => {
  it("are compact JSON naming the decision, the Deployment, the digest and the release", () => {
    const value = buttonValue("rollback", "prod/coworking/analytics", DIGEST, EXECUTION);
    expect(value).toBe(
      `{"v":1,"a":"rollback","t":"prod/coworking/analytics","d":"${DIGEST}","r":"${EXECUTION}"}`,
    );
    expect(parseButtonValue(value ?? "")).toEqual({
      v: 1,
      a: "rollback",
      t: "prod/coworking/analytics",
      d: DIGEST,
      r: EXECUTION,
    });
  });

  it("drop the release key, then the button, rather than pass 2,000 characters", () => {
    const target = `prod/coworking/${"a".repeat(253)}`;
    const withoutRelease = buttonValue("approve", target, DIGEST, "k".repeat(2_000));
    expect(withoutRelease).toBeDefined();
    expect(JSON.parse(withoutRelease ?? "")).not.toHaveProperty("r");
    expect(buttonValue("approve", `prod/coworking/${"a".repeat(2_000)}`, DIGEST)).toBeUndefined();
  });

  it("are read back strictly: anything else is no decision", () => {
    expect(parseButtonValue("not json")).toBeUndefined();
    expect(parseButtonValue(JSON.stringify({ v: 2, a: "approve", t: "a/b/c", d: DIGEST }))).toBeUndefined();
    expect(parseButtonValue(JSON.stringify({ v: 1, a: "delete", t: "a/b/c", d: DIGEST }))).toBeUndefined();
    expect(parseButtonValue(JSON.stringify({ v: 1, a: "approve", t: "a/b", d: DIGEST }))).toBeUndefined();
    expect(parseButtonValue(JSON.stringify({ v: 1, a: "approve", t: "a/b/c", d: "latest" }))).toBeUndefined();
  });
});
