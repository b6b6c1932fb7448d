// Translation between the apiserver's Deployment objects and the planners' model, both ways.
import type { V1Deployment } from "@kubernetes/client-node";
import type { DeploymentPatch, DeploymentState } from "../../rollout/model.js";
import { podSpecRequests } from "./kubernetesInventory.js";

export function toDeploymentState(cluster: string, deployment: V1Deployment): DeploymentState {
  const { metadata = {}, spec, status = {} } = deployment;
  const progressing = status.conditions?.find((condition) => condition.type === "Progressing");
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
  };
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
