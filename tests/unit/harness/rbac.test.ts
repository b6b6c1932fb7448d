import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  admissionPolicy,
  deliveryRbac,
  namespacedDeliveryRbac,
  namespacedRbacOf,
  READER_GROUP,
  rbacOf,
  WRITER_GROUP,
} from "../../harness/rbac.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const base = join(fixtures, "k8s-base");

const ids = (objects: { kind?: string; metadata?: { name?: string; namespace?: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? "-"}/${o.metadata?.name}`);

describe("delivery RBAC taken from k8s/base", () => {
  test("picks the bindings of the writer group and exactly the roles they refer to, roles first", async () => {
    expect(ids(await rbacOf(WRITER_GROUP, base))).toEqual(["Role/app/deliver", "RoleBinding/app/deliver"]);
  });

  test("picks the reader group's namespaced and cluster-wide grants", async () => {
    expect(ids(await rbacOf(READER_GROUP, base))).toEqual([
      "ClusterRole/-/reader",
      "Role/app/look",
      "ClusterRoleBinding/-/reader",
      "RoleBinding/app/look",
    ]);
  });

  test("deliveryRbac is both groups' grants, the writer's first", async () => {
    expect(ids(await deliveryRbac(base))).toEqual([
      "Role/app/deliver",
      "RoleBinding/app/deliver",
      "ClusterRole/-/reader",
      "Role/app/look",
      "ClusterRoleBinding/-/reader",
      "RoleBinding/app/look",
    ]);
  });

  test("re-targets only the namespaced Role and RoleBinding, as an overlay would", async () => {
    const moved = await namespacedDeliveryRbac("team-a", base);
    expect(ids(moved)).toEqual(["Role/team-a/deliver", "RoleBinding/team-a/deliver"]);
    expect(moved[0]).toMatchObject({
      rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"] }],
    });
    expect(ids(await namespacedRbacOf(READER_GROUP, "team-a", base))).toEqual([
      "Role/team-a/look",
      "RoleBinding/team-a/look",
    ]);
  });

  test("fails, naming the group and the folder, when k8s/ ships no grant for the group", async () => {
    const empty = join(fixtures, "k8s-base-without-rbac");
    await expect(rbacOf(WRITER_GROUP, empty)).rejects.toThrow(
      `no RoleBinding or ClusterRoleBinding for group coworking:delivery-writer found under ${empty}`,
    );
  });

  test("the repository's own k8s/base grants each group something, and the old single group nothing", async () => {
    for (const group of [WRITER_GROUP, READER_GROUP]) {
      expect((await rbacOf(group)).some((o) => o.kind === "RoleBinding")).toBe(true);
    }
    await expect(rbacOf("coworking:delivery")).rejects.toThrow(/no RoleBinding/);
  });

  test("the writer's admission policy ships as a policy and its binding, policy first", async () => {
    expect(ids(await admissionPolicy())).toEqual([
      "ValidatingAdmissionPolicy/-/coworking-delivery-writer",
      "ValidatingAdmissionPolicyBinding/-/coworking-delivery-writer",
    ]);
  });
});
