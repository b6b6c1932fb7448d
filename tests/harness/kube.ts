// Conveniences for integration tests, acting as the harness's admin identity.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { applyObjects } from "./apply.js";
import { harness } from "./env.js";
import { namespacedRbacOf, READER_GROUP, WRITER_GROUP } from "./rbac.js";

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(harness().kubeconfig);
  return kc;
}

/** The writer identity (group coworking:delivery-writer), as the rollout functions would load it. */
export function deliveryKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(harness().deliveryKubeconfig);
  return kc;
}

/** The reader identity (group coworking:delivery-reader), as publishAlarms and reportCost would load it. */
export function readerKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(harness().readerKubeconfig);
  return kc;
}

export async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name, labels } } });
}

/** Starts deleting the namespace (and everything in it); does not wait for it to be gone. */
export async function deleteNamespace(name: string): Promise<void> {
  await adminKubeConfig().makeApiClient(CoreV1Api).deleteNamespace({ name });
}

/**
 * Applies the Role and RoleBinding that k8s/ ships for the writer group, re-targeted at
 * `namespace`, so a test can run the rollout functions as their limited identity in its own
 * namespace. The writer's admission policy is cluster-wide: it applies there already.
 */
export async function grantDeliveryAccess(namespace: string): Promise<void> {
  await applyObjects(adminKubeConfig(), await namespacedRbacOf(WRITER_GROUP, namespace));
}

/**
 * The same for the reader group (publishAlarms' Deployment reads); its cluster-wide cost read
 * needs no grant per namespace.
 */
export async function grantReaderAccess(namespace: string): Promise<void> {
  await applyObjects(adminKubeConfig(), await namespacedRbacOf(READER_GROUP, namespace));
}
