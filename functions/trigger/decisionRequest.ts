// An operator's decision as it reaches onDecision: a Lambda Function URL request (payload format
// 2.0, https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads), POST,
// with a JSON body naming what to do:
//
//   { "action": "approve" | "reject", "target": "<cluster>/<namespace>/<name>", "digest"?, "reason"? }
//   { "action": "rollback", "target": "<cluster>/<namespace>/<name>", "reason"?, "quarantine"? }
//   { "action": "unquarantine", "image": "<repository>@sha256:<64 hex>", "reason"? }
//
// Who decided is never read from the body: it is the IAM principal that signed the request, which
// Lambda verified (AWS_IAM auth) and put in requestContext.authorizer.iam.userArn. A body that
// tries to say who it is (`by`) is refused like any other unknown field. Every field is strictly
// validated, and every refusal names its field (InvalidEventError.field): `body.<field>` for the
// body's, the event path for the envelope's. The identity's field is IDENTITY_FIELD and the
// method's METHOD_FIELD, so the handler can answer 403 and 405 for those.
import * as z from "zod";
import type { DecisionRequest, DeploymentTarget } from "../rollout/decide.js";
import { InvalidEventError } from "../types/errors.js";
import { accountId, formatIssue } from "./envelopes.js";
import { ECR_REPOSITORY_NAME } from "./imageScan.js";

/** Where the caller's verified identity is; without one the request is refused as unauthenticated. */
export const IDENTITY_FIELD = "requestContext.authorizer.iam.userArn";
/** Only POST decides anything. */
export const METHOD_FIELD = "requestContext.http.method";
/** The largest body accepted, in bytes once decoded: a decision is a few hundred. */
export const MAX_BODY_BYTES = 16 * 1024;
/** The longest reason accepted, in characters: it goes into notifications and the change-cause. */
export const MAX_REASON_LENGTH = 500;

export const DECISION_ACTIONS = ["approve", "reject", "rollback", "unquarantine"] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** The body as the endpoint takes it and the CLI sends it. */
export type DecisionBody =
  | { action: "approve" | "reject"; target: string; digest?: string; reason?: string }
  | { action: "rollback"; target: string; reason?: string; quarantine?: boolean }
  | { action: "unquarantine"; image: string; reason?: string };

/** A parsed request: the decision, who made it, and which request (and account) it came in. */
export interface DecisionInput {
  /** requestContext.requestId: the result's and the logs' event id. */
  requestId: string;
  /** requestContext.accountId: the account that owns the function, whose registry is the default. */
  accountId: string;
  request: DecisionRequest;
}

// Kubernetes' and EKS's own name grammars: the target must name something that can exist.
/** An EKS cluster name (CreateCluster's pattern), also what the local kubeconfig's cluster is called. */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** A namespace: an RFC 1123 DNS label. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Deployment's name: an RFC 1123 DNS subdomain. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_SUBDOMAIN_MAX = 253;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>`: a repository of a named ECR registry. */
const ECR_REPOSITORY_URI = /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com\/(.+)$/;
/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides and isolates, which make text
 * read differently from what it says: a reason is shown to people in Slack, e-mail and kubectl.
 */
const UNSAFE_TEXT = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
/** The caller's ARN: an IAM user or role, or an assumed-role session (what SSO users are). */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\x21-\x7e]{1,1900}$/;

/** `<cluster>/<namespace>/<name>` → its parts, or the first part that is not a name. */
export function parseTarget(text: string): DeploymentTarget | { problem: string } {
  const parts = text.split("/");
  if (parts.length !== 3) return { problem: "must be <cluster>/<namespace>/<name>" };
  const [cluster = "", namespace = "", name = ""] = parts;
  if (!CLUSTER_NAME.test(cluster))
    return { problem: `cluster "${cluster}" must be an EKS cluster name ([0-9A-Za-z][A-Za-z0-9_-], ≤ 100)` };
  if (!DNS_LABEL.test(namespace))
    return { problem: `namespace "${namespace}" must be a DNS label ([a-z0-9-], ≤ 63, alphanumeric ends)` };
  if (name.length > DNS_SUBDOMAIN_MAX || !DNS_SUBDOMAIN.test(name))
    return {
      problem: `name "${name}" must be a Deployment name (a DNS subdomain: [a-z0-9.-], ≤ 253, alphanumeric ends)`,
    };
  return { cluster, namespace, name };
}

