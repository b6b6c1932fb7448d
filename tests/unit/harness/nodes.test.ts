import { allocatable, FAKE_NODES, nodeManifest } from "../../harness/nodes.js";

describe("fake EKS nodes", () => {
  test("allocatable follows the EKS AMI reservation (kube-reserved CPU and memory, 100Mi eviction)", () => {
    const t3medium = FAKE_NODES.find((n) => n.instanceType === "t3.medium");
    const t3large = FAKE_NODES.find((n) => n.instanceType === "t3.large");
    if (!t3medium || !t3large) throw new Error("fixture nodes missing");
    // 2 vCPU: 60m + 10m reserved; memory 255Mi + 11Mi x maxPods + 100Mi.
    expect(allocatable(t3medium)).toEqual({
      cpuMillis: 1930,
      memoryMiB: 4096 - (255 + 11 * 17 + 100),
      pods: 17,
    });
    expect(allocatable(t3large)).toEqual({
      cpuMillis: 1930,
      memoryMiB: 8192 - (255 + 11 * 35 + 100),
      pods: 35,
    });
  });

  test("reserves 0.25% per core beyond the fourth", () => {
    const big = { ...FAKE_NODES[0], vcpu: 8, memoryMiB: 32768, maxPods: 58 } as (typeof FAKE_NODES)[number];
    expect(allocatable(big).cpuMillis).toBe(8000 - (60 + 10 + 5 + 5 + 4 * 2.5));
  });

  test("covers both capacity types, several zones and both architectures", () => {
    expect(new Set(FAKE_NODES.map((n) => n.capacityType))).toEqual(new Set(["ON_DEMAND", "SPOT"]));
    expect(new Set(FAKE_NODES.map((n) => n.zone)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(FAKE_NODES.map((n) => n.arch))).toEqual(new Set(["amd64", "arm64"]));
    expect(new Set(FAKE_NODES.map((n) => n.name)).size).toBe(FAKE_NODES.length);
  });

  test("the manifest carries EKS labels, the kwok annotation, capacity and allocatable", () => {
    const node = FAKE_NODES[2];
    if (!node) throw new Error("fixture node missing");
    const manifest = nodeManifest(node);
    expect(manifest.metadata?.annotations).toEqual({ "kwok.x-k8s.io/node": "fake" });
    expect(manifest.metadata?.labels).toMatchObject({
      "node.kubernetes.io/instance-type": "m5.large",
      "eks.amazonaws.com/capacityType": "SPOT",
      "eks.amazonaws.com/nodegroup": "spot",
      "topology.kubernetes.io/region": "us-east-1",
      "topology.kubernetes.io/zone": "us-east-1c",
      "kubernetes.io/arch": "amd64",
    });
    expect(manifest.spec?.providerID).toMatch(/^aws:\/\/\/us-east-1c\/i-[0-9]{17}$/);
    expect(manifest.status?.capacity).toEqual({ cpu: "2", memory: "8192Mi", pods: "29" });
    expect(manifest.status?.allocatable).toEqual({ cpu: "1930m", memory: "7518Mi", pods: "29" });
  });
});
