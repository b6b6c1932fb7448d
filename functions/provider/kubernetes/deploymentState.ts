// Translation between the apiserver's Deployment objects and the planners' model, both ways.
import type { V1Deployment, V1ManagedFieldsEntry } from "@kubernetes/client-node";
import type { DeploymentPatch, DeploymentState, FieldChange } from "../../rollout/model.js";
import { podSpecRequests } from "./kubernetesInventory.js";

export function toDeploymentState(cluster: string, deployment: V1Deployment): DeploymentState {
  const { metadata = {}, spec, status = {} } = deployment;
  const progressing = status.conditions?.find((condition) => condition.type === "Progressing");
  const containers = spec?.template.spec?.containers ?? [];
  const imageChanges = imageChangesOf(
    metadata.managedFields ?? [],
    containers.map((container) => container.name),
  );
  return {
    cluster,
    namespace: metadata.namespace ?? "",
    name: metadata.name ?? "",
    resourceVersion: metadata.resourceVersion ?? "",
    generation: metadata.generation ?? 0,
    desiredReplicas: spec?.replicas ?? 1,
    annotations: metadata.annotations ?? {},
    containers: (spec?.template.spec?.containers ?? []).map((container) => ({
      name: container.name,
      image: container.image ?? "",
    })),
    podRequests: podSpecRequests(spec?.template.spec),
    status: {
      observedGeneration: status.observedGeneration ?? 0,
      replicas: status.replicas ?? 0,
      updatedReplicas: status.updatedReplicas ?? 0,
      availableReplicas: status.availableReplicas ?? 0,
      ...(progressing?.reason ? { progressingReason: progressing.reason } : {}),
      ...(progressing?.message ? { progressingMessage: progressing.message } : {}),
    },
    ...(Object.keys(imageChanges).length > 0 ? { imageChanges } : {}),
  };
}

/**
 * Who last set each container's image: the managedFields entry whose fieldsV1 holds
 * `f:spec.f:template.f:spec.f:containers.k:{"name":…}.f:image`, the latest by time when several
 * managers share it (server-side apply lets them).
 */
export function imageChangesOf(
  managedFields: readonly V1ManagedFieldsEntry[],
  containerNames: readonly string[],
): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const name of containerNames) {
    const key = `k:${JSON.stringify({ name })}`;
    for (const entry of managedFields) {
      const fields = entry.fieldsV1 as Record<string, Record<string, unknown>> | undefined;
      const container = (
        (
          (fields?.["f:spec"]?.["f:template"] as Record<string, unknown> | undefined)?.["f:spec"] as
            | Record<string, unknown>
            | undefined
        )?.["f:containers"] as Record<string, Record<string, unknown>> | undefined
      )?.[key];
      if (container?.["f:image"] === undefined) continue;
      const time = entry.time === undefined ? undefined : new Date(entry.time).toISOString();
      const known = changes[name];
      if (known?.time !== undefined && (time === undefined || time < known.time)) continue;
      changes[name] = {
        manager: entry.manager ?? "unknown",
        operation: entry.operation ?? "unknown",
        ...(time !== undefined ? { time } : {}),
      };
    }
  }
  return changes;
}

/**
 * A strategic merge patch: containers merge by name, so only the named images change, and
 * metadata.resourceVersion makes the apiserver refuse it (409) if anyone wrote in between.
 */
export function toStrategicMergePatch(patch: DeploymentPatch): object {
  const containers = Object.entries(patch.images).map(([name, image]) => ({ name, image }));
  return {
    metadata: { resourceVersion: patch.resourceVersion, annotations: patch.annotations },
    ...(containers.length > 0 ? { spec: { template: { spec: { containers } } } } : {}),
  };
}
