// FAKE, for unit tests only: an in-memory DeploymentApi (functions/rollout/ports/deploymentApi.ts)
// that behaves like the apiserver where the rollout depends on it, so the executor can be tested
// without a cluster and without sleeping:
// - resourceVersion: every write bumps it; a patch planned from a stale one is a 409 ConflictError;
// - generation: bumped by a write that changes the images or the annotations (Deployments count
//   annotation changes too); status writes leave it alone;
// - watch: `decide` sees `from`, then every later version in order (nothing is missed, like a
//   watch resumed from a resourceVersion); resolves with the first decision, or undefined after
//   timeoutMs on the injected timers (jest's fake timers by default, when a test installs them).
// The Deployment controller is a hook: `controller` turns each version this fake stores into the
// status the controller would report next (complete, failed, or nothing yet).

import type {
  DeploymentPatch,
  DeploymentState,
  DeploymentStatusState,
} from "../../functions/rollout/model.js";
import type { DeploymentApi } from "../../functions/rollout/ports/deploymentApi.js";
import { ConflictError } from "../../functions/types/errors.js";
import { ALL_NAMESPACES, type AllNamespaces } from "../../functions/types/namespaceScope.js";

/**
 * What a DeploymentPatch changes, as the apiserver applies the product's patch: annotations merged
 * (null removes one) and container images set by name. Versions and generation are the caller's.
 */