export function formatTarget(target: DeploymentTarget): string {
  return `${target.cluster}/${target.namespace}/${target.name}`;
}

/** The image an unquarantine names: `<repository>@sha256:…`, the repository bare or as an ECR URI. */
export interface QuarantinedImage {
  repositoryName: string;
  registryId?: string;
  digest: string;
}

export function parseQuarantinedImage(text: string): QuarantinedImage | { problem: string } {
  const at = text.lastIndexOf("@");
  if (at < 0) return { problem: "must be <repository>@sha256:<64 hex>" };
  const digest = text.slice(at + 1);
  if (!DIGEST.test(digest)) return { problem: "must end in @sha256:<64 lowercase hex>" };
  const repository = text.slice(0, at);
  const uri = ECR_REPOSITORY_URI.exec(repository);
  const repositoryName = uri ? (uri[3] ?? "") : repository;
  if (repositoryName.length < 2 || repositoryName.length > 256 || !ECR_REPOSITORY_NAME.test(repositoryName))
    return {
      problem: `repository "${repositoryName}" must be an ECR repository name (lowercase segments separated by / . _ -), optionally as <account>.dkr.ecr.<region>.amazonaws.com/<name>`,
    };
  return { repositoryName, ...(uri ? { registryId: uri[1] } : {}), digest };
}

const target = z.string().transform((text, context) => {
  const parsed = parseTarget(text);
  if ("problem" in parsed) {
    context.addIssue({ code: "custom", message: parsed.problem });
    return z.NEVER;
  }
  return parsed;
});

const image = z.string().transform((text, context) => {
  const parsed = parseQuarantinedImage(text);
  if ("problem" in parsed) {
    context.addIssue({ code: "custom", message: parsed.problem });
    return z.NEVER;
  }
  return parsed;
});

const digest = z.string().regex(DIGEST, "must be sha256:<64 lowercase hex>");

