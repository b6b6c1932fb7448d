// The decision CLI behind `npm run approve`, `npm run rollback` and `npm run unquarantine`
// (functions/local/decide.ts runs it). It sends the same JSON body the onDecision function URL
// takes (trigger/decisionRequest.ts), checked here first with the same parser, so a typo is a
// usage error before anything is sent. Two modes:
// - DECISION_URL set (the deployed function URL): the body is POSTed there, signed with SigV4
//   (service `lambda`) with the caller's credentials from the default provider chain; the
//   function's resource policy decides whether this principal may decide at all.
// - otherwise, local mode: the real onDecision handler runs in this process against what the
//   environment selects (KUBECONFIG, AWS_ENDPOINT_URL; docs/local.md), on a function URL event
//   whose verified identity is the caller's own, as STS says it (GetCallerIdentity).
// The answer's body (JSON) goes to stdout; a line per Deployment and any problem go to stderr.
// Exit status: 0 the decision was carried out (a result that says nothing was pending included),
// 1 refused or failed (a 4xx/5xx answer, or a Deployment refused or failed), 2 a usage error.
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import type { Env } from "../shared/config.js";
import { type DecisionBody, MAX_BODY_BYTES, parseDecisionBody } from "../trigger/decisionRequest.js";
import { InvalidEventError } from "../types/errors.js";
import { localContext } from "./lambdaContext.js";
import { type CallerIdentity, callerIdentity, signedPost } from "./signedRequests.js";

export const COMMANDS = ["approve", "rollback", "unquarantine"] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `usage:
  npm run approve -- <cluster>/<namespace>/<name> [--reject] [--digest sha256:<64 hex>] [--reason <text>]
  npm run rollback -- <cluster>/<namespace>/<name> [--reason <text>] [--quarantine]
  npm run unquarantine -- <repository>@sha256:<64 hex> [--reason <text>]
With DECISION_URL set (the onDecision function URL) the request is signed with your AWS credentials
and sent there; without it the handler runs here in local mode (KUBECONFIG, AWS_ENDPOINT_URL) under
your STS identity.`;

/** The invocation is wrong: said with the usage, exit 2. */
export class UsageError extends Error {}

/** The options each command takes: flags stand alone, the others take a value. */
const OPTIONS: Record<Command, Record<string, "flag" | "value">> = {
  approve: { "--reject": "flag", "--digest": "value", "--reason": "value" },
  rollback: { "--reason": "value", "--quarantine": "flag" },
  unquarantine: { "--reason": "value" },
};

export type Invocation = { kind: "help" } | { kind: "decision"; command: Command; body: DecisionBody };

/** The body fields in the words of the command line, for refusals. */
const ARGUMENT_NAMES: Record<string, string> = {
  "body.target": "<cluster>/<namespace>/<name>",
  "body.image": "<repository>@<digest>",
  "body.digest": "--digest",
  "body.reason": "--reason",
};

function inCliTerms(text: string): string {
  return Object.entries(ARGUMENT_NAMES).reduce(
    (said, [field, argument]) => said.replaceAll(field, argument),
    text,
  );
}

