// Bounded retries with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
// the n-th wait is uniform in [0, min(maxDelay, baseDelay * 2^n)], so many retrying callers
// spread out instead of hammering a recovering server in lockstep. Only errors that can go away
// by themselves (TransientError, UnreachableError) are retried; anything else fails at once.
import { TransientError, UnreachableError } from "../types/errors.js";

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

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new RangeError(`retry attempts must be a positive integer, got ${options.attempts}`);
  }
  const sleep = options.sleep ?? timerSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(attempt - 1, options, options.random);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
