// What a release's thread shows. The parent: the release in one line (service, version, commit,
// stage, verdict, duration), its Deployments when there are several, links (pipeline execution,
// build logs, commit, image in ECR, dashboard) and the decisions open now (Approve / Reject while
// a gate holds it, Roll back once it is out). A reply: the notification as a flat message shows
// it, plus a scan's findings and the decision its step opens. A progress reply: one line, edited.
// Every message keeps within Slack's limits (limits.ts), however large the release.
import { formatDuration } from "../../../shared/duration.js";
import type { Link, Notification } from "../../../types/notification.js";
import type { ParentState } from "../../../types/releaseThreads.js";
import { escapeAndFit, escapeMrkdwn, joinFitting, SlackLimits, truncate } from "../slack/limits.js";
import {
  emoji,
  linkLine,
  mrkdwn,
  renderSlack,
  type SlackBlock,
  type SlackButton,
  type SlackMessage,
} from "../slack/renderSlack.js";
import { button } from "./buttons.js";
import { decisions, deploymentKeyOf, repositoryName, summarise } from "./releaseState.js";

export interface LinkContext {
  /** The functions' region: the dashboard's console link. */
  region?: string;
  /** The CloudWatch dashboard of the stage. */
  dashboardName?: string;
}

/** Deployments whose decisions the parent offers as buttons; more are decided in the replies. */
export const PARENT_BUTTON_DEPLOYMENTS = 5;
/** Findings listed in a reply: the rest are counted. */
const FINDING_SECTIONS = 2;

const PHASE_ICON: Record<string, string> = {
  held: ":hourglass_flowing_sand:",
  blocked: ":no_entry:",
  "dry-run": ":memo:",
  "rolling-out": ":arrows_counterclockwise:",
  "rolled-out": ":white_check_mark:",
  failed: ":x:",
  "rolled-back": ":rotating_light:",
  replaced: ":fast_forward:",
};

/** `<account>.dkr.ecr.<region>.amazonaws.com/<name>` → the image's page in the ECR console. */
export function ecrImageUrl(repository: string | undefined, digest: string | undefined): string | undefined {
  if (repository === undefined || digest === undefined) return undefined;
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/.exec(repository);
  if (!match) return undefined;
  const [, account, region, name] = match;
  return (
    `https://${region}.console.aws.amazon.com/ecr/repositories/private/${account}/` +
    `${encodeURIComponent(name ?? "").replaceAll("%2F", "/")}/_/image/${encodeURIComponent(digest)}/details?region=${region}`
  );
}

export function dashboardUrl(links: LinkContext): string | undefined {
  if (links.region === undefined || links.dashboardName === undefined) return undefined;
  return (
    `https://${links.region}.console.aws.amazon.com/cloudwatch/home?region=${links.region}` +
    `#dashboards/dashboard/${encodeURIComponent(links.dashboardName)}`
  );
}

/** The parent's links: only the ones that can be built from what the release's steps said. */
export function parentLinks(state: ParentState, context: LinkContext): Link[] {
  const candidates: [string, string | undefined][] = [
    ["Pipeline execution", state.executionUrl],
    ["Build logs", state.buildUrl],
    ["Commit", state.commitUrl],
    ["Image in ECR", ecrImageUrl(state.repository, state.digest)],
    ["Dashboard", dashboardUrl(context)],
  ];
  return candidates.flatMap(([label, url]) => (url ? [{ label, url }] : []));
}

/** The parent as plain text: the phone notification, and what clients without blocks show. */
export function parentText(state: ParentState): string {
  const summary = summarise(state);
  const parts = [
    [summary.service, summary.version].filter(Boolean).join(" "),
    ...(summary.commit
      ? [
          `${summary.commit.slice(0, 7)}${summary.commitSummary ? ` ${truncate(summary.commitSummary, 72)}` : ""}`,
        ]
      : []),
    ...(summary.stage ? [summary.stage] : []),
    summary.verdict,
    ...(summary.durationMs !== undefined ? [formatDuration(summary.durationMs)] : []),
  ];
  return truncate(parts.join(" · "), SlackLimits.sectionText);
}