/** `<command> <positional> [options]` → the body to send, or a UsageError saying what is wrong. */
export function parseArguments(args: readonly string[]): Invocation {
  const [command, ...rest] = args;
  if (command === undefined || !(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`the first argument must be one of ${COMMANDS.join(", ")}\n${USAGE}`);
  }
  const known = OPTIONS[command as Command];
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  let optionsEnded = false;
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index] as string;
    if (optionsEnded || !arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    if (arg === "--") {
      optionsEnded = true;
      continue;
    }
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    const equals = arg.indexOf("=");
    const name = equals < 0 ? arg : arg.slice(0, equals);
    const kind = known[name];
    if (kind === undefined) {
      throw new UsageError(
        `${command} takes no option ${name}; its options: ${Object.keys(known).join(", ")}\n${USAGE}`,
      );
    }
    if (options.has(name)) throw new UsageError(`${name} is given twice`);
    if (kind === "flag") {
      if (equals >= 0) throw new UsageError(`${name} takes no value`);
      options.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (equals >= 0) value = arg.slice(equals + 1);
    else {
      value = rest[++index];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`${name} needs a value (write ${name}=<value> for one that starts with --)`);
      }
    }
    options.set(name, value);
  }
  const what = command === "unquarantine" ? "<repository>@sha256:<64 hex>" : "<cluster>/<namespace>/<name>";
  if (positional.length !== 1) {
    throw new UsageError(
      `${command} takes exactly one ${what}, got ${positional.length === 0 ? "none" : positional.join(" ")}\n${USAGE}`,
    );
  }
  const [subject] = positional as [string];
  const reason = options.get("--reason") as string | undefined;
  const why = reason === undefined ? {} : { reason };
  let body: DecisionBody;
  switch (command as Command) {
    case "approve": {
      const digest = options.get("--digest") as string | undefined;
      body = {
        action: options.has("--reject") ? "reject" : "approve",
        target: subject,
        ...(digest === undefined ? {} : { digest }),
        ...why,
      };
      break;
    }
    case "rollback":
      body = {
        action: "rollback",
        target: subject,
        ...why,
        ...(options.has("--quarantine") ? { quarantine: true } : {}),
      };
      break;
    case "unquarantine":
      body = { action: "unquarantine", image: subject, ...why };
      break;
  }
  // The endpoint's own parser, so the CLI refuses exactly what the endpoint would.
  try {
    parseDecisionBody(body, "cli");
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    throw new UsageError(error.issues.length > 0 ? error.issues.map(inCliTerms).join("\n") : error.message);
  }
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_BODY_BYTES) {
    throw new UsageError(`the request is larger than ${MAX_BODY_BYTES} bytes`);
  }
  return { kind: "decision", command: command as Command, body };
}

/** The function URL's answer, whichever mode produced it. */
export interface Answer {
  statusCode: number;
  body: string;
}

/** Where the CLI writes; the process's streams unless a caller (a test) collects them. */
export interface CliOptions {
  env?: Env;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** DECISION_URL → where to POST and the region to sign for. */
function remoteTarget(env: Env): { url: URL; region: string } {
  let url: URL;
  try {
    url = new URL(env.DECISION_URL as string);
  } catch {
    throw new UsageError(`DECISION_URL is not a URL: ${env.DECISION_URL}`);
  }
  // A signed decision carries credentials-derived headers: never over plain HTTP, except to a
  // local endpoint (a test server).
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new UsageError(`DECISION_URL must be https (the onDecision function URL), got ${url.protocol}`);
  }
  const fromHost = /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname)?.[1];
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || fromHost;
  if (!region) throw new UsageError("AWS_REGION is required to sign the request (the function's region)");
  return { url, region };
}

async function sendRemotely(body: DecisionBody, env: Env): Promise<Answer> {
  const { url, region } = remoteTarget(env);
  const answer = await signedPost({
    url,
    service: "lambda",
    region,
    body: JSON.stringify(body),
    contentType: "application/json",
  });
  return { statusCode: answer.status, body: answer.body };
}

const HANDLERS_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), "handlers");
/** As long as the deployed function may take (serverless.yml). */
const LOCAL_TIMEOUT_SECONDS = 60;

/** What local mode needs from onDecision's wiring and handler, loaded at run time. */
interface DecisionFunction {
  compose(env: Env): unknown;
  handle(root: unknown, event: unknown, context: Context): Promise<Answer>;
}

// Loaded by path at run time, as `npm run invoke` loads handlers: a composition root is the top of
// the graph, and nothing else imports one (npm run lint:boundaries).
async function loadDecisionFunction(): Promise<DecisionFunction> {
  const load = (file: string) =>
    import(pathToFileURL(join(HANDLERS_DIR, "onDecision", file)).href) as Promise<Record<string, unknown>>;
  const [wiring, handler] = await Promise.all([load("wiring.ts"), load("handler.ts")]);
  const { composeOnDecision } = wiring;
  const { handleDecision } = handler;
  if (typeof composeOnDecision !== "function" || typeof handleDecision !== "function") {
    throw new Error("functions/handlers/onDecision does not export composeOnDecision and handleDecision");
  }
  return {
    compose: composeOnDecision as DecisionFunction["compose"],
    handle: handleDecision as DecisionFunction["handle"],
  };
}

