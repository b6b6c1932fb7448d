// Port: what the rollout executor needs from one cluster's Deployments. The implementation
// (kubernetesDeployments.ts) talks to the real apiserver; errors arrive already typed
// (functions/types/errors.ts), a stale write as ConflictError.
import type { AllNamespaces } from "../../types/namespaceScope.js";
import type { DeploymentPatch, DeploymentState } from "../model.js";

export interface DeploymentApi {
  readonly cluster: string;
  /**
   * Opted-in Deployments (label rollout.coworking.dev/enabled=true) of one namespace, or of every
   * namespace with "*" (one label-selected LIST for the whole cluster), every page.
   */
  listOptedIn(namespace: string | AllNamespaces): Promise<DeploymentState[]>;
  get(namespace: string, name: string): Promise<DeploymentState>;
  /** Applies the patch only if the Deployment is still at patch.resourceVersion (else ConflictError). */
  patch(namespace: string, name: string, patch: DeploymentPatch): Promise<DeploymentState>;
  /**
   * Watches one Deployment from `from` on; resolves with the first non-undefined `decide` result,
   * or undefined when `timeoutMs` passes first. `decide` also sees `from` itself.
   */
  watch<T>(
    from: DeploymentState,
    decide: (deployment: DeploymentState) => T | undefined,
    timeoutMs: number,
  ): Promise<T | undefined>;
}
