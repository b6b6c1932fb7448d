import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deliveryRbac, namespacedDeliveryRbac } from "../../harness/rbac.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const base = join(fixtures, "k8s-base");

const ids = (objects: { kind?: string; metadata?: { name?: string; namespace?: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? "-"}/${o.metadata?.name}`);

describe("delivery RBAC taken from k8s/base", () => {
  test("picks the bindings of group coworking:delivery and exactly the roles they refer to, roles first", async () => {
    expect(ids(await deliveryRbac(base))).toEqual([
      "ClusterRole/-/reader",
      "Role/app/deliver",
      "ClusterRoleBinding/-/reader",
      "RoleBinding/app/deliver",
    ]);
  });

  test("re-targets only the namespaced Role and RoleBinding, as an overlay would", async () => {
    const moved = await namespacedDeliveryRbac("team-a", base);
    expect(ids(moved)).toEqual(["Role/team-a/deliver", "RoleBinding/team-a/deliver"]);
    expect(moved[0]).toMatchObject({
      rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"] }],
    });
  });

  test("fails, naming the group and the folder, when k8s/ ships no grant for the group", async () => {
    const empty = join(fixtures, "k8s-base-without-rbac");
    await expect(deliveryRbac(empty)).rejects.toThrow(
      `no RoleBinding or ClusterRoleBinding for group coworking:delivery found under ${empty}`,
    );
  });

  test("the repository's own k8s/base grants the group something", async () => {
    const shipped = await deliveryRbac();
    expect(shipped.some((o) => o.kind === "RoleBinding")).toBe(true);
  });
});