/**
 * The function URL event Lambda would deliver for this body from `caller` (payload format 2.0,
 * AWS_IAM auth). In local mode the caller's account stands for the function owner's.
 */
export function functionUrlEvent(
  body: DecisionBody,
  caller: CallerIdentity,
  region: string,
  now = new Date(),
): Record<string, unknown> {
  const domainName = `local.lambda-url.${region}.on.aws`;
  const userAgent = "coworking-decision-cli";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    headers: { "content-type": "application/json", host: domainName, "user-agent": userAgent },
    requestContext: {
      accountId: caller.account,
      apiId: "local",
      authorizer: { iam: { accountId: caller.account, userArn: caller.arn } },
      domainName,
      domainPrefix: "local",
      http: { method: "POST", path: "/", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** The handler's logs (JSON lines on stdout) go to stderr while it runs: stdout is the answer's. */
async function withStdoutOnStderr<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

async function runLocally(body: DecisionBody, env: Env): Promise<Answer> {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError("AWS_REGION is required (local mode runs the function's code here)");
  const caller = await callerIdentity({
    region,
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
  });
  const decision = await loadDecisionFunction();
  return withStdoutOnStderr(() =>
    decision.handle(
      decision.compose(env),
      functionUrlEvent(body, caller, region),
      localContext("onDecision", LOCAL_TIMEOUT_SECONDS, region),
    ),
  );
}

interface ResultLine {
  cluster?: string;
  namespace?: string;
  name?: string;
  action?: string;
  reason?: string;
}

/** Exit status and the lines for a person, from the answer. */
function judge(answer: Answer): { code: number; lines: string[] } {
  let result: { outcome?: string; reason?: string; deployments?: ResultLine[]; failures?: string[] } = {};
  try {
    result = JSON.parse(answer.body);
  } catch {
    // Not the function's answer (e.g. a gateway error): the status says enough.
  }
  const lines = (result.deployments ?? []).map((line) => {
    const where = line.name ? `${line.cluster}/${line.namespace}/${line.name}` : "stage";
    return `${where}: ${line.action}: ${line.reason}`;
  });
  if (answer.statusCode === 200) {
    const bad = (result.deployments ?? []).some(
      (line) => line.action === "refused" || line.action === "error",
    );
    return { code: bad ? 1 : 0, lines };
  }
  const why =
    result.reason ??
    (answer.statusCode === 403
      ? "forbidden: is your IAM principal among the stage's approverPrincipals (docs/deploy.md)?"
      : answer.statusCode === 404
        ? "not found: no such opted-in Deployment in the managed namespaces, or a digest quarantined nowhere"
        : answer.body.slice(0, 300));
  return { code: 1, lines: [...lines, ...(result.failures ?? []), `answer ${answer.statusCode}: ${why}`] };
}

export async function main(args: readonly string[], options: CliOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  let invocation: Invocation;
  try {
    invocation = parseArguments(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`${error.message}\n`);
    return 2;
  }
  if (invocation.kind === "help") {
    stdout(`${USAGE}\n`);
    return 0;
  }
  let answer: Answer;
  try {
    answer = env.DECISION_URL
      ? await sendRemotely(invocation.body, env)
      : await runLocally(invocation.body, env);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`${error.message}\n`);
      return 2;
    }
    // fetch says only "fetch failed"; its cause says what (refused, DNS, TLS).
    const cause = (error as Error).cause;
    const why = cause instanceof Error ? `: ${cause.message}` : "";
    stderr(`${invocation.command} failed: ${(error as Error).message}${why}\n`);
    return 1;
  }
  let printed = answer.body;
  try {
    printed = JSON.stringify(JSON.parse(answer.body), null, 2);
  } catch {
    // printed as it came
  }
  stdout(`${printed}\n`);
  const { code, lines } = judge(answer);
  for (const line of lines) stderr(`${line}\n`);
  return code;
}