const reason = z
  .string()
  .min(1, "must not be empty (leave it out instead)")
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`)
  .refine((text) => !UNSAFE_TEXT.test(text), "must not contain control or bidirectional-override characters");

const actionOnly = z.looseObject({
  action: z.enum(DECISION_ACTIONS, { error: `must be one of ${DECISION_ACTIONS.join(", ")}` }),
});

// One strict schema per action: a field of another action (or `by`) is refused by name.
const BODY_SCHEMAS = {
  approve: z.strictObject({
    action: z.literal("approve"),
    target,
    digest: digest.optional(),
    reason: reason.optional(),
  }),
  reject: z.strictObject({
    action: z.literal("reject"),
    target,
    digest: digest.optional(),
    reason: reason.optional(),
  }),
  rollback: z.strictObject({
    action: z.literal("rollback"),
    target,
    reason: reason.optional(),
    quarantine: z.boolean({ error: "must be true or false" }).optional(),
  }),
  unquarantine: z.strictObject({ action: z.literal("unquarantine"), image, reason: reason.optional() }),
} as const;

/** A zod refusal under `prefix` → InvalidEventError naming the first field (unknown keys included). */
function refusal(what: string, prefix: string[], error: z.ZodError): InvalidEventError {
  const located = error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys;
      return {
        field: [...path, keys[0] ?? ""].join("."),
        text: keys
          .map((key) =>
            key === "by"
              ? `${[...path, key].join(".")}: is not accepted: who decides is the IAM identity that signed the request`
              : `${[...path, key].join(".")}: is not a field of this action`,
          )
          .join("; "),
      };
    }
    return { field: path.join("."), text: formatIssue({ ...issue, path }) };
  });
  return new InvalidEventError(
    `${what}: ${located.map((issue) => issue.text).join("; ")}`,
    located.map((issue) => issue.text),
    located[0]?.field,
  );
}

/**
 * The body (already JSON) and the verified identity → the decision. Shared with the CLI, which
 * checks its arguments with it before sending anything.
 */
export function parseDecisionBody(body: unknown, by: string): DecisionRequest {
  const head = actionOnly.safeParse(body);
  if (!head.success) throw refusal("not a decision request", ["body"], head.error);
  const parsed = BODY_SCHEMAS[head.data.action].safeParse(body);
  if (!parsed.success) throw refusal(`not a valid ${head.data.action} request`, ["body"], parsed.error);
  const data = parsed.data;
  const why = data.reason === undefined ? {} : { reason: data.reason };
  switch (data.action) {
    case "approve":
    case "reject":
      return {
        kind: data.action,
        target: data.target,
        by,
        ...(data.digest === undefined ? {} : { digest: data.digest }),
        ...why,
      };
    case "rollback":
      return { kind: "rollback", target: data.target, by, quarantine: data.quarantine ?? false, ...why };
    case "unquarantine":
      return { kind: "unquarantine", ...data.image, by, ...why };
  }
}

const functionUrlEvent = z.looseObject({
  version: z.literal("2.0", { error: "must be 2.0 (the function URL payload format)" }),
  requestContext: z.looseObject({
    accountId,
    requestId: z.string().min(1).max(200),
    http: z.looseObject({ method: z.string() }),
  }),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
});

const identity = z.looseObject({
  requestContext: z.looseObject({
    authorizer: z.looseObject({
      iam: z.looseObject({
        userArn: z.string().regex(PRINCIPAL_ARN, "must be the IAM principal ARN that signed the request"),
      }),
    }),
  }),
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bodyBytes(text: string, base64: boolean): Uint8Array {
  const tooLarge = () => new InvalidEventError(`body is larger than ${MAX_BODY_BYTES} bytes`, [], "body");
  if (!base64) {
    const bytes = new TextEncoder().encode(text);
    if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
    return bytes;
  }
  if (text.length > Math.ceil(MAX_BODY_BYTES / 3) * 4) throw tooLarge();
  if (!BASE64.test(text)) throw new InvalidEventError("body is marked base64 but is not base64", [], "body");
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  return bytes;
}

function bodyJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidEventError("body is not UTF-8 text", [], "body");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidEventError(`body is not JSON: ${(error as Error).message}`, [], "body");
  }
}

/**
 * A Function URL event → the decision and its identity. Throws InvalidEventError: without a
 * verified identity (field IDENTITY_FIELD) before looking at anything else the caller sent, then
 * for a method other than POST (METHOD_FIELD), then for the body, naming the field.
 */
export function parseDecisionRequest(event: unknown): DecisionInput {
  const envelope = functionUrlEvent.safeParse(event);
  if (!envelope.success) throw refusal("not a function URL request", [], envelope.error);
  const caller = identity.safeParse(event);
  if (!caller.success) {
    throw new InvalidEventError(
      "no verified IAM identity: the function URL must use AWS_IAM auth and the request must be signed (SigV4)",
      caller.error.issues.map(formatIssue),
      IDENTITY_FIELD,
    );
  }
  const { requestContext, body, isBase64Encoded } = envelope.data;
  if (requestContext.http.method !== "POST") {
    throw new InvalidEventError(
      `method ${requestContext.http.method.slice(0, 20)} is not accepted: decisions are POSTed`,
      [],
      METHOD_FIELD,
    );
  }
  if (body === undefined || body === "")
    throw new InvalidEventError("body is missing: a JSON decision", [], "body");
  const request = parseDecisionBody(
    bodyJson(bodyBytes(body, isBase64Encoded)),
    caller.data.requestContext.authorizer.iam.userArn,
  );
  return { requestId: requestContext.requestId, accountId: requestContext.accountId, request };
}
