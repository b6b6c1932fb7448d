// Reads what the cost model needs from one cluster: nodes, pods, ReplicaSets and
// PersistentVolumes, cluster-wide, every page. Read-only (ClusterRole coworking-cost-reader).
// The generic object API, not CoreV1Api/AppsV1Api: those generated classes alone are ~1 MB of
// bundle, which would put reportCost over the 2.5 MB budget.
import {
  type KubernetesObject,
  KubernetesObjectApi,
  type V1Node,
  type V1PersistentVolume,
  type V1Pod,
  type V1ReplicaSet,
} from "@kubernetes/client-node";
import { DEFAULT_RETRY, retry } from "../../shared/retry.js";
import { PermissionDeniedError } from "../../types/errors.js";
import type { ClusterTarget } from "../eks/clusterResolver.js";
import { type KubernetesAction, toKubernetesError } from "./apiErrors.js";
import type { KubernetesObjects } from "./kubernetesInventory.js";

const PAGE_SIZE = 500;

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export class ClusterObjects {
  readonly #objects: KubernetesObjectApi;

  constructor(private readonly target: ClusterTarget) {
    this.#objects = KubernetesObjectApi.makeApiClient(target.kubeConfig);
  }

  /** Every object of a kind, all namespaces, a page at a time. */
  #list<T extends KubernetesObject>(apiVersion: string, kind: string) {
    return (page: { limit: number; _continue?: string }) =>
      this.#objects.list<T>(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        page.limit,
        page._continue,
      ) as Promise<Page<T>>;
  }

  async read(): Promise<KubernetesObjects> {
    const [nodes, pods, volumes, replicaSets] = await Promise.all([
      this.#all("nodes", this.#list<V1Node>("v1", "Node")),
      this.#all("pods", this.#list<V1Pod>("v1", "Pod")),
      this.#all("persistentvolumes", this.#list<V1PersistentVolume>("v1", "PersistentVolume")),
      this.#all("replicasets.apps", this.#list<V1ReplicaSet>("apps/v1", "ReplicaSet")).catch(
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
