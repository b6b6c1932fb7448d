// onDecision: an operator's decision, POSTed to the function's URL (AWS_IAM auth): approve or
// reject a held release, roll a Deployment back, or release a digest from quarantine. The identity
// is the IAM principal that signed the request, never anything the body says. The decision goes
// through the one decision path (rollout/decide.ts) and is reported like every rollout outcome;
// the caller gets an HTTP answer:
//   200 the decision was carried out as far as it could be: the result says, per Deployment, what
//       was done (a second approval of the same release says nothing is pending);
//   400 the request was refused, naming the field; 405 not a POST;
//   403 no verified IAM identity (the URL's auth is not AWS_IAM, or the event did not come
//       through it);
//   503 a cluster or API could not be reached: what did land is in the result, the rest can be
//       asked again (decisions are idempotent);
//   409 (not produced today) a request the skeleton ignored, so not acted on.
// A rejected request is logged and counted like any rejected event (RejectedEvents).
import type { Context } from "aws-lambda";
import { defineHandler, type HandlerResult } from "../../lambda/handler.js";
import type { DecisionActs, DecisionRequest } from "../../rollout/decide.js";
import type { DeploymentReport } from "../../rollout/report.js";
import {
  type DecisionInput,
  formatTarget,
  IDENTITY_FIELD,
  METHOD_FIELD,
  parseDecisionRequest,
} from "../../trigger/decisionRequest.js";
import { rolloutClock } from "../rolloutWiring.js";
import { composeOnDecision, type OnDecisionRoot } from "./wiring.js";

/** The decision as carried out, for the caller and the audit log. */
export interface DecisionSummary {
  action: DecisionRequest["kind"];
  by: string;
  /** `<cluster>/<namespace>/<name>` (approve, reject, rollback). */
  target?: string;
  /** `<repository>@<digest>` (unquarantine). */
  image?: string;
  registryId?: string;
  digest?: string;
  reason?: string;
  quarantine?: boolean;
}

export interface DecisionDetail {
  decision: DecisionSummary;
  deployments: DeploymentReport[];
  /** What could not be reached (the answer is then 503); everything else was carried out. */
  failures?: string[];
  /** The target does not exist (no such opted-in Deployment, or a digest quarantined nowhere): 404. */
  notFound?: true;
}

export type DecisionResult = HandlerResult<DecisionDetail>;

/** A Lambda Function URL response (payload format 2.0). */
export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function summarize(request: DecisionRequest): DecisionSummary {
  const why = request.reason === undefined ? {} : { reason: request.reason };
  switch (request.kind) {
    case "approve":
    case "reject":
      return {
        action: request.kind,
        by: request.by,
        target: formatTarget(request.target),
        ...(request.digest === undefined ? {} : { digest: request.digest }),
        ...why,
      };
    case "rollback":
      return {
        action: "rollback",
        by: request.by,
        target: formatTarget(request.target),
        quarantine: request.quarantine,
        ...why,
      };
    case "unquarantine":
      return {
        action: "unquarantine",
        by: request.by,
        image: `${request.repositoryName}@${request.digest}`,
        ...(request.registryId === undefined ? {} : { registryId: request.registryId }),
        digest: request.digest,
        ...why,
      };
  }
}

/** The handler's result as the function URL's answer: the status says how it went, the body what. */
export function httpResponse(result: DecisionResult): FunctionUrlResponse {
  const headers: Record<string, string> = { "content-type": "application/json" };
  let statusCode: number;
  if (result.outcome === "handled") statusCode = result.failures ? 503 : result.notFound ? 404 : 200;
  else if (result.outcome === "rejected" && result.field === IDENTITY_FIELD) statusCode = 403;
  else if (result.outcome === "rejected" && result.field === METHOD_FIELD) {
    statusCode = 405;
    headers.allow = "POST";
  } else if (result.outcome === "ignored") {
    // Nothing this function parses or plans is ignored; should a step ever be (a request another
    // invocation is carrying out), it was not acted on, and the caller may ask again.
    statusCode = 409;
  } else statusCode = 400;
  return { statusCode, headers, body: JSON.stringify(result) };
}

const onDecision = defineHandler(
  {
    name: "onDecision",

    // parse: the verified identity first, then the method, then every field of the body
    parse: (event: unknown): DecisionInput => parseDecisionRequest(event),
    eventId: (input: DecisionInput) => input.requestId,

    // plan: the request is the plan; what it means for a Deployment is decided on a fresh read
    plan: (input: DecisionInput) => input,

    // act: the one decision path; it watches a rollout it starts until the invocation's deadline
    async act(input: DecisionInput, root: OnDecisionRoot, invocation) {
      const clock = rolloutClock(root, invocation);
      return { input, acts: await root.decide(input.request, clock, input.accountId) };
    },

    // report: metrics, notifications and a line per Deployment, as for every rollout outcome;
    // what could not be reached is said to the caller, who may ask again
    async report(
      { input, acts }: { input: DecisionInput; acts: DecisionActs },
      root: OnDecisionRoot,
    ): Promise<DecisionDetail> {
      const deployments = await root.reporter.report({ outcomes: acts.outcomes, failures: [] });
      const decision = summarize(input.request);
      // The audit line: who decided what, and what came of it.
      root.logger.info("decision handled", { requestId: input.requestId, decision, deployments });
      const notFound = acts.targetFound ? {} : { notFound: true as const };
      if (acts.failures.length === 0) return { decision, deployments, ...notFound };
      const failures = acts.failures.map((error) => error.message);
      root.logger.error("decision incomplete", { requestId: input.requestId, decision, failures });
      return { decision, deployments, failures, ...notFound };
    },
  },
  () => composeOnDecision(),
);

export async function handler(event: unknown, context?: Context): Promise<FunctionUrlResponse> {
  return httpResponse(await onDecision.handler(event, context));
}

/** One request with a root the caller composed (tests, `npm run approve` in local mode). */
export async function handleDecision(
  root: OnDecisionRoot,
  event: unknown,
  context?: Context,
): Promise<FunctionUrlResponse> {
  return httpResponse(await onDecision.handle(root, event, context));
}
