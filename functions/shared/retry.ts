// Bounded retries with full jitter: the n-th wait is uniform in [0, min(maxDelay, baseDelay * 2^n)],
// so many retrying callers spread out instead of hammering a recovering server in lockstep. Only
// errors that can go away by themselves (TransientError, UnreachableError) are retried; anything
// else fails at once. A throttled answer that says how long to wait (ThrottledError.retryAfterMs,
// from `Retry-After`) waits at least that long. With `until`, no wait ends past that instant (the
// invocation's deadline): the error is thrown instead, so the caller still has time to report it.
// This is the one retry mechanism of the functions: Kubernetes, ECR and the notifier all use it.
import { ThrottledError, TransientError, UnreachableError } from "../types/errors.js";

export interface RetryOptions {
  /** Total tries including the first; at least 1. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log the retry. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Injected so callers can bound total time differently; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected so the jitter is reproducible where that matters; defaults to Math.random. */
  random?: () => number;
  /** epoch ms no wait may end after (undefined: no bound); read at each retry. */
  until?: () => number | undefined;
  /** Injected clock for `until`; defaults to Date.now. */
  now?: () => number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 };

export function isRetryable(error: unknown): boolean {
  return error instanceof TransientError || error instanceof UnreachableError;
}

export function backoffDelayMs(
  retry: number,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs ?? Number.POSITIVE_INFINITY, options.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** The wait before the next try: the jittered backoff, and never less than a server's Retry-After. */
export function retryDelayMs(error: unknown, retry: number, options: RetryOptions): number {
  const jittered = backoffDelayMs(retry, options, options.random);
  const asked = error instanceof ThrottledError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, asked);
}

/**
 * The deadline of the invocation in progress, shared by the adapters built once per cold start:
 * the handler sets it when an invocation starts, the adapters' retries read it.
 */
export class InvocationDeadline {
  #at: number | undefined;
  constructor(private readonly now: () => number = Date.now) {}
  set(at: number | undefined): void {
    this.#at = at;
  }
  /**
   * The deadline, while it is ahead. One already past belongs to an earlier invocation (a step
   * that runs before this one set its own) or is spent: then the attempt bound alone applies.
   */
  readonly until = (): number | undefined =>
    this.#at !== undefined && this.#at > this.now() ? this.#at : undefined;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^[0-9]{1,6}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new RangeError(`retry attempts must be a positive integer, got ${options.attempts}`);
  }
  const sleep = options.sleep ?? timerSleep;
  const now = options.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !isRetryable(error)) throw error;
      const delayMs = retryDelayMs(error, attempt - 1, options);
      const until = options.until?.();
      if (until !== undefined && now() + delayMs > until) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
