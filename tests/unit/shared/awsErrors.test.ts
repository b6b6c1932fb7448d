import { toDeliveryError } from "../../../functions/provider/aws/awsErrors.js";
import {
  ConflictError,
  PermissionDeniedError,
  TransientError,
  UnreachableError,
} from "../../../functions/types/errors.js";

/** Errors shaped as AWS SDK v3 raises them: name = the AWS error code, $metadata with the status. */
function sdkError(name: string, status?: number, code?: string): Error {
  return Object.assign(new Error(`${name} happened`), { name, code, $metadata: { httpStatusCode: status } });
}

describe("toDeliveryError", () => {
  it("names the missing permission on access denied", () => {
    const mapped = toDeliveryError(
      sdkError("AccessDeniedException", 400),
      "ecr:DescribeImages on coworking/analytics",
    );
    expect(mapped).toBeInstanceOf(PermissionDeniedError);
    expect(mapped.message).toBe("permission denied: ecr:DescribeImages on coworking/analytics");
    expect(toDeliveryError(sdkError("Whatever", 403), "sns:Publish")).toBeInstanceOf(PermissionDeniedError);
  });

  it.each([
    ["ThrottlingException", 400],
    ["TooManyRequestsException", 429],
    ["InternalServerException", 500],
    ["ServiceUnavailable", 503],
    ["TimeoutError", undefined],
  ])("treats %s (%p) as transient", (name, status) => {
    expect(toDeliveryError(sdkError(name, status), "eks:DescribeCluster on prod")).toBeInstanceOf(
      TransientError,
    );
  });

  it("treats connection failures as unreachable", () => {
    const mapped = toDeliveryError(sdkError("Error", undefined, "ECONNREFUSED"), "ecr:DescribeImages on x");
    expect(mapped).toBeInstanceOf(UnreachableError);
    expect(mapped.message).toBe("ecr:DescribeImages on x: endpoint unreachable (ECONNREFUSED)");
  });

  it("returns other errors unchanged, and typed errors as they are", () => {
    const validation = sdkError("InvalidParameterException", 400);
    expect(toDeliveryError(validation, "x")).toBe(validation);
    const conflict = new ConflictError("409");
    expect(toDeliveryError(conflict, "x")).toBe(conflict);
    expect(toDeliveryError("boom", "x").message).toBe("boom");
  });
});
