import {
  IDENTITY_FIELD,
  MAX_BODY_BYTES,
  METHOD_FIELD,
  parseDecisionBody,
  parseDecisionRequest,
  parseQuarantinedImage,
  parseTarget,
} from "../../../functions/trigger/decisionRequest.js";
import { InvalidEventError } from "../../../functions/types/errors.js";

const APPROVER = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Release_0123456789abcdef/alice";
const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A function URL request as Lambda delivers it (payload format 2.0, AWS_IAM auth). */
function urlEvent(body: unknown, change: { method?: string; base64?: boolean; raw?: string } = {}) {
  const text = change.raw ?? JSON.stringify(body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    headers: { "content-type": "application/json", host: "abcdefg.lambda-url.us-east-1.on.aws" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdefg",
      authorizer: {
        iam: {
          accessKey: "ASIAEXAMPLE",
          accountId: "111122223333",
          callerId: "AROAEXAMPLE:alice",
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: APPROVER,
          userId: "AROAEXAMPLE:alice",
        },
      },
      domainName: "abcdefg.lambda-url.us-east-1.on.aws",
      domainPrefix: "abcdefg",
      http: {
        method: change.method ?? "POST",
        path: "/",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "coworking-decision-cli",
      },
      requestId: "c7b4e9a2-3f1d-4e5b-9a8c-0d1e2f3a4b5c",
      routeKey: "$default",
      stage: "$default",
      time: "30/Nov/2026:18:00:00 +0000",
      timeEpoch: 1_795_888_800_000,
    },
    body: change.base64 ? Buffer.from(text, "utf8").toString("base64") : text,
    isBase64Encoded: change.base64 ?? false,
  };
}

