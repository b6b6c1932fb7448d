// The buttons of a release's thread and the value each carries. The click is handled elsewhere
// (Slack's interactivity request, verified with the signing secret); what it needs to act is all
// in the value, a compact JSON that names one decision on one Deployment, the same as the CLI's
// arguments (docs/gates.md):
//
//   {"v":1,"a":"approve","t":"prod/coworking/analytics","d":"sha256:…","r":"<release key>"}
//
//   v  the format's version (1)
//   a  approve | reject | rollback
//   t  the Deployment, <cluster>/<namespace>/<name>
//   d  the digest the decision is about: an approval or a rejection applies only while that digest
//      is the pending one, a rollback only while it is the one running
//   r  the release's thread key, so the answer can be posted in the thread (left out when the
//      value would otherwise pass Slack's 2,000 characters)
//
// A button whose value cannot fit is not shown.

import { SlackLimits, truncate } from "../slack/limits.js";
import type { SlackButton } from "../slack/renderSlack.js";

export type ButtonAction = "approve" | "reject" | "rollback";

export interface ButtonValue {
  v: 1;
  a: ButtonAction;
  t: string;
  d: string;
  r?: string;
}

const LABEL: Record<ButtonAction, string> = {
  approve: "Approve",
  reject: "Reject",
  rollback: "Roll back",
};

const STYLE: Record<ButtonAction, SlackButton["style"]> = {
  approve: "primary",
  reject: "danger",
  rollback: "danger",
};

/** The value of a button, or undefined when even without the release key it passes Slack's limit. */
export function buttonValue(
  action: ButtonAction,
  deployment: string,
  digest: string,
  release?: string,
): string | undefined {
  const base: ButtonValue = { v: 1, a: action, t: deployment, d: digest };
  const full = release === undefined ? base : { ...base, r: release };
  const text = JSON.stringify(full);
  if (text.length <= SlackLimits.buttonValue) return text;
  const short = JSON.stringify(base);
  return short.length <= SlackLimits.buttonValue ? short : undefined;
}

/** Reads a button's value back (for the interactivity endpoint); undefined for anything else. */
export function parseButtonValue(text: string): ButtonValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const value = parsed as Record<string, unknown>;
  const action = value.a;
  if (value.v !== 1 || (action !== "approve" && action !== "reject" && action !== "rollback"))
    return undefined;
  if (typeof value.t !== "string" || !/^[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(value.t)) return undefined;
  if (typeof value.d !== "string" || !/^sha256:[0-9a-f]{64}$/.test(value.d)) return undefined;
  if (value.r !== undefined && typeof value.r !== "string") return undefined;
  return {
    v: 1,
    a: action,
    t: value.t,
    d: value.d,
    ...(typeof value.r === "string" ? { r: value.r } : {}),
  };
}

/**
 * A decision button. `suffix` names the Deployment when one message carries buttons for several;
 * `index` keeps action_ids unique within the message, as Slack requires.
 */
export function button(
  action: ButtonAction,
  deployment: string,
  digest: string,
  release: string | undefined,
  index: number,
  suffix?: string,
): SlackButton | undefined {
  const value = buttonValue(action, deployment, digest, release);
  if (value === undefined) return undefined;
  return {
    type: "button",
    text: {
      type: "plain_text",
      text: truncate(suffix ? `${LABEL[action]} ${suffix}` : LABEL[action], SlackLimits.buttonText),
      emoji: true,
    },
    action_id: `${action}-${index}`,
    value,
    style: STYLE[action],
  };
}