/** The one line, in mrkdwn: `*analytics* 1.4.0 · `9f8e7d6` Fix … · rollout · ✅ live on … · 7m 25s`. */
function parentLine(state: ParentState): string {
  const summary = summarise(state);
  const parts = [
    `${summary.icon} *${escapeAndFit(summary.service, 100)}*${summary.version ? ` ${escapeAndFit(summary.version, 80)}` : ""}`,
    ...(summary.commit
      ? [
          `\`${summary.commit.slice(0, 7)}\`${summary.commitSummary ? ` ${escapeAndFit(summary.commitSummary, 72)}` : ""}`,
        ]
      : []),
    ...(summary.stage ? [`stage *${summary.stage}*`] : []),
    escapeAndFit(summary.verdict, 400),
    ...(summary.durationMs !== undefined ? [formatDuration(summary.durationMs)] : []),
  ];
  return truncate(parts.join("  ·  "), SlackLimits.sectionText);
}

/** The buttons of the decisions open now, for at most PARENT_BUTTON_DEPLOYMENTS Deployments. */
function parentButtons(state: ParentState, release: string): { buttons: SlackButton[]; more: number } {
  const open = decisions(state);
  if (state.digest === undefined) return { buttons: [], more: 0 };
  const digest = state.digest;
  const several = open.length > 1;
  const buttons: SlackButton[] = [];
  for (const { deployment, actions } of open.slice(0, PARENT_BUTTON_DEPLOYMENTS)) {
    const [cluster, , name] = deployment.split("/");
    for (const action of actions) {
      const made = button(
        action,
        deployment,
        digest,
        release,
        buttons.length,
        several ? `${name} (${cluster})` : undefined,
      );
      if (made) buttons.push(made);
    }
  }
  return {
    buttons: buttons.slice(0, SlackLimits.actionsElements),
    more: Math.max(0, open.length - PARENT_BUTTON_DEPLOYMENTS),
  };
}

/** The parent message of a release's thread, as it stands. */
export function renderParent(state: ParentState, release: string, context: LinkContext = {}): SlackMessage {
  const blocks: SlackBlock[] = [{ type: "section", text: mrkdwn(parentLine(state)) }];
  const deployments = Object.entries(state.deployments).sort(([a], [b]) => a.localeCompare(b));
  if (deployments.length > 1) {
    const lines = deployments.map(
      ([key, mark]) =>
        `${PHASE_ICON[mark.phase] ?? ":grey_question:"} \`${escapeAndFit(key, 400)}\` ${escapeMrkdwn(mark.phase)}${mark.gate ? ` (${escapeMrkdwn(mark.gate)})` : ""}`,
    );
    const shown = joinFitting(lines, "\n", SlackLimits.sectionText - 40);
    const count = shown === "" ? 0 : shown.split("\n").length;
    const rest = lines.length - count;
    blocks.push({
      type: "section",
      text: mrkdwn(`${shown}${rest > 0 ? `\n_…and ${rest} more Deployments_` : ""}`),
    });
  }
  const links = parentLinks(state, context);
  if (links.length > 0)
    blocks.push({ type: "context", elements: [mrkdwn(linkLine(links, SlackLimits.sectionText))] });
  const { buttons, more } = parentButtons(state, release);
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  if (more > 0) {
    blocks.push({
      type: "context",
      elements: [mrkdwn(`${more} more Deployments have a decision open: their buttons are in the replies`)],
    });
  }
  return { text: parentText(state), blocks };
}

