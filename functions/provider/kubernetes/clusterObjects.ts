// Reads what the cost model needs from one cluster: nodes, pods, ReplicaSets and
// PersistentVolumes, cluster-wide, every page. Read-only (ClusterRole coworking-cost-reader).
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import type { KubernetesObjects } from "../../cost/inventory.js";
import { PermissionDeniedError } from "../../shared/errors.js";
import { DEFAULT_RETRY, retry } from "../../shared/retry.js";
import type { ClusterTarget } from "../eks/clusterResolver.js";
import { type KubernetesAction, toKubernetesError } from "./apiErrors.js";

const PAGE_SIZE = 500;

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export class ClusterObjects {
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;

  constructor(private readonly target: ClusterTarget) {
    this.#core = target.kubeConfig.makeApiClient(CoreV1Api);
    this.#apps = target.kubeConfig.makeApiClient(AppsV1Api);
  }

  async read(): Promise<KubernetesObjects> {
    const [nodes, pods, volumes, replicaSets] = await Promise.all([
      this.#all("nodes", (page) => this.#core.listNode(page)),
      this.#all("pods", (page) => this.#core.listPodForAllNamespaces(page)),
      this.#all("persistentvolumes", (page) => this.#core.listPersistentVolume(page)),
      this.#all("replicasets.apps", (page) => this.#apps.listReplicaSetForAllNamespaces(page)).catch(
        (error: unknown) => {
          // Optional: without them, Deployments are recognised by their pods' pod-template-hash.
          if (error instanceof PermissionDeniedError) return undefined;
          throw error;
        },
      ),
    ]);
    return {
      nodes,
      pods,
      volumes,
      replicaSets: replicaSets ?? [],
      replicaSetsReadable: replicaSets !== undefined,
    };
  }

  async #all<T>(
    resource: string,
    list: (page: { limit: number; _continue?: string }) => Promise<Page<T>>,
  ): Promise<T[]> {
    const action: KubernetesAction = { verb: "list", resource, namespace: "all namespaces" };
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page = await retry(async () => {
        try {
          return await list({ limit: PAGE_SIZE, ...(next ? { _continue: next } : {}) });
        } catch (error) {
          throw toKubernetesError(error, action, this.target.name);
        }
      }, DEFAULT_RETRY);
      items.push(...page.items);
      next = page.metadata?._continue || undefined;
    } while (next);
    return items;
  }
}
