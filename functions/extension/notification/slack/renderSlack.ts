// Slack rendering (Block Kit): header, the facts as fields, the detail, the links. Limits from
// Slack's Block Kit reference (limits.ts): header text ≤ 150 chars, ≤ 10 fields per section, field
// text ≤ 2,000 chars, section text ≤ 3,000 chars, ≤ 50 blocks.
import type { Notification, Severity } from "../../../types/notification.js";
import { escapeAndFit, escapeMrkdwn, fitRendered, joinFitting, SlackLimits, truncate } from "./limits.js";

export { escapeMrkdwn } from "./limits.js";

export interface SlackMessage {
  /** Fallback shown in phone notifications and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji: true } }
  | { type: "section"; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: "context"; elements: MrkdwnText[] }
  | { type: "actions"; elements: SlackButton[] };

export interface MrkdwnText {
  type: "mrkdwn";
  text: string;
}

export interface SlackButton {
  type: "button";
  text: { type: "plain_text"; text: string; emoji: true };
  action_id: string;
  value?: string;
  url?: string;
  style?: "primary" | "danger";
}

export const emoji: Record<Severity, string> = {
  info: ":information_source:",
  success: ":white_check_mark:",
  warning: ":warning:",
  critical: ":rotating_light:",
};

const FIELDS_PER_SECTION = SlackLimits.fieldsPerSection;

export const mrkdwn = (text: string): MrkdwnText => ({ type: "mrkdwn", text });

/** The notification's blocks as a flat message shows them (the incoming webhook, a thread's reply). */
export function renderSlack(
  notification: Notification,
  options: {
    /** Blocks the caller adds to these (a thread's reply): the facts leave room for them. */
    reserveBlocks?: number;
    /** false: no `Deployment` field of its own when the facts name the Deployment already. */
    deploymentField?: boolean;
  } = {},
): SlackMessage {
  const deployment = options.deploymentField === false ? undefined : notification.deployment;
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: truncate(`${emoji[notification.severity]} ${notification.title}`, SlackLimits.headerText),
        emoji: true,
      },
    },
  ];
  const fields = [
    ...(deployment
      ? [{ label: "Deployment", value: `${deployment.cluster}/${deployment.namespace}/${deployment.name}` }]
      : []),
    ...notification.facts,
  ].map((fact) => mrkdwn(factText(fact.label, fact.value, SlackLimits.fieldText)));
  // Header, detail, links and the event name take at most four blocks; a notification with
  // hundreds of facts (a drift of many containers) keeps what fits and says how many it left out.
  const sections = Math.ceil(fields.length / FIELDS_PER_SECTION);
  const room = SlackLimits.blocks - 4 - (options.reserveBlocks ?? 0);
  const shown = sections <= room ? fields : fields.slice(0, (room - 1) * FIELDS_PER_SECTION);
  for (let start = 0; start < shown.length; start += FIELDS_PER_SECTION) {
    blocks.push({ type: "section", fields: shown.slice(start, start + FIELDS_PER_SECTION) });
  }
  if (shown.length < fields.length) {
    blocks.push({
      type: "section",
      text: mrkdwn(`_…and ${fields.length - shown.length} more facts_`),
    });
  }
  if (notification.detail) {
    blocks.push({
      type: "section",
      text: mrkdwn(quote(notification.detail, SlackLimits.sectionText)),
    });
  }
  const links = notification.links ?? [];
  if (links.length > 0) {
    blocks.push({
      type: "context",
      elements: [mrkdwn(linkLine(links, SlackLimits.sectionText))],
    });
  }
  blocks.push({ type: "context", elements: [mrkdwn(`\`${escapeMrkdwn(notification.event)}\``)] });
  return { text: truncate(notification.title, SlackLimits.sectionText), blocks };
}

/** `*label*` and the value on the next line, escaped, at most `max` characters. */
export function factText(label: string, value: string, max: number): string {
  const head = `*${escapeAndFit(label, 200)}*\n`;
  return `${head}${escapeAndFit(value, max - head.length)}`;
}

/** A block quote of `text`, every line marked, at most `max` characters. */
export function quote(text: string, max: number): string {
  return fitRendered(text, max, (raw) => `>${escapeMrkdwn(raw).replaceAll("\n", "\n>")}`);
}

/** Links as `<url|label>` separated by dots; links that do not fit are left out whole. */
export function linkLine(links: readonly { label: string; url: string }[], max: number): string {
  return joinFitting(
    links
      .filter((link) => link.url.length <= SlackLimits.url)
      .map((link) => `<${link.url}|${escapeAndFit(link.label, 150)}>`),
    "  ·  ",
    max,
  );
}
