// Console rendering: a few readable lines per notification, for local runs and the sandbox.
import type { Notification, Severity } from "../../../types/notification.js";

const badge: Record<Severity, string> = {
  info: "INFO",
  success: "OK",
  warning: "WARN",
  critical: "CRITICAL",
};

export function renderConsole(notification: Notification): string {
  const { deployment } = notification;
  const lines = [`[${badge[notification.severity]}] ${notification.title}  (${notification.event})`];
  if (deployment)
    lines.push(`    deployment: ${deployment.cluster}/${deployment.namespace}/${deployment.name}`);
  const width = Math.max(0, ...notification.facts.map((fact) => fact.label.length));
  for (const fact of notification.facts) lines.push(`    ${fact.label.padEnd(width)}  ${fact.value}`);
  if (notification.detail) lines.push(...notification.detail.split("\n").map((line) => `    > ${line}`));
  for (const link of notification.links ?? []) lines.push(`    ${link.label}: ${link.url}`);
  return `${lines.join("\n")}\n`;
}
