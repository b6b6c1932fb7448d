// The one decision path: an operator's (or approver's) decision about one Deployment or one
// digest. Every door reaches it: the Function URL (IAM-authenticated), `npm run approve`,
// `npm run rollback`, `npm run unquarantine`, and later Slack buttons. The identity that decided
// (`by`: an IAM principal ARN, or slack:<user id>) goes into the ledger and the change-cause.
// Acts only; the outcomes go to the report stage like every rollout's.
import type { InvocationClock, RolloutExecutor } from "./executor.js";
import { type Fleet, mapBounded } from "./fleet.js";
import { tryReadLedger } from "./ledger.js";
import { deploymentKey } from "./model.js";
import type { DeploymentOutcome, RolloutActs, Skipped, Unquarantined, WorkFailed } from "./outcome.js";
import type { QuarantineStore } from "./ports/quarantineStore.js";
import { followStarted, PATCH_CONCURRENCY } from "./pushRollout.js";

export interface DeploymentTarget {
  cluster: string;
  namespace: string;
  name: string;
}

export type DecisionRequest =
  | { kind: "approve"; target: DeploymentTarget; digest?: string; by: string; reason?: string }
  | { kind: "reject"; target: DeploymentTarget; digest?: string; by: string; reason?: string }
  | {
      kind: "rollback";
      target: DeploymentTarget;
      by: string;
      reason?: string;
      quarantine: boolean;
      /** Only if this is the release there (a button of one release's message): checked with the write. */
      digest?: string;
    }
  | {
      kind: "unquarantine";
      repositoryName: string;
      /** The registry (account id); the function's own account when absent. */
      registryId?: string;
      digest: string;
      by: string;
      reason?: string;
    };

/** A decision's outcomes, and whether its target exists (a typo is not a no-op: the doors say 404). */
export interface DecisionActs extends RolloutActs {
  targetFound: boolean;
}

export interface DecisionDependencies {
  fleet: Fleet;
  executor: RolloutExecutor;
  quarantine: QuarantineStore;
  /** The account whose registry a digest is released in when the request names none. */
  defaultRegistryId: string;
}

function notFound(target: DeploymentTarget, why: string): Skipped {
  return { ...target, kind: "skipped", step: "rollout", reason: why };
}

/** One Deployment's decision: find it among the opted-in ones, then let the executor write it. */
async function decideForDeployment(
  request: Exclude<DecisionRequest, { kind: "unquarantine" }>,
  deps: DecisionDependencies,
  clock: InvocationClock,
): Promise<DecisionActs> {
  const { fleet, executor } = deps;
  const { target } = request;
  const scan = await fleet.scan();
  const member = scan.members.find(
    ({ deployment }) =>
      deployment.cluster === target.cluster &&
      deployment.namespace === target.namespace &&
      deployment.name === target.name,
  );
  if (member === undefined) {
    const unreadable = scan.errors.filter((error) => error.cluster === target.cluster);
    return {
      outcomes: [
        ...unreadable,
        notFound(
          target,
          `no opted-in Deployment ${target.namespace}/${target.name} in cluster ${target.cluster} (managed namespaces only)`,
        ),
      ],
      failures: scan.failures,
      targetFound: false,
    };
  }
  const { api, deployment } = member;
  const failures = scan.failures;
  let outcome: DeploymentOutcome;
  switch (request.kind) {
    case "approve": {
      const started = await fleet.guard(
        deployment,
        () =>
          executor.approve(
            api,
            deployment,
            { by: request.by, ...(request.digest ? { digest: request.digest } : {}) },
            clock,
          ),
        failures,
      );
      const [followed] = await followStarted(fleet, executor, [started], clock, failures);
      outcome = followed as DeploymentOutcome;
      break;
    }
    case "reject":
      outcome = await fleet.guard(
        deployment,
        () =>
          executor.reject(api, deployment, {
            by: request.by,
            ...(request.digest ? { digest: request.digest } : {}),
            ...(request.reason ? { reason: request.reason } : {}),
          }),
        failures,
      );
      break;
    case "rollback":
      outcome = await fleet.guard(
        deployment,
        (landed) =>
          executor.rollBackManually(
            api,
            deployment,
            {
              by: request.by,
              reason: request.reason ?? "no reason given",
              quarantine: request.quarantine,
              ...(request.digest ? { digest: request.digest } : {}),
            },
            clock,
            landed,
          ),
        failures,
      );
      break;
  }
  return { outcomes: [outcome], failures, targetFound: true };
}

/**
 * Releases a digest: from the stage's quarantine (saying why it was there) and from the ledger of
 * every opted-in Deployment that quarantined it, so the next push or reconcile may roll it out.
 */
async function unquarantine(
  request: Extract<DecisionRequest, { kind: "unquarantine" }>,
  deps: DecisionDependencies,
): Promise<DecisionActs> {
  const registryId = request.registryId ?? deps.defaultRegistryId;
  const entry = await deps.quarantine.release(registryId, request.repositoryName, request.digest);
  const scan = await deps.fleet.scan();
  const holding = scan.members.filter(({ deployment }) => {
    const read = tryReadLedger(deployment.annotations);
    return read.ok && read.ledger.quarantined.includes(request.digest);
  });
  const results = await mapBounded(holding, PATCH_CONCURRENCY, ({ api, deployment }) =>
    deps.fleet.guard(
      deployment,
      async () =>
        (await deps.executor.unquarantine(api, deployment, request.digest))
          ? deploymentKey(deployment)
          : undefined,
      scan.failures,
    ),
  );
  const failed = results.filter(
    (result): result is WorkFailed => typeof result === "object" && result !== null,
  );
  const outcome: Unquarantined = {
    cluster: "",
    namespace: "",
    name: "",
    kind: "unquarantined",
    registryId,
    repositoryName: request.repositoryName,
    digest: request.digest,
    by: request.by,
    ...(request.reason ? { reason: request.reason } : {}),
    ...(entry ? { entry } : {}),
    deployments: results.filter((result): result is string => typeof result === "string"),
  };
  // A digest quarantined nowhere is a target that does not exist.
  const targetFound = entry !== undefined || outcome.deployments.length > 0;
  return { outcomes: [...scan.errors, outcome, ...failed], failures: scan.failures, targetFound };
}

export async function decide(
  request: DecisionRequest,
  deps: DecisionDependencies,
  clock: InvocationClock,
): Promise<DecisionActs> {
  return request.kind === "unquarantine"
    ? unquarantine(request, deps)
    : decideForDeployment(request, deps, clock);
}
