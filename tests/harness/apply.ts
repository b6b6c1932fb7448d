// Server-side apply as the harness's admin, so setting up twice (or over a prepared cluster) is harmless.
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";

const FIELD_MANAGER = "coworking-harness";

/** Applies `objects` in order (Roles before their bindings: the apiserver checks a binder holds what it grants). */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await client.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}
