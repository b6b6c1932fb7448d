// npm run invoke -- <functionName> <event.json> [--timeout <seconds>]
// Runs functions/handlers/<functionName>/handler.ts with a local Lambda context, in whatever mode the
// environment selects (local mode: KUBECONFIG and AWS_ENDPOINT_URL). The handler's JSON result
// goes to stdout; its logs and console notifications go to stderr, so the result can be piped
// (e.g. into jq). Exit 0 when the handler returned (ignored events included), 1 when it threw,
// 2 for a usage error.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { DEFAULT_TIMEOUT_SECONDS, localContext } from "./lambdaContext.js";

const FUNCTIONS_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), "handlers");
const USAGE = "usage: npm run invoke -- <functionName> <event.json> [--timeout <seconds>]";

class UsageError extends Error {}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

function availableFunctions(): string[] {
  return readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(FUNCTIONS_DIR, entry.name, "handler.ts")))
    .map((entry) => entry.name)
    .sort();
}

interface InvokeRequest {
  functionName: string;
  eventPath: string;
  timeoutSeconds: number;
}

function parseArguments(args: string[]): InvokeRequest {
  const positional: string[] = [];
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg === "--timeout") {
      timeoutSeconds = Number(args[++index]);
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
        throw new UsageError(`--timeout must be a positive number of seconds\n${USAGE}`);
      }
    } else positional.push(arg);
  }
  const [functionName, eventPath, ...extra] = positional;
  if (!functionName || !eventPath || extra.length > 0) throw new UsageError(USAGE);
  return { functionName, eventPath, timeoutSeconds };
}

function checkFunctionName(functionName: string): void {
  const known = availableFunctions();
  if (!known.includes(functionName)) {
    throw new UsageError(`unknown function "${functionName}"; available: ${known.join(", ")}`);
  }
}

async function loadHandler(functionName: string): Promise<Handler> {
  const module = (await import(pathToFileURL(join(FUNCTIONS_DIR, functionName, "handler.ts")).href)) as {
    handler?: unknown;
  };
  if (typeof module.handler !== "function") {
    throw new UsageError(`functions/handlers/${functionName}/handler.ts does not export a handler function`);
  }
  return module.handler as Handler;
}

function readEvent(eventPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(eventPath, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read event file ${eventPath}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`event file ${eventPath} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Everything the handler prints (logs, console notifications) goes to stderr while it runs. */
async function withStdoutOnStderr<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

async function main(args: string[]): Promise<number> {
  let request: InvokeRequest;
  let event: unknown;
  try {
    request = parseArguments(args);
    checkFunctionName(request.functionName);
    event = readEvent(request.eventPath);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  try {
    const result = await withStdoutOnStderr(async () => {
      const handler = await loadHandler(request.functionName);
      return handler(
        event,
        localContext(request.functionName, request.timeoutSeconds, process.env.AWS_REGION),
      );
    });
    process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `invocation of ${request.functionName} failed: ${(error as Error).stack ?? String(error)}\n`,
    );
    return 1;
  }
}

// Exit explicitly: warm-start caches (HTTP keep-alive agents, clients) would otherwise keep the
// process alive. Writes to pipes and files are synchronous on Linux, so nothing is lost.
process.exit(await main(process.argv.slice(2)));
