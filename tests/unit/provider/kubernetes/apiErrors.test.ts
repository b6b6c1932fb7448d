import { ApiException } from "@kubernetes/client-node";
import { toKubernetesError } from "../../../../functions/provider/kubernetes/apiErrors.js";
import {
  ConflictError,
  PermissionDeniedError,
  TransientError,
  UnreachableError,
} from "../../../../functions/types/errors.js";

const patch = { verb: "patch", resource: "deployments.apps", namespace: "coworking", name: "api" } as const;

describe("toKubernetesError", () => {
  it("403 names the verb, resource, object and namespace that were refused", () => {
    const error = toKubernetesError(new ApiException(403, "Forbidden", {}, {}), patch, "prod");
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as PermissionDeniedError).permission).toBe(
      "patch deployments.apps api in coworking (cluster prod, HTTP 403)",
    );
    expect(error.message).toBe(
      "permission denied: patch deployments.apps api in coworking (cluster prod, HTTP 403)",
    );
  });

  it.each([
    [409, ConflictError],
    [429, TransientError],
    [500, TransientError],
    [503, TransientError],
  ])("HTTP %i → %p", (status, type) => {
    expect(toKubernetesError(new ApiException(status, "x", {}, {}), patch, "prod")).toBeInstanceOf(type);
  });

  it("a watch failure carries statusCode instead of code", () => {
    expect(
      toKubernetesError(Object.assign(new Error("Forbidden"), { statusCode: 403 }), patch, "prod"),
    ).toBeInstanceOf(PermissionDeniedError);
  });

  it("connection failures mean the cluster is unreachable, wherever node-fetch puts the code", () => {
    const refused = Object.assign(new Error("request failed"), { code: "ECONNREFUSED" });
    const wrapped = new Error("fetch failed", { cause: refused });
    for (const error of [refused, wrapped]) {
      const mapped = toKubernetesError(error, patch, "prod");
      expect(mapped).toBeInstanceOf(UnreachableError);
      expect(mapped.message).toBe(
        "patch deployments.apps api in coworking on cluster prod: cluster unreachable (ECONNREFUSED)",
      );
    }
  });

  it("an abort or ETIMEDOUT is transient; anything else is returned as it is", () => {
    expect(
      toKubernetesError(Object.assign(new Error("aborted"), { name: "AbortError" }), patch, "prod"),
    ).toBeInstanceOf(TransientError);
    const other = new ApiException(422, "Unprocessable", {}, {});
    expect(toKubernetesError(other, patch, "prod")).toBe(other);
  });
});
