// What onSlackAction says in Slack: the ephemeral answers only the clicking user sees, and the
// line that records a decision on the clicked message (or in its thread).
import { escapeAndFit } from "../../extension/notification/slack/limits.js";
import type { SlackBlock } from "../../extension/notification/slack/renderSlack.js";
import type { ButtonAction } from "../../extension/notification/slackThread/buttons.js";
import type { DeploymentReport } from "../../rollout/report.js";

const VERB: Record<ButtonAction, string> = {
  approve: "approved",
  reject: "rejected",
  rollback: "rolled back",
};

const LABEL: Record<ButtonAction, string> = {
  approve: "Approve",
  reject: "Reject",
  rollback: "Roll back",
};

/** What a decision that acted leaves behind; anything else changed nothing. */
const ACTED = new Set<DeploymentReport["action"]>([
  "patched",
  "rolled_back",
  "blocked",
  "finished",
  "settled",
]);

/** Slack shows a mention for `<@U…>`; the id was validated when the click was parsed. */
const mention = (user: string) => `<@${user}>`;

export function notAllowedText(action: ButtonAction): string {
  return `:no_entry: You are not one of this stage's Slack approvers (SLACK_APPROVERS), so *${LABEL[action]}* did nothing. An approver can click it, or decide with \`npm run approve\` / \`npm run rollback\` (docs/gates.md).`;
}

export function approversUnknownText(action: ButtonAction): string {
  return `:warning: Whether you are an approver could not be checked just now (Slack's user groups did not answer), so *${LABEL[action]}* did nothing. Click again in a moment.`;
}

export interface DecisionLine {
  /** Whether the decision changed something (the buttons are then spent). */
  acted: boolean;
  /** One line: who did what to which Deployment, and what came of it. */
  text: string;
}

/** The line a decision leaves in Slack, from the report's lines and what could not be reached. */
export function decisionLine(
  user: string,
  action: ButtonAction,
  target: string,
  deployments: readonly DeploymentReport[],
  failures: readonly string[],
): DecisionLine {
  const acted = failures.length === 0 && deployments.some((line) => ACTED.has(line.action));
  const what = deployments
    .map((line) => `${line.action}${line.outcome ? ` (${line.outcome})` : ""}: ${line.reason}`)
    .join("; ");
  const emoji =
    failures.length > 0
      ? ":warning:"
      : !acted
        ? ":information_source:"
        : action === "approve"
          ? ":white_check_mark:"
          : action === "reject"
            ? ":no_entry:"
            : ":arrows_counterclockwise:";
  const outcome =
    failures.length > 0
      ? `could not be carried out in full (${failures.join("; ")}); clicking again is safe`
      : acted
        ? what
        : `nothing was done: ${what || "no result"}`;
  const head = `${emoji} ${mention(user)} ${acted ? VERB[action] : `clicked *${LABEL[action]}* on`} \`${escapeAndFit(target, 300)}\``;
  return { acted, text: `${head}: ${escapeAndFit(outcome, 2500)}` };
}

/** The clicked message, redrawn: its blocks without the spent buttons, and the decision's line. */
export function withDecision(blocks: readonly Record<string, unknown>[], line: string): SlackBlock[] {
  const kept = blocks.filter((block) => block.type !== "actions") as unknown as SlackBlock[];
  return [...kept, { type: "context", elements: [{ type: "mrkdwn", text: line }] }];
}
