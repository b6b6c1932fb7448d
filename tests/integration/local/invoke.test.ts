// `npm run invoke` as a user runs it: a child process, the real handler, local mode from the
// harness environment. The result is on stdout (parseable), logs on stderr, and the exit code
// says whether the invocation failed.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness } from "../../harness/env.js";

const root = join(import.meta.dirname, "../../..");
const tsx = join(root, "node_modules/.bin/tsx");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function invoke(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ["functions/local/invoke.ts", ...args],
      { cwd: root, env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function eventFile(event: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "invoke-")), "event.json");
  writeFileSync(path, JSON.stringify(event));
  return path;
}

/** An ECR DELETE, in the documented shape: handled by being ignored, with no side effect. */
const deleteEvent = {
  version: "0",
  id: "dd3b46cb-2c74-f49e-393b-28286b67279d",
  "detail-type": "ECR Image Action",
  source: "aws.ecr",
  account: harness().accountId,
  time: "2026-11-26T22:01:05Z",
  region: harness().region,
  resources: [],
  detail: {
    result: "SUCCESS",
    "repository-name": "coworking/analytics",
    "image-digest": `sha256:${"7f".repeat(32)}`,
    "action-type": "DELETE",
    "image-tag": "1.4.0",
  },
};

describe("npm run invoke", () => {
  it("runs the real handler in local mode and prints its JSON result on stdout, exit 0 for an ignored event", async () => {
    const outcome = await invoke(["onImagePush", eventFile(deleteEvent), "--timeout", "30"]);
    expect(outcome.code).toBe(0);
    const result = JSON.parse(outcome.stdout);
    expect(result).toMatchObject({ outcome: "ignored", eventId: deleteEvent.id });
    expect(result.reason).toMatch(/DELETE/);
    // The handler's structured log went to stderr, not into the result.
    expect(outcome.stderr).toContain('"message":"event ignored"');
  });

  it("exits non-zero with the handler's error when the invocation fails", async () => {
    const env = { ...process.env, ROLLOUT_WAIT_SECONDS: "-5" };
    const outcome = await invoke(["onImagePush", eventFile(deleteEvent)], env);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toContain("invocation of onImagePush failed: ConfigError");
    expect(outcome.stderr).toContain("ROLLOUT_WAIT_SECONDS must be a positive whole number of seconds");
  });

  it("runs onDecision on a function URL event and prints its HTTP answer: 403 without a verified identity", async () => {
    const unsigned = {
      version: "2.0",
      routeKey: "$default",
      rawPath: "/",
      rawQueryString: "",
      headers: { "content-type": "application/json" },
      requestContext: {
        accountId: harness().accountId,
        apiId: "local",
        http: { method: "POST", path: "/" },
        requestId: "invoke-test",
      },
      body: JSON.stringify({ action: "approve", target: "harness/coworking/analytics" }),
      isBase64Encoded: false,
    };
    const outcome = await invoke(["onDecision", eventFile(unsigned)]);
    expect(outcome.code).toBe(0);
    const response = JSON.parse(outcome.stdout);
    expect(response).toMatchObject({ statusCode: 403, headers: { "content-type": "application/json" } });
    expect(JSON.parse(response.body)).toMatchObject({
      outcome: "rejected",
      field: "requestContext.authorizer.iam.userArn",
    });
  });

  it("names the available functions for an unknown one, and the file for an unreadable event", async () => {
    const unknown = await invoke(["onImagePull", eventFile(deleteEvent)]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown function "onImagePull"; available: .*onDecision.*onImagePush.*reconcile/,
    );

    const missing = await invoke(["onImagePush", "/nonexistent/event.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read event file /nonexistent/event.json");

    const garbled = eventFile("{");
    writeFileSync(garbled, "{not json");
    const invalid = await invoke(["onImagePush", garbled]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`event file ${garbled} is not valid JSON`);
  });
});
