// Reference integrity, the check a kubelet makes and kwok does not: every Secret, ConfigMap,
// ServiceAccount and PersistentVolumeClaim a pod template names must exist in that pod's own
// namespace (a missing Secret is CreateContainerConfigError on a real node, never on kwok). Pure
// over parsed objects, so it runs alike on rendered overlays and on what the apiserver holds.
import type { V1PodSpec } from "@kubernetes/client-node";
import { type KubeObject, podSpecOf } from "./manifestPolicy.js";

/** Where an object lands when its manifest names no namespace: the kubectl context's namespace. */
const CONTEXT_NAMESPACE = "<the kubectl context's namespace>";

type Kind = "Secret" | "ConfigMap" | "ServiceAccount" | "PersistentVolumeClaim";

interface Reference {
  kind: Kind;
  name: string;
  /** the data key the pod reads, when it reads one */
  key?: string;
  /** where in the pod spec, for the message */
  from: string;
}

/** The objects a pod spec needs, except those marked optional (a kubelet starts the pod without them). */
function referencesOf(pod: V1PodSpec): Reference[] {
  const found: Reference[] = [];
  found.push({
    kind: "ServiceAccount",
    name: pod.serviceAccountName ?? "default",
    from: "serviceAccountName",
  });
  for (const secret of pod.imagePullSecrets ?? []) {
    if (secret.name) found.push({ kind: "Secret", name: secret.name, from: "imagePullSecrets" });
  }
  for (const volume of pod.volumes ?? []) {
    const from = `volume ${volume.name}`;
    if (volume.secret?.secretName && !volume.secret.optional)
      found.push({ kind: "Secret", name: volume.secret.secretName, from });
    if (volume.configMap?.name && !volume.configMap.optional)
      found.push({ kind: "ConfigMap", name: volume.configMap.name, from });
    if (volume.persistentVolumeClaim)
      found.push({ kind: "PersistentVolumeClaim", name: volume.persistentVolumeClaim.claimName, from });
    for (const source of volume.projected?.sources ?? []) {
      if (source.secret?.name && !source.secret.optional)
        found.push({ kind: "Secret", name: source.secret.name, from });
      if (source.configMap?.name && !source.configMap.optional)
        found.push({ kind: "ConfigMap", name: source.configMap.name, from });
    }
  }
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const from = `container ${container.name}`;
    for (const source of container.envFrom ?? []) {
      if (source.secretRef?.name && !source.secretRef.optional)
        found.push({ kind: "Secret", name: source.secretRef.name, from: `${from} envFrom` });
      if (source.configMapRef?.name && !source.configMapRef.optional)
        found.push({ kind: "ConfigMap", name: source.configMapRef.name, from: `${from} envFrom` });
    }
    for (const variable of container.env ?? []) {
      const secret = variable.valueFrom?.secretKeyRef;
      const configMap = variable.valueFrom?.configMapKeyRef;
      if (secret?.name && !secret.optional)
        found.push({
          kind: "Secret",
          name: secret.name,
          key: secret.key,
          from: `${from} env ${variable.name}`,
        });
      if (configMap?.name && !configMap.optional)
        found.push({
          kind: "ConfigMap",
          name: configMap.name,
          key: configMap.key,
          from: `${from} env ${variable.name}`,
        });
    }
  }
  return found;
}

/** The claims a StatefulSet's controller makes from its templates, `<template>-<name>-<ordinal>`. */
function claimTemplateNames(object: KubeObject): string[] {
  if (object.kind !== "StatefulSet") return [];
  const templates = (object.spec?.volumeClaimTemplates ?? []) as { metadata?: { name?: string } }[];
  return templates.flatMap((template) => (template.metadata?.name ? [template.metadata.name] : []));
}

/**
 * One line per reference that does not resolve in the pod's namespace. The `default`
 * ServiceAccount is created by the apiserver in every namespace, so it always resolves; a key read
 * from a Secret or ConfigMap must be among its data keys.
 */
export function danglingReferences(objects: readonly KubeObject[]): string[] {
  const namespaceOf = (object: KubeObject) => object.metadata?.namespace ?? CONTEXT_NAMESPACE;
  const index = new Map<string, KubeObject>();
  for (const object of objects)
    index.set(`${object.kind}/${namespaceOf(object)}/${object.metadata?.name}`, object);
  const problems: string[] = [];
  for (const object of objects) {
    const pod = podSpecOf(object);
    if (pod === undefined) continue;
    const namespace = namespaceOf(object);
    const templates = claimTemplateNames(object);
    const where = `${object.kind} ${namespace}/${object.metadata?.name}`;
    for (const reference of referencesOf(pod)) {
      if (reference.kind === "ServiceAccount" && reference.name === "default") continue;
      if (reference.kind === "PersistentVolumeClaim" && templates.includes(reference.name)) continue;
      const target = index.get(`${reference.kind}/${namespace}/${reference.name}`);
      if (target === undefined) {
        const elsewhere = objects
          .filter((o) => o.kind === reference.kind && o.metadata?.name === reference.name)
          .map(namespaceOf);
        problems.push(
          `${where} (${reference.from}) needs ${reference.kind} ${reference.name} in ${namespace}` +
            (elsewhere.length > 0 ? `, but it is in ${elsewhere.join(", ")}` : ", and there is none"),
        );
        continue;
      }
      if (reference.key !== undefined) {
        const keys = [...Object.keys(target.data ?? {}), ...Object.keys(target.stringData ?? {})];
        if (!keys.includes(reference.key))
          problems.push(
            `${where} (${reference.from}) reads key ${reference.key} that ${reference.kind} ${reference.name} lacks`,
          );
      }
    }
  }
  return problems;
}

/** Namespaced objects a manifest leaves without a namespace: they would land in the context's. */
export function objectsWithoutNamespace(
  objects: readonly KubeObject[],
  clusterScopedKinds: ReadonlySet<string>,
): string[] {
  return objects
    .filter(
      (object) => !clusterScopedKinds.has(object.kind ?? "") && object.metadata?.namespace === undefined,
    )
    .map((object) => `${object.kind}/${object.metadata?.name} has no namespace`);
}
