// Maps AWS SDK v3 failures onto the typed errors, so every adapter reports the same way:
// access denied names the missing permission, throttling/5xx/timeouts are transient (retried
// with a bound), connection failures mean the endpoint is unreachable. Anything else (a
// validation error, a missing resource the caller did not expect) is returned unchanged.
import {
  DeliveryError,
  PermissionDeniedError,
  TransientError,
  UNREACHABLE_NETWORK_CODES,
  UnreachableError,
} from "../../types/errors.js";

const accessDenied = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "AuthorizationErrorException",
]);
const throttled = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalFailure",
  "InternalServerException",
  "ServerException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function toDeliveryError(error: unknown, permission: string): Error {
  if (error instanceof DeliveryError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const { name = "", code = "", $metadata } = error as SdkErrorShape;
  const status = $metadata?.httpStatusCode;
  if (accessDenied.has(name) || status === 403)
    return new PermissionDeniedError(permission, { cause: error });
  if (UNREACHABLE_NETWORK_CODES.has(code) || UNREACHABLE_NETWORK_CODES.has(name)) {
    return new UnreachableError(`${permission}: endpoint unreachable (${code || name})`, { cause: error });
  }
  if (throttled.has(name) || status === 429 || (status !== undefined && status >= 500)) {
    return new TransientError(`${permission}: ${name || "error"} ${error.message}`.trim(), { cause: error });
  }
  return error;
}