function refusal(event: unknown): InvalidEventError {
  try {
    parseDecisionRequest(event);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const approve = { action: "approve", target: "coworking-prod/coworking/analytics" };

describe("parseDecisionRequest: the decisions", () => {
  it("approve: the target, the optional digest and reason, and the identity that signed", () => {
    expect(
      parseDecisionRequest(urlEvent({ ...approve, digest: DIGEST, reason: "CAB-1234 signed off" })),
    ).toEqual({
      requestId: "c7b4e9a2-3f1d-4e5b-9a8c-0d1e2f3a4b5c",
      accountId: "123456789012",
      request: {
        kind: "approve",
        target: { cluster: "coworking-prod", namespace: "coworking", name: "analytics" },
        digest: DIGEST,
        reason: "CAB-1234 signed off",
        by: APPROVER,
      },
    });
  });

  it("reject: the same fields", () => {
    expect(parseDecisionRequest(urlEvent({ ...approve, action: "reject" })).request).toEqual({
      kind: "reject",
      target: { cluster: "coworking-prod", namespace: "coworking", name: "analytics" },
      by: APPROVER,
    });
  });

  it("rollback: quarantine is false unless asked for", () => {
    const target = { cluster: "coworking-prod", namespace: "coworking", name: "analytics" };
    expect(parseDecisionRequest(urlEvent({ action: "rollback", target: approve.target })).request).toEqual({
      kind: "rollback",
      target,
      by: APPROVER,
      quarantine: false,
    });
    expect(
      parseDecisionRequest(urlEvent({ action: "rollback", target: approve.target, quarantine: true }))
        .request,
    ).toMatchObject({ kind: "rollback", quarantine: true });
  });

  it("unquarantine: a bare repository (the function's own registry) or an ECR repository URI (its account)", () => {
    expect(
      parseDecisionRequest(urlEvent({ action: "unquarantine", image: `team/analytics@${DIGEST}` })).request,
    ).toEqual({ kind: "unquarantine", repositoryName: "team/analytics", digest: DIGEST, by: APPROVER });
    expect(
      parseDecisionRequest(
        urlEvent({
          action: "unquarantine",
          image: `210987654321.dkr.ecr.eu-west-1.amazonaws.com/analytics@${DIGEST}`,
          reason: "false positive, CVE withdrawn",
        }),
      ).request,
    ).toEqual({
      kind: "unquarantine",
      repositoryName: "analytics",
      registryId: "210987654321",
      digest: DIGEST,
      reason: "false positive, CVE withdrawn",
      by: APPROVER,
    });
  });

  it("decodes a base64 body (Lambda base64-encodes what it does not take for text)", () => {
    expect(
      parseDecisionRequest(urlEvent({ ...approve, reason: "grün ✓" }, { base64: true })).request,
    ).toMatchObject({ kind: "approve", reason: "grün ✓" });
  });

  it("takes a reason of exactly 500 characters and a body of exactly the limit", () => {
    expect(parseDecisionRequest(urlEvent({ ...approve, reason: "r".repeat(500) })).request).toMatchObject({
      reason: "r".repeat(500),
    });
    const padded = `${JSON.stringify(approve)}${" ".repeat(MAX_BODY_BYTES - JSON.stringify(approve).length)}`;
    expect(parseDecisionRequest(urlEvent(undefined, { raw: padded })).request.kind).toBe("approve");
  });
});

describe("parseDecisionRequest: the identity is the signer's, never the body's", () => {
  it("refuses a body that names who decides, by field", () => {
    const error = refusal(urlEvent({ ...approve, by: "arn:aws:iam::111122223333:user/ceo" }));
    expect(error.field).toBe("body.by");
    expect(error.message).toContain("who decides is the IAM identity that signed the request");
  });

  it.each([
    ["no authorizer (a NONE-auth URL)", (event: Record<string, unknown>) => delete event.authorizer],
    ["no iam authorizer", (event: Record<string, unknown>) => (event.authorizer = { jwt: {} })],
    ["an empty userArn", (event: Record<string, unknown>) => (event.authorizer = { iam: { userArn: "" } })],
    [
      "a userArn that is not an IAM ARN",
      (event: Record<string, unknown>) => (event.authorizer = { iam: { userArn: "alice" } }),
    ],
  ])("refuses %s as unauthenticated, before reading the body", (_, change) => {
    const event = urlEvent({ action: "nonsense" });
    change(event.requestContext as unknown as Record<string, unknown>);
    const error = refusal(event);
    expect(error.field).toBe(IDENTITY_FIELD);
    expect(error.message).toMatch(/^no verified IAM identity/);
  });
});

describe("parseDecisionRequest: every refusal names its field", () => {
  it.each([
    ["a GET", urlEvent(approve, { method: "GET" }), METHOD_FIELD],
    ["no body", { ...urlEvent(approve), body: undefined }, "body"],
    ["an empty body", urlEvent(undefined, { raw: "" }), "body"],
    ["a body that is not JSON", urlEvent(undefined, { raw: "action=approve" }), "body"],
    ["a body over the limit", urlEvent(undefined, { raw: " ".repeat(MAX_BODY_BYTES + 1) }), "body"],
    [
      "a base64 body over the limit",
      urlEvent(undefined, { raw: " ".repeat(MAX_BODY_BYTES + 1), base64: true }),
      "body",
    ],
    ["a body marked base64 that is not", { ...urlEvent(approve), isBase64Encoded: true }, "body"],
    [
      "a base64 body that is not UTF-8",
      {
        ...urlEvent(approve),
        body: Buffer.from([0xff, 0xfe, 0x7b]).toString("base64"),
        isBase64Encoded: true,
      },
      "body",
    ],
    ["a JSON array", urlEvent([approve]), "body"],
    ["no action", urlEvent({ target: approve.target }), "body.action"],
    ["an unknown action", urlEvent({ ...approve, action: "merge" }), "body.action"],
    ["an approve without target", urlEvent({ action: "approve" }), "body.target"],
    ["a target of two parts", urlEvent({ ...approve, target: "coworking/analytics" }), "body.target"],
    ["a target of four parts", urlEvent({ ...approve, target: "a/b/c/d" }), "body.target"],
    ["a cluster with a dot", urlEvent({ ...approve, target: "prod.eu/coworking/analytics" }), "body.target"],
    ["an uppercase namespace", urlEvent({ ...approve, target: "prod/Coworking/analytics" }), "body.target"],
    [
      "a namespace of 64",
      urlEvent({ ...approve, target: `prod/${"n".repeat(64)}/analytics` }),
      "body.target",
    ],
    ["a name ending in a dash", urlEvent({ ...approve, target: "prod/coworking/analytics-" }), "body.target"],
    ["a name of 254", urlEvent({ ...approve, target: `prod/coworking/${"a".repeat(254)}` }), "body.target"],
    ["a target that is a number", urlEvent({ ...approve, target: 7 }), "body.target"],
    ["a short digest", urlEvent({ ...approve, digest: "sha256:abc" }), "body.digest"],
    ["an uppercase digest", urlEvent({ ...approve, digest: DIGEST.toUpperCase() }), "body.digest"],
    ["an empty reason", urlEvent({ ...approve, reason: "" }), "body.reason"],
    ["a reason of 501", urlEvent({ ...approve, reason: "r".repeat(501) }), "body.reason"],
    ["a reason with a newline", urlEvent({ ...approve, reason: "fine\nlooks good" }), "body.reason"],
    ["a reason with an escape", urlEvent({ ...approve, reason: "\u001b[31mred" }), "body.reason"],
    ["a reason with a bidi override", urlEvent({ ...approve, reason: "ok \u202Eesaeler" }), "body.reason"],
    ["quarantine on an approve", urlEvent({ ...approve, quarantine: true }), "body.quarantine"],
    [
      "a digest on a rollback",
      urlEvent({ action: "rollback", target: approve.target, digest: DIGEST }),
      "body.digest",
    ],
    [
      "quarantine that is not a boolean",
      urlEvent({ action: "rollback", target: approve.target, quarantine: "yes" }),
      "body.quarantine",
    ],
    [
      "a target on an unquarantine",
      urlEvent({ action: "unquarantine", image: `analytics@${DIGEST}`, target: approve.target }),
      "body.target",
    ],
    ["an unquarantine without image", urlEvent({ action: "unquarantine" }), "body.image"],
    ["an image without digest", urlEvent({ action: "unquarantine", image: "analytics:1.0.0" }), "body.image"],
    [
      "an image with a tag",
      urlEvent({ action: "unquarantine", image: `analytics:1.0@${DIGEST}` }),
      "body.image",
    ],
    [
      "an uppercase repository",
      urlEvent({ action: "unquarantine", image: `Analytics@${DIGEST}` }),
      "body.image",
    ],
    ["an unknown field", urlEvent({ ...approve, force: true }), "body.force"],
  ])("%s", (_, event, field) => {
    const error = refusal(event);
    expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it("says which part of a target is wrong", () => {
    expect(refusal(urlEvent({ ...approve, target: "prod/Coworking/analytics" })).message).toContain(
      'namespace "Coworking" must be a DNS label',
    );
  });

  it("refuses an event that is not a function URL request at all", () => {
    const error = refusal({ source: "aws.ecr", detail: {} });
    expect(error.message).toMatch(/^not a function URL request: /);
    expect(error.field).toBe("version");
  });
});

describe("the body's parts", () => {
  it("parseTarget takes Kubernetes' name grammars", () => {
    expect(parseTarget("coworking_prod-2/team-a/api.v2")).toEqual({
      cluster: "coworking_prod-2",
      namespace: "team-a",
      name: "api.v2",
    });
    expect(parseTarget("prod//api")).toHaveProperty("problem");
  });

  it("parseQuarantinedImage splits at the digest and takes nested repositories", () => {
    expect(parseQuarantinedImage(`platform/base/node@${DIGEST}`)).toEqual({
      repositoryName: "platform/base/node",
      digest: DIGEST,
    });
  });

  it("parseDecisionBody gives the identity it is handed to the decision", () => {
    expect(parseDecisionBody(approve, "cli").by).toBe("cli");
  });
});
