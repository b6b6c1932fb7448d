// The decision CLI (npm run approve / rollback / unquarantine): its arguments, refused exactly as
// the endpoint would refuse them; and its remote mode against a local HTTP server standing in for
// the function URL: the request is the body the endpoint takes, SigV4-signed for `lambda` with
// the caller's credentials, and the answer decides the exit status.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { main, parseArguments, UsageError } from "../../../functions/local/decisionCli.js";

const DIGEST = `sha256:${"cd".repeat(32)}`;
const TARGET = "coworking-prod/coworking/analytics";

function usageError(args: string[]): string {
  try {
    parseArguments(args);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a usage error for ${args.join(" ")}`);
}

describe("parseArguments", () => {
  it("approve: the target, and the digest and reason when given", () => {
    expect(parseArguments(["approve", TARGET])).toEqual({
      kind: "decision",
      command: "approve",
      body: { action: "approve", target: TARGET },
    });
    expect(
      parseArguments(["approve", "--digest", DIGEST, TARGET, "--reason", "CAB-1234 signed off"]),
    ).toEqual({
      kind: "decision",
      command: "approve",
      body: { action: "approve", target: TARGET, digest: DIGEST, reason: "CAB-1234 signed off" },
    });
  });

  it("approve --reject: a rejection", () => {
    expect(parseArguments(["approve", TARGET, "--reject", "--reason=breaks the EU invoices"])).toMatchObject({
      body: { action: "reject", target: TARGET, reason: "breaks the EU invoices" },
    });
  });

  it("rollback: quarantine only when asked", () => {
    expect(parseArguments(["rollback", TARGET])).toMatchObject({
      body: { action: "rollback", target: TARGET },
    });
    expect(parseArguments(["rollback", TARGET, "--quarantine", "--reason", "p99 doubled"])).toMatchObject({
      body: { action: "rollback", target: TARGET, quarantine: true, reason: "p99 doubled" },
    });
  });

  it("unquarantine: the image", () => {
    expect(parseArguments(["unquarantine", `coworking-analytics@${DIGEST}`])).toMatchObject({
      body: { action: "unquarantine", image: `coworking-analytics@${DIGEST}` },
    });
  });

  it("takes a value that starts with -- in the --option=value form, and -- ends the options", () => {
    expect(parseArguments(["approve", TARGET, "--reason=--force was wrong"])).toMatchObject({
      body: { reason: "--force was wrong" },
    });
    expect(parseArguments(["approve", "--", TARGET])).toMatchObject({ body: { target: TARGET } });
  });

  it("--help (or -h) asks for the usage", () => {
    expect(parseArguments(["rollback", "--help"])).toEqual({ kind: "help" });
    expect(parseArguments(["approve", TARGET, "-h"])).toEqual({ kind: "help" });
  });

  it.each([
    ["no command", [], "the first argument must be one of approve, rollback, unquarantine"],
    ["an unknown command", ["merge", TARGET], "the first argument must be one of"],
    ["no target", ["approve"], "approve takes exactly one <cluster>/<namespace>/<name>, got none"],
    ["two targets", ["approve", TARGET, TARGET], "takes exactly one"],
    [
      "an option of another command",
      ["approve", TARGET, "--quarantine"],
      "approve takes no option --quarantine",
    ],
    ["--reject on a rollback", ["rollback", TARGET, "--reject"], "rollback takes no option --reject"],
    ["a digest on an unquarantine", ["unquarantine", `a@${DIGEST}`, "--digest", DIGEST], "takes no option"],
    ["an option twice", ["approve", TARGET, "--reason", "a", "--reason", "b"], "--reason is given twice"],
    ["an option without its value", ["approve", TARGET, "--reason"], "--reason needs a value"],
    ["an option followed by another", ["approve", TARGET, "--reason", "--reject"], "--reason needs a value"],
    ["a flag with a value", ["approve", TARGET, "--reject=yes"], "--reject takes no value"],
    ["a malformed target", ["approve", "coworking/analytics"], "<cluster>/<namespace>/<name>: must be"],
    ["a bad namespace", ["rollback", "prod/Coworking/api"], 'namespace "Coworking" must be a DNS label'],
    [
      "a short digest",
      ["approve", TARGET, "--digest", "sha256:abc"],
      "--digest: must be sha256:<64 lowercase hex>",
    ],
    [
      "a reason with a newline",
      ["approve", TARGET, "--reason", "a\nb"],
      "--reason: must not contain control",
    ],
    ["a reason of 501", ["approve", TARGET, `--reason=${"r".repeat(501)}`], "--reason: must be at most 500"],
    ["an image without digest", ["unquarantine", "analytics:1.0.0"], "<repository>@<digest>: must be"],
  ])("refuses %s", (_, args, message) => {
    expect(usageError(args)).toContain(message);
  });
});

/** A stand-in for the function URL: records each request and answers what the test says. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let received: Received[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let endpoint: string;

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const saved = {
  id: process.env.AWS_ACCESS_KEY_ID,
  secret: process.env.AWS_SECRET_ACCESS_KEY,
  token: process.env.AWS_SESSION_TOKEN,
};

beforeAll(async () => {
  // The default provider chain reads the environment first.
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => {
      received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const [name, value] of [
    ["AWS_ACCESS_KEY_ID", saved.id],
    ["AWS_SECRET_ACCESS_KEY", saved.secret],
    ["AWS_SESSION_TOKEN", saved.token],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  received = [];
  answer = { status: 200, body: {} };
});

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    env: { DECISION_URL: endpoint, AWS_REGION: "eu-west-1", ...env },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const handled = (deployments: unknown[]) => ({ outcome: "handled", eventId: "r-1", deployments });

describe("main, with DECISION_URL (remote mode)", () => {
  it("POSTs the endpoint's JSON body, SigV4-signed for lambda in the region, and prints the answer", async () => {
    answer = {
      status: 200,
      body: handled([
        {
          cluster: "coworking-prod",
          namespace: "coworking",
          name: "analytics",
          action: "patched",
          reason: "approved",
        },
      ]),
    };
    const result = await run(["approve", TARGET, "--reason", "CAB-1234"]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(answer.body);
    expect(result.stderr).toContain("coworking-prod/coworking/analytics: patched: approved");
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request.body)).toEqual({ action: "approve", target: TARGET, reason: "CAB-1234" });
    const authorization = String(request.headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    // The signature is right: signing the same request, at the same time, gives the same one.
    const amzDate = String(request.headers["x-amz-date"]);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const url = new URL(endpoint);
    const resigned = await new SignatureV4({
      service: "lambda",
      region: "eu-west-1",
      credentials: CREDENTIALS,
      sha256: Sha256,
    }).sign(
      new HttpRequest({
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: "/",
        headers: { host: url.host, "content-type": "application/json" },
        body: request.body,
      }),
      { signingDate },
    );
    expect(resigned.headers.authorization).toBe(authorization);
  });

  it("exit 1 when a Deployment refused or failed, even in a 200", async () => {
    answer = {
      status: 200,
      body: handled([
        { cluster: "c", namespace: "n", name: "d", action: "refused", reason: "bad annotation" },
      ]),
    };
    expect((await run(["rollback", "c/n/d"])).code).toBe(1);
  });

  it("exit 0 for a decision that found nothing to do: the result says so", async () => {
    answer = {
      status: 200,
      body: handled([
        { cluster: "c", namespace: "n", name: "d", action: "skipped", reason: "nothing is pending" },
      ]),
    };
    const result = await run(["approve", "c/n/d"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("c/n/d: skipped: nothing is pending");
  });

  it("exit 1 for a refused request, saying why", async () => {
    answer = {
      status: 400,
      body: { outcome: "rejected", reason: "not a valid approve request: …", field: "body.target" },
    };
    const result = await run(["approve", TARGET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("answer 400: not a valid approve request");
  });

  it("exit 1 for AWS's own 403, with what to check", async () => {
    answer = { status: 403, body: { Message: "Forbidden" } };
    const result = await run(["approve", TARGET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("approverPrincipals");
  });

  it("exit 1 for a 503, naming what could not be reached", async () => {
    answer = {
      status: 503,
      body: { ...handled([]), failures: ["cluster coworking-prod: connect ETIMEDOUT"] },
    };
    const result = await run(["approve", TARGET]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cluster coworking-prod: connect ETIMEDOUT");
  });

  it("exit 2, sending nothing, for plain HTTP to another host or a URL it cannot sign for", async () => {
    expect((await run(["approve", TARGET], { DECISION_URL: "http://example.com/" })).code).toBe(2);
    expect((await run(["approve", TARGET], { DECISION_URL: "not a url" })).code).toBe(2);
    const noRegion = await main(["approve", TARGET], {
      env: { DECISION_URL: "https://decide.example.com/" },
      stdout: () => undefined,
      stderr: () => undefined,
    });
    expect(noRegion).toBe(2);
    expect(received).toEqual([]);
  });

  it("exit 2 for a usage error, with the usage; exit 0 for --help", async () => {
    const wrong = await run(["approve", "nope"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("<cluster>/<namespace>/<name>: must be");
    const help = await run(["unquarantine", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("npm run unquarantine -- <repository>@sha256:<64 hex>");
    expect(received).toEqual([]);
  });
});
