// The function invoking itself asynchronously (Lambda Invoke, InvocationType Event): onSlackAction
// answers Slack within its 3 seconds and hands the verified decision to a second invocation of
// the same function, which may watch a rollout for as long as the function's timeout allows.
// Lambda queues the event and answers 202 at once; what fails in that invocation goes to the
// function's on-failure destination (serverless.yml). The role may invoke this function only
// (serverless/iam.cjs, invokeSelf).
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { toDeliveryError } from "../aws/awsErrors.js";

/** Asynchronous payloads are limited to 256 KB (Lambda quotas); a verified click stays far below. */
export const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;

export class LambdaSelfInvoke {
  constructor(
    private readonly client: LambdaClient,
    /** AWS_LAMBDA_FUNCTION_NAME: the function's own name, as the runtime sets it. */
    private readonly functionName: string,
  ) {}

  static forRegion(region: string, functionName: string): LambdaSelfInvoke {
    // One retry mechanism: the SDK's own standard retries are enough for one queued Invoke.
    return new LambdaSelfInvoke(new LambdaClient({ region }), functionName);
  }

  async invoke(event: unknown): Promise<void> {
    const payload = Buffer.from(JSON.stringify(event), "utf8");
    if (payload.byteLength > MAX_ASYNC_PAYLOAD_BYTES)
      throw new Error(`the event is ${payload.byteLength} bytes, over Lambda's asynchronous limit`);
    try {
      const answer = await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: "Event", Payload: payload }),
      );
      if (answer.StatusCode !== 202) throw new Error(`Lambda answered ${answer.StatusCode}, not 202`);
    } catch (error) {
      throw toDeliveryError(error, `lambda:InvokeFunction on ${this.functionName}`);
    }
  }
}
