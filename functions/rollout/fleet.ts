// Every opted-in Deployment across the configured clusters and namespaces (one LIST per
// namespace, or one per cluster when the scope is every namespace), and running work on
// them with bounded concurrency. One cluster's, namespace's, repository's or Deployment's failure
// does not stop the others: it becomes that item's "error" outcome, reported and counted with its
// cause. Only a failure a retry could help (throttling that outlasted its retries, a timeout, an
// unreachable cluster, a write conflict that kept recurring) is also collected, to be rethrown
// once everything else is reported, so the invocation fails loudly and EventBridge's retry policy
// and the DLQ apply. A missing permission, a repository that does not exist, a validation error
// or anything unknown is reported only: retrying would fail the same way.
import {
  ConflictError,
  DeliveryError,
  PermissionDeniedError,
  TransientError,
  UnreachableError,
} from "../types/errors.js";
import { listTargets, type NamespaceScope } from "../types/namespaceScope.js";
import type { DeploymentState } from "./model.js";
import type { Landed, WorkFailed } from "./outcome.js";
import type { DeploymentApi } from "./ports/deploymentApi.js";

export interface FleetMember {
  api: DeploymentApi;
  deployment: DeploymentState;
}

export interface FleetScan {
  members: FleetMember[];
  /** Namespaces that could not be read (name ""; namespace "*" when the cluster-wide list failed). */
  errors: WorkFailed[];
  /** Failures to rethrow once everything else is done. */
  failures: Error[];
}
/** Runs `work` over `items`, at most `limit` at a time, keeping the input order in the result. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Throws the first collected failure (after everything else ran), if any. */
export function rethrowFirst(failures: Error[]): void {
  const [first] = failures;
  if (first) throw first;
}

/** What kind of failure an error is, as the WorkFailed metric's Cause dimension names it. */
export function causeOf(error: Error): string {
  return error instanceof DeliveryError ? error.code : "Error";
}

/** Whether trying the invocation again could succeed where this one failed. */
export function retryHelps(error: Error): boolean {
  return (
    error instanceof TransientError || error instanceof UnreachableError || error instanceof ConflictError
  );
}

/** The outcome of work that threw; a failure retrying may fix is also collected for the rethrow. */
export function workFailed(
  deployment: Pick<DeploymentState, "cluster" | "namespace" | "name">,
  error: Error,
  failures: Error[],
  landed: Landed = {},
): WorkFailed {
  const { cluster, namespace, name } = deployment;
  const wrote = landed.patched !== undefined || landed.rolledBack === true || landed.settled !== undefined;
  const retryable = retryHelps(error);
  const failed: WorkFailed = {
    cluster,
    namespace,
    name,
    kind: "error",
    reason: error.message,
    error,
    cause: causeOf(error),
    retryable,
    ...(wrote ? { landed } : {}),
  };
  if (retryable) failures.push(error);
  if (error instanceof PermissionDeniedError)
    return { ...failed, permissionDenied: { permission: error.permission } };
  return failed;
}

export class Fleet {
  constructor(
    private readonly deps: {
      apis: () => Promise<DeploymentApi[]>;
      namespaces: NamespaceScope;
      concurrency: number;
    },
  ) {}

  async scan(): Promise<FleetScan> {
    const scan: FleetScan = { members: [], errors: [], failures: [] };
    const apis = await this.deps.apis();
    const targets = listTargets(this.deps.namespaces);
    const pairs = apis.flatMap((api) => targets.map((namespace) => ({ api, namespace })));
    await mapBounded(pairs, this.deps.concurrency, async ({ api, namespace }) => {
      try {
        const deployments = await api.listOptedIn(namespace);
        scan.members.push(...deployments.map((deployment) => ({ api, deployment })));
      } catch (error) {
        scan.errors.push(
          workFailed({ cluster: api.cluster, namespace, name: "" }, error as Error, scan.failures),
        );
      }
    });
    return scan;
  }

  /**
   * Runs `work` for one Deployment; if it throws, the failure becomes that Deployment's "error"
   * outcome, keeping what `landed` says was already written.
   */
  async guard<R>(
    deployment: Pick<DeploymentState, "cluster" | "namespace" | "name">,
    work: (landed: Landed) => Promise<R>,
    failures: Error[],
    landed: Landed = {},
  ): Promise<R | WorkFailed> {
    try {
      return await work(landed);
    } catch (error) {
      return workFailed(deployment, error as Error, failures, landed);
    }
  }
}
