// The DeploymentApi on a real apiserver (@kubernetes/client-node v1). Every request has a
// timeout and bounded, jittered retries of 429/5xx/timeouts/connection failures; 403 and 409
// surface at once, typed, because retrying cannot fix them.
import {
  AppsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  Watch,
} from "@kubernetes/client-node";
import { ENABLED_SELECTOR } from "../../rollout/ledger.js";
import type { DeploymentPatch, DeploymentState } from "../../rollout/model.js";
import type { DeploymentApi } from "../../rollout/ports/deploymentApi.js";
import { type RetryOptions, retry } from "../../shared/retry.js";
import { TransientError } from "../../types/errors.js";
import { ALL_NAMESPACES, type AllNamespaces } from "../../types/namespaceScope.js";
import type { ClusterTarget } from "../eks/clusterResolver.js";
import { type KubernetesAction, toKubernetesError } from "./apiErrors.js";
import { toDeploymentState, toStrategicMergePatch } from "./deploymentState.js";

export interface KubernetesOptions {
  requestTimeoutMs: number;
  retry: RetryOptions;
  /** Page size of list calls. */
  pageSize: number;
}

export const DEFAULT_KUBERNETES_OPTIONS: KubernetesOptions = {
  requestTimeoutMs: 10_000,
  retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 },
  pageSize: 100,
};

const RESOURCE = "deployments.apps";
const STRATEGIC_MERGE = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

type WatchRound<T> =
  | { kind: "decided"; value: T }
  | { kind: "closed"; resourceVersion: string }
  | { kind: "expired" }
  | { kind: "timeout" };

export class KubernetesDeployments implements DeploymentApi {
  readonly cluster: string;
  readonly #apps: AppsV1Api;
  readonly #watch: Watch;

  constructor(
    target: ClusterTarget,
    private readonly options: KubernetesOptions = DEFAULT_KUBERNETES_OPTIONS,
  ) {
    this.cluster = target.name;
    this.#apps = target.kubeConfig.makeApiClient(AppsV1Api);
    this.#watch = new Watch(target.kubeConfig as KubeConfig);
  }

  async listOptedIn(namespace: string | AllNamespaces): Promise<DeploymentState[]> {
    const deployments: DeploymentState[] = [];
    let page: string | undefined;
    do {
      const query = {
        labelSelector: ENABLED_SELECTOR,
        limit: this.options.pageSize,
        ...(page ? { _continue: page } : {}),
      };
      const list = await this.#call(
        {
          verb: "list",
          resource: RESOURCE,
          namespace: namespace === ALL_NAMESPACES ? "all namespaces" : namespace,
        },
        () =>
          namespace === ALL_NAMESPACES
            ? this.#apps.listDeploymentForAllNamespaces(query)
            : this.#apps.listNamespacedDeployment({ namespace, ...query }),
      );
      deployments.push(...list.items.map((item) => toDeploymentState(this.cluster, item)));
      page = list.metadata?._continue || undefined;
    } while (page);
    return deployments;
  }

  async get(namespace: string, name: string): Promise<DeploymentState> {
    const deployment = await this.#call({ verb: "get", resource: RESOURCE, namespace, name }, () =>
      this.#apps.readNamespacedDeployment({ name, namespace }),
    );
    return toDeploymentState(this.cluster, deployment);
  }

  async patch(namespace: string, name: string, patch: DeploymentPatch): Promise<DeploymentState> {
    // Retrying a guarded patch is safe: if the first try landed, the retry gets 409 and the
    // caller re-reads and sees its own write.
    const deployment = await this.#call({ verb: "patch", resource: RESOURCE, namespace, name }, () =>
      this.#apps.patchNamespacedDeployment(
        { name, namespace, body: toStrategicMergePatch(patch), fieldManager: "coworking-rollout" },
        STRATEGIC_MERGE,
      ),
    );
    return toDeploymentState(this.cluster, deployment);
  }

  async watch<T>(
    from: DeploymentState,
    decide: (deployment: DeploymentState) => T | undefined,
    timeoutMs: number,
  ): Promise<T | undefined> {
    const immediate = decide(from);
    if (immediate !== undefined) return immediate;
    const deadline = Date.now() + timeoutMs;
    let resourceVersion = from.resourceVersion;
    while (Date.now() < deadline) {
      const round = await retry(
        () => this.#watchRound(from.namespace, from.name, resourceVersion, decide, deadline),
        this.options.retry,
      );
      if (round.kind === "decided") return round.value;
      if (round.kind === "timeout") return undefined;
      if (round.kind === "closed") {
        resourceVersion = round.resourceVersion;
        continue;
      }
      // 410 Gone: the resourceVersion is too old to resume from; read afresh and go on.
      const current = await this.get(from.namespace, from.name);
      const decided = decide(current);
      if (decided !== undefined) return decided;
      resourceVersion = current.resourceVersion;
    }
    return undefined;
  }

  #watchRound<T>(
    namespace: string,
    name: string,
    resourceVersion: string,
    decide: (deployment: DeploymentState) => T | undefined,
    deadline: number,
  ): Promise<WatchRound<T>> {
    const action: KubernetesAction = { verb: "watch", resource: RESOURCE, namespace, name };
    return new Promise((resolve, reject) => {
      let settled = false;
      let lastVersion = resourceVersion;
      let controller: AbortController | undefined;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
        outcome();
      };
      const timer = setTimeout(
        () => settle(() => resolve({ kind: "timeout" })),
        Math.max(0, deadline - Date.now()),
      );
      const onEvent = (type: string, object: V1Deployment & { code?: number }) => {
        if (type === "ERROR") {
          if (object.code === 410) settle(() => resolve({ kind: "expired" }));
          else settle(() => reject(toKubernetesError({ code: object.code ?? 500 }, action, this.cluster)));
          return;
        }
        if (object.metadata?.resourceVersion) lastVersion = object.metadata.resourceVersion;
        if (type === "BOOKMARK") return;
        if (type === "DELETED") {
          settle(() => reject(new Error(`deployment ${namespace}/${name} was deleted during the rollout`)));
          return;
        }
        const decided = decide(toDeploymentState(this.cluster, object));
        if (decided !== undefined) settle(() => resolve({ kind: "decided", value: decided }));
      };
      const onDone = (error: unknown) => {
        if (error) settle(() => reject(toKubernetesError(error, action, this.cluster)));
        else settle(() => resolve({ kind: "closed", resourceVersion: lastVersion }));
      };
      this.#watch
        .watch(
          `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`,
          {
            fieldSelector: `metadata.name=${name}`,
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: Math.max(1, Math.ceil((deadline - Date.now()) / 1000)),
          },
          onEvent,
          onDone,
        )
        .then(
          (started) => {
            controller = started;
            if (settled) started.abort();
          },
          (error: unknown) => settle(() => reject(toKubernetesError(error, action, this.cluster))),
        );
    });
  }

  async #call<T>(action: KubernetesAction, request: () => Promise<T>): Promise<T> {
    return retry(async () => {
      try {
        return await withTimeout(request(), this.options.requestTimeoutMs, action);
      } catch (error) {
        throw toKubernetesError(error, action, this.cluster);
      }
    }, this.options.retry);
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, action: KubernetesAction): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TransientError(
            `${action.verb} ${action.resource} in ${action.namespace}: no answer within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
