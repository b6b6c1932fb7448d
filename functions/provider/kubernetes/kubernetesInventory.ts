// Converts the Kubernetes objects ClusterObjects reads (@kubernetes/client-node shapes) into the
// cost model's inventory (cost/inventory.ts), and a pod template into its requests for the
// rollout model (deploymentState.ts). Pure: no API call here, so it is tested on plain objects.
import type { V1Node, V1PersistentVolume, V1Pod, V1PodSpec, V1ReplicaSet } from "@kubernetes/client-node";
import {
  type ClusterInventory,
  type NodeInfo,
  normaliseCapacityType,
  type PodInfo,
  type PodRequests,
  type VolumeInfo,
} from "../../cost/inventory.js";
import { parseQuantity, quantityToGiB } from "../../cost/quantity.js";

/** What ClusterObjects.read() returns: every object the cost model needs, cluster-wide. */
export interface KubernetesObjects {
  nodes: V1Node[];
  pods: V1Pod[];
  replicaSets: V1ReplicaSet[];
  /** False when the caller may not list ReplicaSets; Deployments then come from pod-template-hash. */
  replicaSetsReadable: boolean;
  volumes: V1PersistentVolume[];
}

const INSTANCE_TYPE_LABELS = ["node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"];
const CAPACITY_TYPE_LABELS = ["eks.amazonaws.com/capacityType", "karpenter.sh/capacity-type"];
const ZONE_LABELS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];
const REGION_LABELS = ["topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"];

function label(labels: Record<string, string> | undefined, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = labels?.[key];
    if (value) return value;
  }
  return undefined;
}

function toNode(node: V1Node, problems: string[]): NodeInfo | undefined {
  const name = node.metadata?.name ?? "";
  const labels = node.metadata?.labels;
  const instanceType = label(labels, INSTANCE_TYPE_LABELS);
  const zone = label(labels, ZONE_LABELS);
  const cpu = node.status?.capacity?.cpu;
  const memory = node.status?.capacity?.memory;
  if (!instanceType || !zone || !cpu || !memory) {
    problems.push(`node ${name}: missing instance type, zone or capacity; not priced`);
    return undefined;
  }
  return {
    name,
    instanceType,
    capacityType: normaliseCapacityType(label(labels, CAPACITY_TYPE_LABELS)),
    // A zone name is its region plus one letter (us-east-1a), when the region label is absent.
    region: label(labels, REGION_LABELS) ?? zone.slice(0, -1),
    zone,
    cpuCores: parseQuantity(cpu),
    memoryGiB: quantityToGiB(memory),
  };
}

type Resources = Record<string, string> | undefined;

function sum(resources: Resources[], key: string, parse: (q: string) => number): number {
  return resources.reduce((total, r) => total + (r?.[key] ? parse(r[key]) : 0), 0);
}

function max(resources: Resources[], key: string, parse: (q: string) => number): number {
  return resources.reduce((most, r) => Math.max(most, r?.[key] ? parse(r[key]) : 0), 0);
}

/** What the scheduler reserves: max(sum of containers, largest init container) + pod overhead. */
function podRequest(spec: V1PodSpec | undefined, key: string, parse: (q: string) => number): number {
  const containers = (spec?.containers ?? []).map((c) => c.resources?.requests);
  const inits = (spec?.initContainers ?? []).map((c) => c.resources?.requests);
  const overhead = spec?.overhead?.[key] ? parse(spec.overhead[key]) : 0;
  return Math.max(sum(containers, key, parse), max(inits, key, parse)) + overhead;
}

/** A pod's (or a pod template's) requests as the scheduler counts them. */
export function podSpecRequests(spec: V1PodSpec | undefined): PodRequests {
  return {
    cpuCores: podRequest(spec, "cpu", parseQuantity),
    memoryGiB: podRequest(spec, "memory", quantityToGiB),
  };
}

/**
 * Without ReplicaSets to read: the Deployment controller names each ReplicaSet
 * "<deployment>-<pod-template-hash>" and labels its pods with that hash.
 */
function deploymentByHash(replicaSet: string, pod: V1Pod): string | undefined {
  const hash = pod.metadata?.labels?.["pod-template-hash"];
  return hash && replicaSet.endsWith(`-${hash}`) ? replicaSet.slice(0, -hash.length - 1) : undefined;
}

function ownerName(meta: { ownerReferences?: { kind: string; name: string }[] } | undefined, kind: string) {
  return meta?.ownerReferences?.find((o) => o.kind === kind)?.name;
}

export function inventoryFromKubernetes(
  cluster: string,
  objects: KubernetesObjects,
): { inventory: ClusterInventory; problems: string[] } {
  const problems: string[] = [];
  const nodes = objects.nodes.flatMap((n) => toNode(n, problems) ?? []);
  const deploymentOfReplicaSet = new Map<string, string>();
  for (const rs of objects.replicaSets) {
    const deployment = ownerName(rs.metadata, "Deployment");
    if (deployment) deploymentOfReplicaSet.set(`${rs.metadata?.namespace}/${rs.metadata?.name}`, deployment);
  }
  const pods: PodInfo[] = [];
  for (const pod of objects.pods) {
    const phase = pod.status?.phase;
    const nodeName = pod.spec?.nodeName;
    // Finished pods hold no reservation; unscheduled ones are on no node yet.
    if (!nodeName || phase === "Succeeded" || phase === "Failed") continue;
    const namespace = pod.metadata?.namespace ?? "default";
    const replicaSet = ownerName(pod.metadata, "ReplicaSet");
    const deployment = replicaSet
      ? (deploymentOfReplicaSet.get(`${namespace}/${replicaSet}`) ??
        (objects.replicaSetsReadable ? undefined : deploymentByHash(replicaSet, pod)))
      : undefined;
    pods.push({
      namespace,
      name: pod.metadata?.name ?? "",
      nodeName,
      ...podSpecRequests(pod.spec),
      ...(deployment ? { deployment: `${namespace}/${deployment}` } : {}),
    });
  }
  const volumes: VolumeInfo[] = objects.volumes.flatMap((pv) => {
    const storage = pv.spec?.capacity?.storage;
    if (!storage) return [];
    const attributes = pv.spec?.csi?.volumeAttributes ?? {};
    const claimNamespace = pv.status?.phase === "Bound" ? pv.spec?.claimRef?.namespace : undefined;
    return [
      {
        name: pv.metadata?.name ?? "",
        sizeGiB: quantityToGiB(storage),
        volumeType: attributes.type ?? attributes["ebs.csi.aws.com/volumeType"] ?? "gp3",
        ...(claimNamespace ? { namespace: claimNamespace } : {}),
      },
    ];
  });
  return { inventory: { cluster, nodes, pods, volumes }, problems };
}
