import { renderConsole } from "../../../../functions/extension/notification/console/renderConsole.js";
import { renderSlack } from "../../../../functions/extension/notification/slack/renderSlack.js";
import { renderSns, snsSubject } from "../../../../functions/extension/notification/sns/renderSns.js";
import { pipelineFailed, rolledBack } from "../../../fixtures/notifications.js";

describe("renderSlack", () => {
  it("renders header, deployment and facts as fields, the detail as a quote, links and the event", () => {
    const message = renderSlack(rolledBack);
    expect(message.text).toBe(rolledBack.title);
    expect(message.blocks).toEqual([
      {
        type: "header",
        text: {
          type: "plain_text",
          text: ":rotating_light: analytics rolled back: 1.2.0 → 1.1.0 (ProgressDeadlineExceeded)",
          emoji: true,
        },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Deployment*\nprod/coworking/analytics" },
          { type: "mrkdwn", text: "*Image*\n1.1.0 → 1.2.0 (sha256:4f2a91c0)" },
          { type: "mrkdwn", text: "*Why*\nECR push of analytics:1.2.0" },
          { type: "mrkdwn", text: "*Outcome*\nrolled back to 1.1.0; digest quarantined" },
          { type: "mrkdwn", text: "*Duration*\n2m 10s" },
        ],
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: ">Deployment exceeded its progress deadline: 0/2 new pods Ready.\n>ReplicaSet analytics-7d9 has timed out progressing.",
        },
      },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "<https://console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking/executions/e-1|Pipeline execution>",
          },
        ],
      },
      { type: "context", elements: [{ type: "mrkdwn", text: "`rollout.rolled_back`" }] },
    ]);
  });

  it("escapes mrkdwn control characters and splits more than ten fields over sections", () => {
    const many = {
      ...pipelineFailed,
      facts: Array.from({ length: 12 }, (_, index) => ({ label: `Fact ${index}`, value: `v${index}` })),
    };
    const sections = renderSlack(many).blocks.filter((block) => block.type === "section");
    expect(sections.map((section) => section.fields?.length)).toEqual([10, 2]);
    const escaped = renderSlack(pipelineFailed).blocks[1];
    expect(escaped).toEqual({
      type: "section",
      fields: [{ type: "mrkdwn", text: "*Commit*\na1b2c3d fix &lt;script&gt; &amp; stuff" }],
    });
  });

  it("keeps the header within Slack's 150 characters", () => {
    const long = renderSlack({ ...pipelineFailed, title: "x".repeat(400) });
    const header = long.blocks[0];
    expect(header?.type === "header" && header.text.text.length).toBe(150);
  });
});

describe("renderSns", () => {
  it("sets event, severity and deployment attributes, an ASCII subject and a plain-text body", () => {
    const message = renderSns(rolledBack);
    expect(message.attributes).toEqual({
      event: { DataType: "String", StringValue: "rollout.rolled_back" },
      severity: { DataType: "String", StringValue: "critical" },
      deployment: { DataType: "String", StringValue: "prod/coworking/analytics" },
    });
    expect(message.subject).toBe("analytics rolled back: 1.2.0 -> 1.1.0 (ProgressDeadlineExceeded)");
    expect(message.body).toBe(
      [
        "analytics rolled back: 1.2.0 → 1.1.0 (ProgressDeadlineExceeded)",
        "",
        "Deployment: prod/coworking/analytics",
        "Image: 1.1.0 → 1.2.0 (sha256:4f2a91c0)",
        "Why: ECR push of analytics:1.2.0",
        "Outcome: rolled back to 1.1.0; digest quarantined",
        "Duration: 2m 10s",
        "",
        "Deployment exceeded its progress deadline: 0/2 new pods Ready.",
        "ReplicaSet analytics-7d9 has timed out progressing.",
        "",
        "Pipeline execution: https://console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking/executions/e-1",
        "",
        "Event: rollout.rolled_back (severity critical)",
      ].join("\n"),
    );
  });

  it("omits the deployment attribute when there is no Deployment", () => {
    expect(Object.keys(renderSns(pipelineFailed).attributes)).toEqual(["event", "severity"]);
  });

  it("keeps subjects under 100 characters, on one line, ASCII only", () => {
    const subject = snsSubject(`rollout ✓\n${"é".repeat(5)}${"a".repeat(200)}`);
    expect(subject.length).toBe(99);
    expect(subject.startsWith("rollout aaaa")).toBe(true);
    expect(subject.endsWith("...")).toBe(true);
    expect(snsSubject("✓✓")).toBe("Coworking delivery notification");
  });
});

describe("renderConsole", () => {
  it("prints readable aligned lines", () => {
    expect(renderConsole(rolledBack)).toBe(
      [
        "[CRITICAL] analytics rolled back: 1.2.0 → 1.1.0 (ProgressDeadlineExceeded)  (rollout.rolled_back)",
        "    deployment: prod/coworking/analytics",
        "    Image     1.1.0 → 1.2.0 (sha256:4f2a91c0)",
        "    Why       ECR push of analytics:1.2.0",
        "    Outcome   rolled back to 1.1.0; digest quarantined",
        "    Duration  2m 10s",
        "    > Deployment exceeded its progress deadline: 0/2 new pods Ready.",
        "    > ReplicaSet analytics-7d9 has timed out progressing.",
        "    Pipeline execution: https://console.aws.amazon.com/codesuite/codepipeline/pipelines/coworking/executions/e-1",
        "",
      ].join("\n"),
    );
  });
});
