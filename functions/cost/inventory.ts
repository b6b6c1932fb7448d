// The cost model's view of a cluster: nodes, pods and volumes, reduced to the numbers the model
// needs, in the core's own types. The adapter (provider/kubernetes/kubernetesInventory.ts)
// converts the Kubernetes objects it reads into these; nothing here knows a client library.

export type CapacityType = "ON_DEMAND" | "SPOT";

/** What a pod (or a pod template) requests per replica, as the scheduler counts it. */
export interface PodRequests {
  cpuCores: number;
  memoryGiB: number;
}

export interface NodeInfo {
  name: string;
  instanceType: string;
  capacityType: CapacityType;
  region: string;
  zone: string;
  cpuCores: number;
  memoryGiB: number;
}

export interface PodInfo extends PodRequests {
  namespace: string;
  name: string;
  nodeName: string;
  /** "<namespace>/<deployment>" when the pod belongs to a Deployment through its ReplicaSet. */
  deployment?: string;
}

export interface VolumeInfo {
  name: string;
  sizeGiB: number;
  /** EBS volume type from the StorageClass parameters or the CSI attributes; gp3 when unknown. */
  volumeType: string;
  /** Namespace of the bound claim; unbound volumes are paid but belong to nobody (idle). */
  namespace?: string;
}

export interface ClusterInventory {
  cluster: string;
  nodes: NodeInfo[];
  pods: PodInfo[];
  volumes: VolumeInfo[];
}

/** Karpenter writes "spot"/"on-demand", EKS managed node groups "SPOT"/"ON_DEMAND". */
export function normaliseCapacityType(value: string | undefined): CapacityType {
  return value?.toUpperCase().replace("-", "_") === "SPOT" ? "SPOT" : "ON_DEMAND";
}

/** The Deployments ("ns/name") that have pods in the inventory, sorted. */
export function deploymentsIn(inventory: ClusterInventory): string[] {
  return [...new Set(inventory.pods.flatMap((pod) => (pod.deployment ? [pod.deployment] : [])))].sort();
}
