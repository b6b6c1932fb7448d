// Jest setup (every test file): the JSON lines that handlers, the service and EMF metrics write to
// stdout and stderr go to a log file instead of the test output, so `npm test` prints test results and
// failures a person can read. The file is .test-logs/jest.log (TEST_LOG_FILE overrides it);
// TEST_LOGS=console keeps them on stdout, for debugging one test. Tests that read what a logger
// writes replace process.stdout.write themselves and restore this one afterwards.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const file = process.env.TEST_LOG_FILE ?? join(process.cwd(), ".test-logs", "jest.log");

/** A structured log or metric line: one JSON object (Powertools, pino, EMF). */
function isJsonLine(text: string): boolean {
  return text.startsWith("{") && text.trimEnd().endsWith("}");
}

/** Sends the JSON lines written to `stream` to the log file; everything else passes through. */
function divert(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (!isJsonLine(text)) return write(chunk, ...rest);
    appendFileSync(file, text.endsWith("\n") ? text : `${text}\n`);
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}

if (process.env.TEST_LOGS !== "console") {
  mkdirSync(dirname(file), { recursive: true });
  // Warnings and errors of the JSON loggers go to stderr, the rest to stdout.
  divert(process.stdout);
  divert(process.stderr);
}
