// Every opted-in Deployment across the configured clusters and namespaces, and running work on
// them with bounded concurrency. One namespace's failure does not stop the others: a missing
// permission is reported, logged and notified (retrying cannot fix it); a transient failure or
// an unreachable cluster is rethrown after the rest is done, so the invocation fails loudly and
// EventBridge's retry policy and the DLQ apply.
import type { NotificationPublisher } from "../extension/notification/notifier.js";
import type { DeploymentApi } from "./ports/deploymentApi.js";
import { PermissionDeniedError } from "../types/errors.js";
import type { Logger } from "../shared/logger.js";
import type { DeploymentReport } from "./executor.js";
import type { DeploymentState } from "./model.js";
import { permissionDenied } from "./notifications.js";

export interface FleetMember {
  api: DeploymentApi;
  deployment: DeploymentState;
}

export interface FleetScan {
  members: FleetMember[];
  /** Reports for namespaces that could not be read (action "error"). */
  errors: DeploymentReport[];
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

export class Fleet {
  constructor(
    private readonly deps: {
      apis: () => Promise<DeploymentApi[]>;
      namespaces: readonly string[];
      notifier: NotificationPublisher;
      logger: Logger;
      concurrency: number;
    },
  ) {}

  async scan(): Promise<FleetScan> {
    const scan: FleetScan = { members: [], errors: [], failures: [] };
    const apis = await this.deps.apis();
    const pairs = apis.flatMap((api) => this.deps.namespaces.map((namespace) => ({ api, namespace })));
    await mapBounded(pairs, this.deps.concurrency, async ({ api, namespace }) => {
      try {
        const deployments = await api.listOptedIn(namespace);
        scan.members.push(...deployments.map((deployment) => ({ api, deployment })));
      } catch (error) {
        scan.errors.push(await this.#failed(api.cluster, namespace, "", error as Error, scan.failures));
      }
    });
    return scan;
  }

  /** Runs `work` for one Deployment; if it throws, the failure becomes that Deployment's "error" report. */
  async guard<R>(
    deployment: Pick<DeploymentState, "cluster" | "namespace" | "name">,
    work: () => Promise<R>,
    failures: Error[],
  ): Promise<R | DeploymentReport> {
    try {
      return await work();
    } catch (error) {
      const { cluster, namespace, name } = deployment;
      return this.#failed(cluster, namespace, name, error as Error, failures);
    }
  }

  async #failed(
    cluster: string,
    namespace: string,
    name: string,
    error: Error,
    failures: Error[],
  ): Promise<DeploymentReport> {
    if (error instanceof PermissionDeniedError) {
      this.deps.logger.error("permission denied", { cluster, namespace, name, permission: error.permission });
      await this.deps.notifier.notify(permissionDenied(cluster, error.permission));
    } else {
      this.deps.logger.error("deployment work failed", { cluster, namespace, name, error });
      failures.push(error);
    }
    return { cluster, namespace, name, action: "error", reason: error.message };
  }
}
