// What planning sees of a Deployment: the adapter (provider/kubernetes) maps the API object to
// this, so the planners stay pure and testable without a cluster.
import type { PodRequests } from "../cost/releaseDelta.js";

export interface ContainerState {
  name: string;
  image: string;
}

export interface DeploymentStatusState {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  /** Reason of the `Progressing` condition, e.g. NewReplicaSetAvailable, ProgressDeadlineExceeded. */
  progressingReason?: string;
  progressingMessage?: string;
}

/** Who last set a field, from the Deployment's managedFields. */
export interface FieldChange {
  /** The field manager, e.g. kubectl-set, kubectl, coworking-rollout. */
  manager: string;
  /** Apply (server-side apply) or Update. */
  operation: string;
  /** ISO 8601, when the apiserver recorded it. */
  time?: string;
}

export interface DeploymentState {
  cluster: string;
  namespace: string;
  name: string;
  resourceVersion: string;
  generation: number;
  desiredReplicas: number;
  annotations: Record<string, string>;
  containers: ContainerState[];
  /** The pod template's requests per pod, as the scheduler counts them. */
  podRequests: PodRequests;
  status: DeploymentStatusState;
  /** container name → who last set its image (absent when the apiserver keeps no managedFields). */
  imageChanges?: Record<string, FieldChange>;
}

/** A write to one Deployment, guarded by the resourceVersion it was planned from. */
export interface DeploymentPatch {
  resourceVersion: string;
  /** container name → new image; empty when only the ledger changes. */
  images: Record<string, string>;
  /** null deletes the annotation. */
  annotations: Record<string, string | null>;
}

export function deploymentKey(deployment: Pick<DeploymentState, "cluster" | "namespace" | "name">): string {
  return `${deployment.cluster}/${deployment.namespace}/${deployment.name}`;
}
