// onDecision's HTTP answers, with the decision path and the reporter stubbed through the root:
// what the function URL caller sees for a decision carried out, refused, unauthenticated, not a
// POST, or partly carried out; and that the decision reaches decide() with the signer's identity.
import type { FunctionUrlResponse } from "../../../functions/handlers/onDecision/handler.js";
import { handleDecision } from "../../../functions/handlers/onDecision/handler.js";
import type { OnDecisionRoot } from "../../../functions/handlers/onDecision/wiring.js";
import { localContext } from "../../../functions/local/lambdaContext.js";
import type { DecisionActs, DecisionRequest } from "../../../functions/rollout/decide.js";
import type { InvocationClock } from "../../../functions/rollout/executor.js";
import type { RolloutActs } from "../../../functions/rollout/outcome.js";
import type { DeploymentReport } from "../../../functions/rollout/report.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { InvocationDeadline } from "../../../functions/shared/retry.js";
import { TransientError } from "../../../functions/types/errors.js";
import { Metric } from "../../../functions/types/metricNames.js";
import type { Dimensions, MetricsRecorder, MetricUnit } from "../../../functions/types/metricsRecorder.js";

const APPROVER = "arn:aws:sts::111122223333:assumed-role/release-managers/alice";
const TARGET = { cluster: "coworking-prod", namespace: "coworking", name: "analytics" };

class RecordingMetrics implements MetricsRecorder {
  added: { name: string; dimensions?: Dimensions }[] = [];
  add(name: string, _unit: MetricUnit, _value: number, dimensions?: Dimensions): void {
    this.added.push({ name, ...(dimensions && { dimensions }) });
  }
  async flush(): Promise<void> {}
}

interface Stubbed {
  root: OnDecisionRoot;
  metrics: RecordingMetrics;
  decisions: { request: DecisionRequest; clock: InvocationClock; defaultRegistryId: string }[];
  reported: RolloutActs[];
}

/** A root whose decide() returns `acts` and whose reporter turns each outcome into `lines`. */
function stubbed(acts: RolloutActs | Error, lines: DeploymentReport[] = [], targetFound = true): Stubbed {
  const metrics = new RecordingMetrics();
  const decisions: Stubbed["decisions"] = [];
  const reported: RolloutActs[] = [];
  const root = {
    config: { rollout: { waitSeconds: undefined } },
    logger: createLogger("onDecision-test"),
    metrics,
    deadline: new InvocationDeadline(),
    reporter: {
      report: async (given: RolloutActs) => {
        reported.push(given);
        return lines;
      },
    },
    decide: async (request: DecisionRequest, clock: InvocationClock, defaultRegistryId: string) => {
      decisions.push({ request, clock, defaultRegistryId });
      if (acts instanceof Error) throw acts;
      const answer: DecisionActs = { ...acts, targetFound };
      return answer;
    },
  } as unknown as OnDecisionRoot;
  return { root, metrics, decisions, reported };
}

function urlEvent(body: unknown, change: { method?: string; identity?: boolean; base64?: boolean } = {}) {
  const text = JSON.stringify(body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    headers: { "content-type": "application/json" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdefg",
      ...(change.identity === false ? {} : { authorizer: { iam: { userArn: APPROVER } } }),
      domainName: "abcdefg.lambda-url.us-east-1.on.aws",
      http: { method: change.method ?? "POST", path: "/" },
      requestId: "req-1",
      time: "30/Nov/2026:18:00:00 +0000",
      timeEpoch: 0,
    },
    body: change.base64 ? Buffer.from(text).toString("base64") : text,
    isBase64Encoded: change.base64 ?? false,
  };
}

const json = (response: FunctionUrlResponse) => JSON.parse(response.body) as Record<string, unknown>;

const approveBody = { action: "approve", target: "coworking-prod/coworking/analytics", reason: "CAB-1234" };
const patched: DeploymentReport = {
  ...TARGET,
  action: "patched",
  reason: "approved by 1 of 1",
  outcome: "succeeded",
};

