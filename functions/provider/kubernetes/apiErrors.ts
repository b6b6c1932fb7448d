// Maps @kubernetes/client-node failures onto the typed errors, naming what was attempted, so a
// 403 reads "permission denied: patch deployments.apps in coworking" and not "HTTP-Code: 403".
import { parseRetryAfter } from "../../shared/retry.js";
import {
  ConflictError,
  DeliveryError,
  PermissionDeniedError,
  ThrottledError,
  TransientError,
  UNREACHABLE_NETWORK_CODES,
  UnreachableError,
} from "../../types/errors.js";

export interface KubernetesAction {
  verb: "list" | "get" | "patch" | "watch";
  resource: string;
  namespace: string;
  name?: string;
}

export function describeAction(action: KubernetesAction): string {
  return `${action.verb} ${action.resource}${action.name ? ` ${action.name}` : ""} in ${action.namespace}`;
}

/** The HTTP status a client-node failure carries: ApiException.code or the watch's statusCode. */
function statusOf(error: unknown): number | undefined {
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === "number") return code;
  if (typeof statusCode === "number") return statusCode;
  return undefined;
}

/** The `Retry-After` header an ApiException carries (client-node keeps the response headers). */
function retryAfterOf(error: unknown): number | undefined {
  const headers = (error as { headers?: unknown }).headers;
  if (typeof headers !== "object" || headers === null) return undefined;
  const entry = Object.entries(headers as Record<string, unknown>).find(
    ([name]) => name.toLowerCase() === "retry-after",
  );
  return typeof entry?.[1] === "string" ? parseRetryAfter(entry[1]) : undefined;
}

function networkCodeOf(error: unknown): string | undefined {
  const { code, errno, cause } = error as { code?: unknown; errno?: unknown; cause?: unknown };
  if (typeof code === "string") return code;
  if (typeof errno === "string") return errno;
  return cause === undefined || cause === error ? undefined : networkCodeOf(cause);
}

export function toKubernetesError(error: unknown, action: KubernetesAction, cluster: string): Error {
  if (error instanceof DeliveryError) return error;
  const what = `${describeAction(action)} on cluster ${cluster}`;
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    return new PermissionDeniedError(`${describeAction(action)} (cluster ${cluster}, HTTP ${status})`, {
      cause: error,
    });
  }
  if (status === 409)
    return new ConflictError(`${what}: the object changed since it was read`, { cause: error });
  if (status === 429) {
    return new ThrottledError(`${what}: HTTP 429 (throttled)`, retryAfterOf(error), { cause: error });
  }
  if (status !== undefined && status >= 500) {
    return new TransientError(`${what}: HTTP ${status}`, { cause: error });
  }
  const network = networkCodeOf(error);
  if (network !== undefined && UNREACHABLE_NETWORK_CODES.has(network)) {
    return new UnreachableError(`${what}: cluster unreachable (${network})`, { cause: error });
  }
  if ((error as { name?: string }).name === "AbortError" || network === "ETIMEDOUT") {
    return new TransientError(`${what}: timed out`, { cause: error });
  }
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}
