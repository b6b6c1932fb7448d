import { createLogger, REDACTED, redactSecrets, redactText } from "../../../functions/shared/logger.js";

const webhook = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";

describe("redactText", () => {
  it("removes Slack webhook URLs, EKS tokens and presigned signatures from any text", () => {
    const text = `POST ${webhook} failed; token k8s-aws-v1.aHR0cHM6Ly9zdHM_abc-def used; url ?X-Amz-Signature=abc123&X-Amz-Expires=60`;
    expect(redactText(text)).toBe(
      `POST ${REDACTED} failed; token ${REDACTED} used; url ?X-Amz-Signature=${REDACTED}&X-Amz-Expires=60`,
    );
  });

  it("leaves ordinary text alone", () => {
    expect(redactText("rolled out coworking/analytics to 1.1.0")).toBe(
      "rolled out coworking/analytics to 1.1.0",
    );
  });
});

describe("redactSecrets", () => {
  it("replaces values under secret-sounding keys", () => {
    expect(redactSecrets("webhookUrl", "anything")).toBe(REDACTED);
    expect(redactSecrets("authorization", "Bearer abc")).toBe(REDACTED);
    expect(redactSecrets("token", "abc")).toBe(REDACTED);
    expect(redactSecrets("deployment", "prod/coworking/analytics")).toBe("prod/coworking/analytics");
  });
});

describe("createLogger", () => {
  it("writes one JSON line per entry with no secret in it, error messages included", () => {
    const lines: string[] = [];
    const logger = createLogger("infra-test");
    const { stdout, stderr } = process;
    const writes = { out: stdout.write, err: stderr.write };
    const capture = ((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0) as typeof stdout.write;
    try {
      // Powertools writes through its own Console (errors to stderr); capture both streams.
      stdout.write = capture;
      stderr.write = capture;
      logger.info("slack sink configured", { slack: { webhookUrl: webhook }, channel: "#deploys" });
      logger.error("notification failed", new Error(`request to ${webhook} returned 500`));
    } finally {
      stdout.write = writes.out;
      stderr.write = writes.err;
    }
    const entries = lines
      .join("")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      level: "INFO",
      message: "slack sink configured",
      service: "infra-test",
      slack: { webhookUrl: REDACTED },
      channel: "#deploys",
    });
    expect(entries[1]).toMatchObject({
      level: "ERROR",
      error: { message: `request to ${REDACTED} returned 500` },
    });
    expect(lines.join("")).not.toContain("hooks.slack.com");
  });
});
