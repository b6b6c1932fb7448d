// The delivery functions' permissions, taken from the RBAC objects k8s/ ships (never invented
// here): every binding whose subject is the group coworking:delivery, and the roles it refers to.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { HarnessError } from "./progress.js";

export const DELIVERY_GROUP = "coworking:delivery";
export const APP_NAMESPACE = "coworking";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The kustomize base; overlays only re-target it, so reading the base avoids duplicates. */
const MANIFESTS_DIR = join(REPO_ROOT, "k8s", "base");

interface RbacObject extends KubernetesObject {
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string }[];
}

async function yamlFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== "kustomization.yaml")
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function loadManifests(dir = MANIFESTS_DIR): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const file of await yamlFiles(dir)) {
    for (const doc of parseAllDocuments(await readFile(file, "utf8"))) {
      const value = doc.toJS() as KubernetesObject | null;
      if (value?.kind) objects.push(value);
    }
  }
  return objects;
}

/** The shipped RBAC objects that grant the delivery group its power; fails if k8s/ has none. */
export async function deliveryRbac(dir = MANIFESTS_DIR): Promise<RbacObject[]> {
  const objects = (await loadManifests(dir)) as RbacObject[];
  const bindings = objects.filter(
    (o) =>
      (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") &&
      o.subjects?.some((s) => s.kind === "Group" && s.name === DELIVERY_GROUP),
  );
  if (bindings.length === 0) {
    throw new HarnessError(
      `no RoleBinding or ClusterRoleBinding for group ${DELIVERY_GROUP} found under ${dir}; ` +
        "the delivery functions' RBAC must ship in k8s/ (issue 5) before their identity can be tested.",
    );
  }
  const roles = objects.filter((o) =>
    bindings.some(
      (b) =>
        b.roleRef?.kind === o.kind &&
        b.roleRef?.name === o.metadata?.name &&
        (o.kind === "ClusterRole" || o.metadata?.namespace === b.metadata?.namespace),
    ),
  );
  return [...roles, ...bindings];
}

/** The namespaced part of the delivery RBAC, moved to `namespace` as a kustomize overlay would. */
export async function namespacedDeliveryRbac(namespace: string, dir = MANIFESTS_DIR): Promise<RbacObject[]> {
  return (await deliveryRbac(dir))
    .filter((o) => o.kind === "Role" || o.kind === "RoleBinding")
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}