/** A scan's findings, one line each, in at most FINDING_SECTIONS sections; the rest are counted. */
function findingBlocks(notification: Notification): SlackBlock[] {
  const findings = notification.findings ?? [];
  if (findings.length === 0) return [];
  const lines = findings.map((finding) => {
    const id = finding.link
      ? `<${finding.link}|${escapeAndFit(finding.id, 200)}>`
      : escapeAndFit(finding.id, 200);
    return `• *${escapeAndFit(finding.severity, 40)}* ${id}${finding.package ? ` in \`${escapeAndFit(finding.package, 200)}\`` : ""}`;
  });
  const blocks: SlackBlock[] = [];
  let next = 0;
  for (let section = 0; section < FINDING_SECTIONS && next < lines.length; section++) {
    const heading = section === 0 ? `*Findings* (${findings.length})\n` : "";
    const text = joinFitting(lines.slice(next), "\n", SlackLimits.sectionText - heading.length - 40);
    const taken = text === "" ? 0 : text.split("\n").length;
    if (taken === 0) break;
    next += taken;
    blocks.push({ type: "section", text: mrkdwn(`${heading}${text}`) });
  }
  if (next < lines.length) {
    const last = blocks.at(-1);
    if (last?.type === "section" && last.text)
      last.text = mrkdwn(`${last.text.text}\n_…and ${lines.length - next} more_`);
  }
  return blocks;
}

/** The decisions a reply opens: the held release's Approve / Reject, the rolled-out one's Roll back. */
function replyButtons(notification: Notification, release: string): SlackButton[] {
  const { deployment } = notification;
  const digest = notification.release?.digest;
  if (!deployment || digest === undefined) return [];
  const target = deploymentKeyOf(deployment);
  const phase = notification.release?.phase;
  const actions =
    phase === "held"
      ? notification.release?.gate === "approval"
        ? (["approve", "reject"] as const)
        : (["reject"] as const)
      : phase === "rolled-out"
        ? (["rollback"] as const)
        : [];
  return actions.flatMap((action, index) => button(action, target, digest, release, index) ?? []);
}

/** A reply in the release's thread: the step in full, its findings and the decision it opens. */
export function renderReply(notification: Notification, release: string): SlackMessage {
  const extra = findingBlocks(notification);
  const buttons = replyButtons(notification, release);
  const reserve = extra.length + (buttons.length > 0 ? 1 : 0);
  // The rollout's facts name the Deployment and its cluster already: no third line for it.
  const named = notification.facts.some((fact) => fact.label === "Deployment");
  const base = renderSlack(notification, { reserveBlocks: reserve, deploymentField: !named });
  // The findings go with the facts, before the links and the event name that close the message.
  let tail = base.blocks.length;
  while (tail > 1 && base.blocks[tail - 1]?.type === "context") tail -= 1;
  const blocks = [
    ...base.blocks.slice(0, tail),
    ...extra,
    ...base.blocks.slice(tail),
    ...(buttons.length > 0 ? [{ type: "actions" as const, elements: buttons }] : []),
  ];
  return { text: base.text, blocks };
}

const PHASE_WORDS: Record<string, string> = {
  "rolling-out": "rolling out",
  "rolled-out": "rolled out",
  failed: "failed",
  "rolled-back": "rolled back",
};

/** The one progress line of a Deployment's rollout, edited as it goes and at its end. */
export function renderProgress(notification: Notification): SlackMessage {
  const release = notification.release;
  const where = notification.deployment ? deploymentKeyOf(notification.deployment) : "the release";
  const phase = release?.phase ?? "";
  const icon = PHASE_ICON[phase] ?? emoji[notification.severity];
  const progress = release?.progress;
  const started = release?.startedAt === undefined ? Number.NaN : Date.parse(release.startedAt);
  const ended = release?.endedAt === undefined ? Number.NaN : Date.parse(release.endedAt);
  const took =
    Number.isNaN(started) || Number.isNaN(ended) || ended < started
      ? ""
      : ` in ${formatDuration(ended - started)}`;
  const state =
    phase === "rolling-out"
      ? `rolling out${progress ? `: ${progress.ready}/${progress.desired} ready` : ""}`
      : `${PHASE_WORDS[phase] ?? notification.event}${took}`;
  const tag = release?.tag;
  const image = tag === undefined ? "" : ` ${/^[0-9a-f]{40}$/.test(tag) ? tag.slice(0, 12) : tag}`;
  const line = `${icon} \`${escapeAndFit(where, 400)}\`${escapeAndFit(image, 100)}: ${escapeAndFit(state, 200)}`;
  const name = repositoryName(release?.repository);
  return {
    text: truncate(`${name ?? "release"} on ${where}: ${state}`, SlackLimits.sectionText),
    blocks: [{ type: "section", text: mrkdwn(truncate(line, SlackLimits.sectionText)) }],
  };
}

/** When Slack refuses a message's blocks: the title alone, so the step still shows in the thread. */
export function renderMinimal(notification: Notification): SlackMessage {
  const title = `${emoji[notification.severity]} ${notification.title}`;
  return {
    text: truncate(notification.title, SlackLimits.sectionText),
    blocks: [{ type: "section", text: mrkdwn(escapeAndFit(title, SlackLimits.sectionText)) }],
  };
}