export function patchedFields(
  state: DeploymentState,
  patch: Pick<DeploymentPatch, "images" | "annotations">,
): Pick<DeploymentState, "annotations" | "containers"> {
  const annotations = { ...state.annotations };
  for (const [annotation, value] of Object.entries(patch.annotations)) {
    if (value === null) delete annotations[annotation];
    else annotations[annotation] = value;
  }
  const containers = state.containers.map((container) => ({
    ...container,
    image: patch.images[container.name] ?? container.image,
  }));
  return { annotations, containers };
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The globals at call time, so jest.useFakeTimers() installed after construction still applies. */
const globalTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type Watcher = (state: DeploymentState) => void;

/** What the Deployment controller reports for a stored version: a new status, or undefined for none yet. */
export type Controller = (deployment: DeploymentState) => DeploymentStatusState | undefined;

/** The controller of a healthy cluster: every replica of the new generation updated and available. */
export const completes: Controller = (deployment) =>
  deployment.status.observedGeneration === deployment.generation
    ? undefined
    : {
        observedGeneration: deployment.generation,
        replicas: deployment.desiredReplicas,
        updatedReplicas: deployment.desiredReplicas,
        availableReplicas: deployment.desiredReplicas,
      };

/** Pods of an image matching `stuck` never become ready: the progress deadline is exceeded. */
export function failsFor(stuck: RegExp): Controller {
  return (deployment) => {
    if (deployment.status.observedGeneration === deployment.generation) return undefined;
    if (!deployment.containers.some((container) => stuck.test(container.image))) return completes(deployment);
    return {
      observedGeneration: deployment.generation,
      replicas: deployment.desiredReplicas + 1,
      updatedReplicas: 1,
      availableReplicas: deployment.desiredReplicas,
      progressingReason: "ProgressDeadlineExceeded",
      progressingMessage: `ReplicaSet "${deployment.name}-new" has timed out progressing.`,
    };
  };
}

export class InMemoryDeployments implements DeploymentApi {
  /** Every PATCH request, including the ones answered 409. */
  patchRequests = 0;
  conflicts = 0;
  /** The controller's reaction to each stored version; none = nothing ever progresses. */
  controller: Controller | undefined;
  /** Runs before each PATCH is checked: a test's chance to write in between, like a racing writer. */
  beforePatch: ((namespace: string, name: string, patch: DeploymentPatch) => void) | undefined;

  readonly #versions = new Map<string, DeploymentState[]>();
  readonly #watchers = new Map<string, Set<Watcher>>();
  #resourceVersion = 100;

  constructor(
    readonly cluster = "prod",
    private readonly timers: Timers = globalTimers,
  ) {}

  /** Creates (or replaces) a Deployment as an admin would; its resourceVersion is the fake's. */
  put(deployment: DeploymentState): DeploymentState {
    return this.#store({ ...deployment, cluster: this.cluster });
  }

  /** The current version, synchronously. */
  read(namespace: string, name: string): DeploymentState {
    const current = this.#versions.get(key(namespace, name))?.at(-1);
    if (!current) throw new Error(`deployment ${namespace}/${name} not found`);
    return current;
  }

  /**
   * Someone else's write (another invocation, an admin): no resourceVersion check, like an
   * unconditional update. Bumps generation when images or annotations change.
   */
  update(namespace: string, name: string, change: (current: DeploymentState) => Partial<DeploymentState>) {
    const current = this.read(namespace, name);
    const next = { ...current, ...change(current) };
    const specChanged =
      JSON.stringify(next.containers) !== JSON.stringify(current.containers) ||
      JSON.stringify(next.annotations) !== JSON.stringify(current.annotations);
    return this.#store({ ...next, generation: current.generation + (specChanged ? 1 : 0) });
  }

  async listOptedIn(namespace: string | AllNamespaces): Promise<DeploymentState[]> {
    return [...this.#versions.values()]
      .map((versions) => versions.at(-1) as DeploymentState)
      .filter((deployment) => namespace === ALL_NAMESPACES || deployment.namespace === namespace);
  }

  async get(namespace: string, name: string): Promise<DeploymentState> {
    return this.read(namespace, name);
  }

  async patch(namespace: string, name: string, patch: DeploymentPatch): Promise<DeploymentState> {
    this.patchRequests++;
    this.beforePatch?.(namespace, name, patch);
    const current = this.read(namespace, name);
    if (patch.resourceVersion !== current.resourceVersion) {
      this.conflicts++;
      throw new ConflictError(
        `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified`,
      );
    }
    return this.update(namespace, name, (latest) => patchedFields(latest, patch));
  }

  watch<T>(
    from: DeploymentState,
    decide: (deployment: DeploymentState) => T | undefined,
    timeoutMs: number,
  ): Promise<T | undefined> {
    const id = key(from.namespace, from.name);
    const later = (this.#versions.get(id) ?? []).filter(
      (version) => Number(version.resourceVersion) > Number(from.resourceVersion),
    );
    for (const state of [from, ...later]) {
      const decided = decide(state);
      if (decided !== undefined) return Promise.resolve(decided);
    }
    return new Promise((resolve) => {
      const watchers = this.#watchers.get(id) ?? new Set<Watcher>();
      this.#watchers.set(id, watchers);
      const stop = (value: T | undefined) => {
        watchers.delete(watcher);
        this.timers.clearTimeout(timer);
        resolve(value);
      };
      const watcher: Watcher = (state) => {
        const decided = decide(state);
        if (decided !== undefined) stop(decided);
      };
      const timer = this.timers.setTimeout(() => stop(undefined), Math.max(0, timeoutMs));
      watchers.add(watcher);
    });
  }

  #store(deployment: DeploymentState): DeploymentState {
    const id = key(deployment.namespace, deployment.name);
    const stored = { ...deployment, resourceVersion: String(++this.#resourceVersion) };
    const versions = this.#versions.get(id) ?? [];
    versions.push(stored);
    this.#versions.set(id, versions);
    for (const watcher of [...(this.#watchers.get(id) ?? [])]) watcher(stored);
    // The controller answers after the writer got its response, as the real one does; a version
    // already replaced by a newer write gets no answer (the newer one gets its own).
    const status = this.controller?.(stored);
    if (status !== undefined) {
      queueMicrotask(() => {
        if (this.read(deployment.namespace, deployment.name) === stored) {
          this.update(deployment.namespace, deployment.name, () => ({ status }));
        }
      });
    }
    return stored;
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
