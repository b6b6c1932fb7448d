// A Lambda context for running real handlers outside Lambda (npm run invoke, the sandbox):
// getRemainingTimeInMillis counts down from the configured timeout, as the runtime's does.
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

export const DEFAULT_TIMEOUT_SECONDS = 60;

export function localContext(
  functionName: string,
  timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
  region = "us-east-1",
): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error("callback-style completion is not supported; return a promise from the handler");
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
