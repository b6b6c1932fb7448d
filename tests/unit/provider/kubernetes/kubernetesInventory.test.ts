import type { V1Node, V1PersistentVolume, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { inventoryFromKubernetes } from "../../../../functions/provider/kubernetes/kubernetesInventory.js";

// Objects as the Kubernetes API returns them for a Karpenter spot node and an EKS managed node.
const nodes: V1Node[] = [
  {
    metadata: {
      name: "ip-10-0-1-1",
      labels: {
        "node.kubernetes.io/instance-type": "c5.xlarge",
        "karpenter.sh/capacity-type": "spot",
        "topology.kubernetes.io/zone": "eu-west-1b",
      },
    },
    status: { capacity: { cpu: "4", memory: "8053063680" } },
  },
  {
    metadata: {
      name: "ip-10-0-1-2",
      labels: {
        "node.kubernetes.io/instance-type": "m5.large",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "topology.kubernetes.io/zone": "eu-west-1a",
        "topology.kubernetes.io/region": "eu-west-1",
      },
    },
    status: { capacity: { cpu: "2", memory: "8Gi" } },
  },
  { metadata: { name: "no-labels" }, status: { capacity: { cpu: "2", memory: "8Gi" } } },
];

const replicaSets: V1ReplicaSet[] = [
  {
    metadata: {
      namespace: "coworking",
      name: "analytics-7d9f",
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "analytics", uid: "u1" }],
    },
  },
];

const pod = (name: string, extra: Partial<V1Pod["spec"]> & { phase?: string; owner?: string }): V1Pod => ({
  metadata: {
    namespace: "coworking",
    name,
    ...(extra.owner
      ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: extra.owner, uid: "u2" }] }
      : {}),
  },
  spec: {
    nodeName: "ip-10-0-1-1",
    containers: [
      { name: "a", resources: { requests: { cpu: "250m", memory: "256Mi" } } },
      { name: "b", resources: { requests: { cpu: "250m" } } },
    ],
    ...extra,
  },
  status: { phase: extra.phase ?? "Running" },
});

const volumes: V1PersistentVolume[] = [
  {
    metadata: { name: "pv-db" },
    spec: { capacity: { storage: "10Gi" }, claimRef: { namespace: "coworking", name: "data" } },
    status: { phase: "Bound" },
  },
  {
    metadata: { name: "pv-free" },
    spec: {
      capacity: { storage: "5Gi" },
      csi: { driver: "ebs.csi.aws.com", volumeHandle: "v", volumeAttributes: { type: "gp2" } },
    },
    status: { phase: "Available" },
  },
];

describe("inventoryFromKubernetes", () => {
  const { inventory, problems } = inventoryFromKubernetes("prod", {
    nodes,
    replicaSets,
    replicaSetsReadable: true,
    volumes,
    pods: [
      pod("analytics-7d9f-x", { owner: "analytics-7d9f" }),
      pod("lonely", {}),
      pod("done", { phase: "Succeeded" }),
      pod("pending", { nodeName: undefined, phase: "Pending" }),
      pod("with-init", {
        initContainers: [{ name: "migrate", resources: { requests: { cpu: "2", memory: "1Gi" } } }],
        overhead: { cpu: "100m" },
      }),
    ],
  });

  it("reads instance type, capacity type (either label, either spelling), zone and region", () => {
    expect(inventory.nodes).toEqual([
      {
        name: "ip-10-0-1-1",
        instanceType: "c5.xlarge",
        capacityType: "SPOT",
        region: "eu-west-1",
        zone: "eu-west-1b",
        cpuCores: 4,
        memoryGiB: 7.5,
      },
      {
        name: "ip-10-0-1-2",
        instanceType: "m5.large",
        capacityType: "ON_DEMAND",
        region: "eu-west-1",
        zone: "eu-west-1a",
        cpuCores: 2,
        memoryGiB: 8,
      },
    ]);
    expect(problems).toEqual(["node no-labels: missing instance type, zone or capacity; not priced"]);
  });

  it("follows pod → ReplicaSet → Deployment and counts only scheduled, unfinished pods", () => {
    expect(inventory.pods.map((p) => [p.name, p.deployment])).toEqual([
      ["analytics-7d9f-x", "coworking/analytics"],
      ["lonely", undefined],
      ["with-init", undefined],
    ]);
    expect(inventory.pods[0]).toMatchObject({ cpuCores: 0.5, memoryGiB: 0.25 });
  });

  it("charges the larger of containers and init containers, plus pod overhead", () => {
    expect(inventory.pods[2]?.cpuCores).toBeCloseTo(2.1, 12);
    expect(inventory.pods[2]?.memoryGiB).toBe(1);
  });

  it("reads volumes with their type and the namespace of a bound claim", () => {
    expect(inventory.volumes).toEqual([
      { name: "pv-db", sizeGiB: 10, volumeType: "gp3", namespace: "coworking" },
      { name: "pv-free", sizeGiB: 5, volumeType: "gp2" },
    ]);
  });
});

describe("inventoryFromKubernetes without ReplicaSets to read", () => {
  it("derives the Deployment from the ReplicaSet name and the pod-template-hash label", () => {
    const hashed = pod("analytics-7d9f-x", { owner: "analytics-7d9f" });
    hashed.metadata = { ...hashed.metadata, labels: { "pod-template-hash": "7d9f" } };
    const bare = pod("bare-x", { owner: "bare-rs" });
    const { inventory } = inventoryFromKubernetes("prod", {
      nodes,
      replicaSets: [],
      replicaSetsReadable: false,
      volumes: [],
      pods: [hashed, bare],
    });
    expect(inventory.pods.map((p) => p.deployment)).toEqual(["coworking/analytics", undefined]);
  });
});
