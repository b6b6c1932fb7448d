// The core's side of the inventory; converting Kubernetes objects into it is the adapter's
// (tests/unit/provider/kubernetes/kubernetesInventory.test.ts).
import { deploymentsIn, normaliseCapacityType } from "../../../functions/cost/inventory.js";
import { twoNodeCluster } from "./fixtures.js";

describe("normaliseCapacityType", () => {
  it("reads Karpenter's and EKS's spellings; anything else is on-demand", () => {
    expect(
      ["spot", "SPOT", "on-demand", "ON_DEMAND", undefined, "reserved"].map(normaliseCapacityType),
    ).toEqual(["SPOT", "SPOT", "ON_DEMAND", "ON_DEMAND", "ON_DEMAND", "ON_DEMAND"]);
  });
});

describe("deploymentsIn", () => {
  it("lists each Deployment with pods once, sorted, and skips pods of none", () => {
    const pods = [...twoNodeCluster.pods, ...twoNodeCluster.pods];
    expect(deploymentsIn({ ...twoNodeCluster, pods })).toEqual(["data/db", "web/api"]);
  });
});
