// Slack rendering (Block Kit): header, the facts as fields, the detail, the links. Limits from
// Slack's Block Kit reference: header text ≤ 150 chars, ≤ 10 fields per section, field text
// ≤ 2,000 chars, section text ≤ 3,000 chars.
import type { Notification, Severity } from "../../../types/notification.js";

export interface SlackMessage {
  /** Fallback shown in phone notifications and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji: true } }
  | { type: "section"; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: "context"; elements: MrkdwnText[] };

interface MrkdwnText {
  type: "mrkdwn";
  text: string;
}

const emoji: Record<Severity, string> = {
  info: ":information_source:",
  success: ":white_check_mark:",
  warning: ":warning:",
  critical: ":rotating_light:",
};

const FIELDS_PER_SECTION = 10;

/** Slack mrkdwn control characters (Slack: "Escaping text"). */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const mrkdwn = (text: string): MrkdwnText => ({ type: "mrkdwn", text });

export function renderSlack(notification: Notification): SlackMessage {
  const { deployment } = notification;
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: truncate(`${emoji[notification.severity]} ${notification.title}`, 150),
        emoji: true,
      },
    },
  ];
  const fields = [
    ...(deployment
      ? [{ label: "Deployment", value: `${deployment.cluster}/${deployment.namespace}/${deployment.name}` }]
      : []),
    ...notification.facts,
  ].map((fact) => mrkdwn(truncate(`*${escapeMrkdwn(fact.label)}*\n${escapeMrkdwn(fact.value)}`, 2000)));
  for (let start = 0; start < fields.length; start += FIELDS_PER_SECTION) {
    blocks.push({ type: "section", fields: fields.slice(start, start + FIELDS_PER_SECTION) });
  }
  if (notification.detail) {
    blocks.push({
      type: "section",
      text: mrkdwn(truncate(`>${escapeMrkdwn(notification.detail).replaceAll("\n", "\n>")}`, 3000)),
    });
  }
  const links = notification.links ?? [];
  if (links.length > 0) {
    blocks.push({
      type: "context",
      elements: [mrkdwn(links.map((link) => `<${link.url}|${escapeMrkdwn(link.label)}>`).join("  ·  "))],
    });
  }
  blocks.push({ type: "context", elements: [mrkdwn(`\`${escapeMrkdwn(notification.event)}\``)] });
  return { text: notification.title, blocks };
}
