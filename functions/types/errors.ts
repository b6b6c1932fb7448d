// Every error the functions raise on purpose, in one place. Handlers map them to outcomes:
// a rejected event is logged and counted (no retry), a transient failure is rethrown so that
// EventBridge's retry policy and the DLQ apply, a permission error is notified.

export abstract class DeliveryError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The event failed schema validation or is not one this function handles. Never retried.
 * `issues` lists every problem ("<field path>: <message>"); `field` is the path of the first one,
 * the field that caused the refusal (absent when the event as a whole is wrong).
 */
export class InvalidEventError extends DeliveryError {
  readonly code = "InvalidEvent";
  constructor(
    message: string,
    readonly issues: string[] = [],
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Configuration is missing or malformed. Raised at cold start, before any side effect. */
export class ConfigError extends DeliveryError {
  readonly code = "InvalidConfig";
}

/** The caller lacks a permission; `permission` names it (e.g. "patch deployments.apps in coworking"). */
export class PermissionDeniedError extends DeliveryError {
  readonly code = "PermissionDenied";
  constructor(
    readonly permission: string,
    options?: ErrorOptions,
  ) {
    super(`permission denied: ${permission}`, options);
  }
}

/** Optimistic-concurrency conflict (HTTP 409): re-read and re-plan. */
export class ConflictError extends DeliveryError {
  readonly code = "Conflict";
}

/** 429, 5xx, timeouts, connection failures: retried with a bound, then surfaced. */
export class TransientError extends DeliveryError {
  readonly code = "Transient";
}

/**
 * Throttled (ECR ThrottlingException, apiserver 429): transient, and the server may say how long
 * to wait (`Retry-After`); the retry waits at least that long, within the invocation's time.
 */
export class ThrottledError extends TransientError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Something the caller names does not exist (e.g. an ECR repository): retrying cannot create it. */
export class NotFoundError extends DeliveryError {
  readonly code = "NotFound";
}

/** A dependency (cluster, AWS endpoint) could not be reached at all. */
export class UnreachableError extends DeliveryError {
  readonly code = "Unreachable";
}

/** Socket error codes that mean "could not reach the endpoint at all" (→ UnreachableError). */
export const UNREACHABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);
