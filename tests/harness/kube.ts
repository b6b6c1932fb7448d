// Conveniences for integration tests, acting as the harness's admin identity.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { applyObjects } from "./apply.js";
import { harness } from "./env.js";
import { namespacedDeliveryRbac } from "./rbac.js";

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(harness().kubeconfig);
  return kc;
}

/** The delivery functions' identity (group coworking:delivery), as the functions would load it. */
export function deliveryKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(harness().deliveryKubeconfig);
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
 * Applies the Role and RoleBinding that k8s/ ships for the delivery group, re-targeted at
 * `namespace`, so a test can run the functions as their limited identity in its own namespace.
 */
export async function grantDeliveryAccess(namespace: string): Promise<void> {
  await applyObjects(adminKubeConfig(), await namespacedDeliveryRbac(namespace));
}
