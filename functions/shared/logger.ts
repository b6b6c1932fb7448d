// The structured JSON logger every function uses (Powertools Logger: one JSON object per line,
// Lambda request id and cold-start flag when the handler injects the context). Secrets never
// reach the log: values under secret-sounding keys are replaced, and strings are scrubbed of
// Slack webhook URLs, Slack tokens and Kubernetes bearer tokens wherever they appear (including
// error messages and nested error attributes).
import { Logger } from "@aws-lambda-powertools/logger";

export type { Logger } from "@aws-lambda-powertools/logger";

export const REDACTED = "[redacted]";

const secretKey = /(webhook|secret|password|authorization|credential|^token$|bearer|session_?token)/i;
const secretInText: RegExp[] = [
  // Slack incoming webhooks: the path is the credential.
  /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]+/g,
  // Slack tokens (bot, user, app-level, rotating): xoxb-…, xoxp-…, xapp-…, xoxe.xoxb-….
  /\b(?:xox[abeoprs](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]+/g,
  // EKS bearer tokens (presigned STS URL, base64url).
  /k8s-aws-v1\.[A-Za-z0-9_-]+/g,
  // Presigned URL signatures and temporary credentials in query strings.
  /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/g,
];

export function redactText(text: string): string {
  return secretInText.reduce(
    (scrubbed, pattern) =>
      scrubbed.replace(pattern, (_match, prefix?: string) =>
        typeof prefix === "string" ? `${prefix}${REDACTED}` : REDACTED,
      ),
    text,
  );
}

/** JSON replacer: runs before Powertools' own (errors, bigints, cycles). */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== "" && secretKey.test(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) {
    // Format it here so its message and stack are scrubbed too; own attributes follow as usual.
    return {
      ...Object.fromEntries(Object.entries(value)),
      name: value.name,
      message: redactText(value.message),
      stack: value.stack === undefined ? undefined : redactText(value.stack),
      cause: value.cause,
    };
  }
  return value;
}

/** One logger per function, created in its composition root. Level from POWERTOOLS_LOG_LEVEL. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactSecrets });
}
