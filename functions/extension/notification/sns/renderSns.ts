// SNS rendering: a subject for email subscribers (SNS: ASCII, no line breaks, < 100 chars),
// a plain-text body, and message attributes subscribers can filter on.
import type { MessageAttributeValue } from "@aws-sdk/client-sns";
import type { Notification } from "../../../types/notification.js";

export interface SnsMessage {
  subject: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

export const SUBJECT_MAX = 99;

export function snsSubject(title: string): string {
  const ascii = title
    .replaceAll("→", "->")
    .replaceAll("…", "...")
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/ {2,}/g, " ")
    .trim();
  // The subject must begin with a letter, number or punctuation mark.
  const subject = ascii.length > 0 ? ascii : "Coworking delivery notification";
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 3)}...`;
}

export function deploymentKey(notification: Notification): string | undefined {
  const { deployment } = notification;
  return deployment && `${deployment.cluster}/${deployment.namespace}/${deployment.name}`;
}

export function renderSns(notification: Notification): SnsMessage {
  const deployment = deploymentKey(notification);
  const lines = [notification.title, ""];
  if (deployment) lines.push(`Deployment: ${deployment}`);
  for (const fact of notification.facts) lines.push(`${fact.label}: ${fact.value}`);
  if (notification.detail) lines.push("", notification.detail);
  const links = notification.links ?? [];
  if (links.length > 0) lines.push("", ...links.map((link) => `${link.label}: ${link.url}`));
  lines.push("", `Event: ${notification.event} (severity ${notification.severity})`);
  const attributes: Record<string, MessageAttributeValue> = {
    event: { DataType: "String", StringValue: notification.event },
    severity: { DataType: "String", StringValue: notification.severity },
  };
  // SNS rejects empty attribute values, so a notification without a Deployment has none.
  if (deployment) attributes.deployment = { DataType: "String", StringValue: deployment };
  return { subject: snsSubject(notification.title), body: lines.join("\n"), attributes };
}
