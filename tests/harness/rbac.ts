// The delivery functions' permissions, taken from the objects k8s/ ships (never invented here):
// for each of their two groups, every binding whose subject is that group and the roles it refers
// to; and the ValidatingAdmissionPolicy (+ binding) that narrows what the writer group may patch.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { HarnessError } from "./progress.js";

/** The rollout functions (onImagePush, reconcile, onAlarmStateChange): patch Deployments. */
export const WRITER_GROUP = "coworking:delivery-writer";
/** publishAlarms and reportCost: read Deployments in the app namespace, and the cluster for cost. */
export const READER_GROUP = "coworking:delivery-reader";
export const APP_NAMESPACE = "coworking";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The kustomize base; overlays only re-target it, so reading the base avoids duplicates. */
const MANIFESTS_DIR = join(REPO_ROOT, "k8s", "base");
/** The writer's admission policy, one file holding the policy and its binding. */
export const ADMISSION_POLICY_FILE = join(MANIFESTS_DIR, "admission", "delivery-writer-policy.yaml");

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

async function objectsOf(file: string): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const doc of parseAllDocuments(await readFile(file, "utf8"))) {
    const value = doc.toJS() as KubernetesObject | null;
    if (value?.kind) objects.push(value);
  }
  return objects;
}

export async function loadManifests(dir = MANIFESTS_DIR): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const file of await yamlFiles(dir)) objects.push(...(await objectsOf(file)));
  return objects;
}

/** The shipped RBAC objects that grant `group` its power, roles first; fails if k8s/ has none. */
export async function rbacOf(group: string, dir = MANIFESTS_DIR): Promise<RbacObject[]> {
  const objects = (await loadManifests(dir)) as RbacObject[];
  const bindings = objects.filter(
    (o) =>
      (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") &&
      o.subjects?.some((s) => s.kind === "Group" && s.name === group),
  );
  if (bindings.length === 0) {
    throw new HarnessError(
      `no RoleBinding or ClusterRoleBinding for group ${group} found under ${dir}; ` +
        "the delivery functions' RBAC must ship in k8s/ before their identity can be tested.",
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

/** Both delivery groups' RBAC: the writer's, then the reader's. */
export async function deliveryRbac(dir = MANIFESTS_DIR): Promise<RbacObject[]> {
  return [...(await rbacOf(WRITER_GROUP, dir)), ...(await rbacOf(READER_GROUP, dir))];
}

/** The namespaced part of `group`'s RBAC, moved to `namespace` as a kustomize overlay would. */
export async function namespacedRbacOf(
  group: string,
  namespace: string,
  dir = MANIFESTS_DIR,
): Promise<RbacObject[]> {
  return (await rbacOf(group, dir))
    .filter((o) => o.kind === "Role" || o.kind === "RoleBinding")
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}

/** The writer's namespaced RBAC (Role + RoleBinding), moved to `namespace`. */
export async function namespacedDeliveryRbac(namespace: string, dir = MANIFESTS_DIR): Promise<RbacObject[]> {
  return namespacedRbacOf(WRITER_GROUP, namespace, dir);
}

/**
 * The writer's ValidatingAdmissionPolicy and its binding, as shipped (policy first: a binding to
 * a missing policy is ignored until it appears, but the order keeps that window shut).
 */
export async function admissionPolicy(file = ADMISSION_POLICY_FILE): Promise<KubernetesObject[]> {
  if (!existsSync(file)) {
    throw new HarnessError(`the writer's admission policy is missing: ${file}`);
  }
  const objects = await objectsOf(file);
  const policies = objects.filter((o) => o.kind === "ValidatingAdmissionPolicy");
  const bindings = objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding");
  if (policies.length === 0 || bindings.length === 0) {
    throw new HarnessError(`${file} must hold a ValidatingAdmissionPolicy and its binding`);
  }
  return [...policies, ...bindings];
}