describe("onDecision's answers", () => {
  it("200: the decision, as the signer made it, reaches decide(); the outcomes are reported and returned", async () => {
    const acts: RolloutActs = { outcomes: [], failures: [] };
    const { root, decisions, reported } = stubbed(acts, [patched]);

    const response = await handleDecision(root, urlEvent(approveBody), localContext("onDecision", 60));

    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ "content-type": "application/json" });
    expect(json(response)).toEqual({
      outcome: "handled",
      eventId: "req-1",
      decision: {
        action: "approve",
        by: APPROVER,
        target: "coworking-prod/coworking/analytics",
        reason: "CAB-1234",
      },
      deployments: [patched],
    });
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.request).toEqual({
      kind: "approve",
      target: TARGET,
      by: APPROVER,
      reason: "CAB-1234",
    });
    // The function owner's account: the registry an unquarantine without one is released in.
    expect(decisions[0]?.defaultRegistryId).toBe("123456789012");
    expect(reported).toEqual([{ outcomes: [], failures: [] }]);
  });

  it("watches no longer than the function has: the clock ends before the Lambda deadline", async () => {
    const { root, decisions } = stubbed({ outcomes: [], failures: [] });
    const before = Date.now();
    await handleDecision(root, urlEvent(approveBody), localContext("onDecision", 60));
    const clock = decisions[0]?.clock as InvocationClock;
    expect(clock.deadline).toBeGreaterThan(before + 40_000);
    expect(clock.deadline).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("takes a base64 body, as Lambda may deliver it", async () => {
    const { root, decisions } = stubbed({ outcomes: [], failures: [] });
    const response = await handleDecision(
      root,
      urlEvent({ action: "rollback", target: approveBody.target }, { base64: true }),
    );
    expect(response.statusCode).toBe(200);
    expect(decisions[0]?.request).toEqual({
      kind: "rollback",
      target: TARGET,
      by: APPROVER,
      quarantine: false,
    });
  });

  it("400: a refused request names the field, decides nothing and is counted as rejected", async () => {
    const { root, decisions, metrics } = stubbed({ outcomes: [], failures: [] });
    const response = await handleDecision(root, urlEvent({ ...approveBody, target: "coworking/analytics" }));
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ outcome: "rejected", field: "body.target" });
    expect(decisions).toEqual([]);
    expect(metrics.added).toContainEqual({
      name: Metric.RejectedEvents,
      dimensions: { Function: "onDecision" },
    });
  });

  it("400: a body naming its own identity is refused, not believed", async () => {
    const { root, decisions } = stubbed({ outcomes: [], failures: [] });
    const response = await handleDecision(
      root,
      urlEvent({ ...approveBody, by: "arn:aws:iam::111122223333:user/ceo" }),
    );
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ outcome: "rejected", field: "body.by" });
    expect(decisions).toEqual([]);
  });

  it("403: no verified IAM identity, whatever the body says", async () => {
    const { root, decisions } = stubbed({ outcomes: [], failures: [] });
    const response = await handleDecision(root, urlEvent(approveBody, { identity: false }));
    expect(response.statusCode).toBe(403);
    expect(json(response)).toMatchObject({
      outcome: "rejected",
      field: "requestContext.authorizer.iam.userArn",
    });
    expect(decisions).toEqual([]);
  });

  it("405: only POST decides; the answer says so", async () => {
    const { root, decisions } = stubbed({ outcomes: [], failures: [] });
    const response = await handleDecision(root, urlEvent(approveBody, { method: "GET" }));
    expect(response.statusCode).toBe(405);
    expect(response.headers).toEqual({ "content-type": "application/json", allow: "POST" });
    expect(decisions).toEqual([]);
  });

  it("answers 404 when the target does not exist: a typo is not a no-op", async () => {
    const { root } = stubbed({ outcomes: [], failures: [] }, [], false);
    const answer = await handleDecision(root, urlEvent({ ...approveBody, target: "prod/coworking/apl" }));
    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ outcome: "handled", notFound: true });
  });

  it("503: what landed is reported and returned, and what could not be reached is named", async () => {
    const unreachable = new TransientError("cluster coworking-prod: connect ETIMEDOUT");
    const { root, reported } = stubbed({ outcomes: [], failures: [unreachable] }, [patched]);
    const response = await handleDecision(root, urlEvent(approveBody));
    expect(response.statusCode).toBe(503);
    expect(json(response)).toMatchObject({
      outcome: "handled",
      deployments: [patched],
      failures: ["cluster coworking-prod: connect ETIMEDOUT"],
    });
    // Reported like any outcome, without the reporter rethrowing the failure.
    expect(reported).toEqual([{ outcomes: [], failures: [] }]);
  });

  it("an unexpected error fails the invocation (the caller gets Lambda's error, the Errors alarm fires)", async () => {
    const { root } = stubbed(new Error("bug"));
    await expect(handleDecision(root, urlEvent(approveBody))).rejects.toThrow("bug");
  });
});
