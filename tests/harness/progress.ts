// Progress lines on stderr, so that stdout stays clean for `env` output and a slow step never looks hung.
const started = Date.now();

export function say(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[harness ${seconds}s] ${message}\n`);
}

/** Thrown for a problem the user must fix; the CLI prints only its message. */
export class HarnessError extends Error {
  override name = "HarnessError";
}
