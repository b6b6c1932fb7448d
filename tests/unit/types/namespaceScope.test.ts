import {
  describeScope,
  listTargets,
  managesNamespace,
  type NamespaceScope,
} from "../../../functions/types/namespaceScope.js";

const everyNamespace: NamespaceScope = { kind: "cluster-wide" };
const two: NamespaceScope = { kind: "namespaces", names: ["coworking", "analytics"] };

describe("namespace scope", () => {
  it("lists once per cluster when it is every namespace, else each name", () => {
    expect(listTargets(everyNamespace)).toEqual(["*"]);
    expect(listTargets(two)).toEqual(["coworking", "analytics"]);
  });

  it("manages a namespace it names, or any when cluster-wide", () => {
    expect(managesNamespace(two, "analytics")).toBe(true);
    expect(managesNamespace(two, "kube-system")).toBe(false);
    expect(managesNamespace(everyNamespace, "kube-system")).toBe(true);
  });

  it("describes itself for messages", () => {
    expect(describeScope(everyNamespace)).toBe("every namespace");
    expect(describeScope(two)).toBe("coworking, analytics");
  });
});
