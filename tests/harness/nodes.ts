// The harness's fake EKS worker nodes, simulated by kwok (annotation kwok.x-k8s.io/node=fake).
// They carry the labels EKS puts on managed node group nodes, and capacity/allocatable computed
// the way the EKS AMI bootstrap reserves resources, so cost tests can derive expected figures
// from this constant.
import type { KubeConfig, V1Node } from "@kubernetes/client-node";
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { applyObjects } from "./apply.js";

export type CapacityType = "ON_DEMAND" | "SPOT";

export interface FakeNode {
  name: string;
  instanceType: string;
  capacityType: CapacityType;
  zone: string;
  arch: "amd64" | "arm64";
  /** the instance's vCPUs and memory (capacity) */
  vcpu: number;
  memoryMiB: number;
  /** the VPC CNI's max pods for the instance type */
  maxPods: number;
}

export const REGION = "us-east-1";

export const FAKE_NODES: readonly FakeNode[] = [
  {
    name: "ip-10-0-1-11.ec2.internal",
    instanceType: "t3.medium",
    capacityType: "ON_DEMAND",
    zone: "us-east-1a",
    arch: "amd64",
    vcpu: 2,
    memoryMiB: 4096,
    maxPods: 17,
  },
  {
    name: "ip-10-0-2-12.ec2.internal",
    instanceType: "t3.large",
    capacityType: "ON_DEMAND",
    zone: "us-east-1b",
    arch: "amd64",
    vcpu: 2,
    memoryMiB: 8192,
    maxPods: 35,
  },
  {
    name: "ip-10-0-3-13.ec2.internal",
    instanceType: "m5.large",
    capacityType: "SPOT",
    zone: "us-east-1c",
    arch: "amd64",
    vcpu: 2,
    memoryMiB: 8192,
    maxPods: 29,
  },
  {
    name: "ip-10-0-1-14.ec2.internal",
    instanceType: "t4g.medium",
    capacityType: "SPOT",
    zone: "us-east-1a",
    arch: "arm64",
    vcpu: 2,
    memoryMiB: 4096,
    maxPods: 17,
  },
];

/**
 * What the EKS AMI leaves for pods: kube-reserved CPU (6% of the first core, 1% of the second,
 * 0.5% of cores 3-4, 0.25% above), kube-reserved memory (255 MiB + 11 MiB per pod) and the
 * 100 MiB hard-eviction threshold.
 */
export function allocatable(node: FakeNode): { cpuMillis: number; memoryMiB: number; pods: number } {
  const coreShares = [60, 10, 5, 5];
  let reservedMillis = 0;
  for (let core = 0; core < node.vcpu; core++) reservedMillis += coreShares[core] ?? 2.5;
  const reservedMiB = 255 + 11 * node.maxPods + 100;
  return {
    cpuMillis: node.vcpu * 1000 - Math.round(reservedMillis),
    memoryMiB: node.memoryMiB - reservedMiB,
    pods: node.maxPods,
  };
}

export function nodeManifest(node: FakeNode): V1Node {
  const free = allocatable(node);
  const nodegroup = node.capacityType === "SPOT" ? "spot" : "on-demand";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      annotations: { "kwok.x-k8s.io/node": "fake" },
      labels: {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": node.arch,
        "node.kubernetes.io/instance-type": node.instanceType,
        "eks.amazonaws.com/capacityType": node.capacityType,
        "eks.amazonaws.com/nodegroup": nodegroup,
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": node.zone,
      },
    },
    spec: { providerID: `aws:///${node.zone}/i-${node.name.replace(/\D/g, "").padStart(17, "0")}` },
    status: {
      capacity: { cpu: String(node.vcpu), memory: `${node.memoryMiB}Mi`, pods: String(node.maxPods) },
      allocatable: { cpu: `${free.cpuMillis}m`, memory: `${free.memoryMiB}Mi`, pods: String(free.pods) },
      nodeInfo: {
        architecture: node.arch,
        operatingSystem: "linux",
        bootID: "",
        containerRuntimeVersion: "containerd://1.7.27",
        kernelVersion: "6.1.0",
        kubeProxyVersion: "",
        kubeletVersion: "",
        machineID: "",
        osImage: "Amazon Linux 2023",
        systemUUID: "",
      },
    },
  };
}

/** Registers (or re-applies) the fake nodes; kwok then marks them Ready and keeps their leases fresh. */
export async function createFakeNodes(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    FAKE_NODES.map(async (node) => {
      const { status, ...manifest } = nodeManifest(node);
      await applyObjects(kc, [manifest]);
      // The apiserver drops status on create, and capacity and allocatable are status. A merge
      // patch leaves the conditions kwok may already have written alone.
      await core.patchNodeStatus(
        { name: node.name, body: { status } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    }),
  );
}

/**
 * Fake nodes that are Ready and carry the capacity they were given. kwok's node set-up stage runs
 * once, before Ready, and writes its own defaults (1k CPUs, 1Ti) when its view of the node has no
 * capacity yet; that write can land after ours. A Ready node without our figures is patched again:
 * the stage does not run a second time, so the patch holds.
 */
export async function settledNodeCount(kc: KubeConfig): Promise<number> {
  const core = kc.makeApiClient(CoreV1Api);
  const listed = (await core.listNode()).items;
  let settled = 0;
  for (const fake of FAKE_NODES) {
    const node = listed.find((candidate) => candidate.metadata?.name === fake.name);
    if (!node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) continue;
    const { capacity, allocatable: free } = nodeManifest(fake).status ?? {};
    // CPU and pod counts keep the form they were written in; memory is stored canonicalised
    // (4096Mi reads back as 4Gi), and kwok's defaults differ from ours in CPU anyway.
    const ours =
      node.status.capacity?.cpu === capacity?.cpu &&
      node.status.allocatable?.cpu === free?.cpu &&
      node.status.allocatable?.pods === free?.pods;
    if (ours) settled++;
    else
      await core.patchNodeStatus(
        { name: fake.name, body: { status: { capacity, allocatable: free } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
  }
  return settled;
}
