// The deployment policy the k8s/ manifests must keep, as pure checks over parsed objects: each
// returns the violations it finds, one readable line each, so a failing test says what to fix.
// The unit tests (tests/unit/k8s/) prove every rule fires; the integration tests run them over
// the rendered overlays and over the files tracked in git.
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";

/** A rendered Kubernetes object, as parsed from YAML. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
}

/** Kinds that run to completion: their containers are not probed, by rule. */
const RUN_TO_COMPLETION = new Set(["Job", "CronJob"]);

/** Names of variables (env vars, env-file keys) that hold credentials. */
const SECRET_NAME = /passw(or)?d|secret|token|api[-_]?key|private[-_]?key|credential/i;
/** Map keys that hold a credential themselves (not `secretName`, `secretKeyRef`: those point to one). */
const SECRET_KEY = /(passw(or)?d|token|api[-_]?key|private[-_]?key)$/i;

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`invalid YAML: ${document.errors[0]?.message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null && typeof object === "object");
}

/** The pod template of a workload, or undefined for objects that run no pods. */
export function podSpecOf(object: KubeObject): V1PodSpec | undefined {
  const spec = object.spec as
    | { template?: { spec?: V1PodSpec }; jobTemplate?: { spec?: { template?: { spec?: V1PodSpec } } } }
    | undefined;
  switch (object.kind) {
    case "Pod":
      return object.spec as V1PodSpec | undefined;
    case "CronJob":
      return spec?.jobTemplate?.spec?.template?.spec;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return spec?.template?.spec;
    default:
      return undefined;
  }
}

/**
 * Every container of every workload: requests and limits for CPU and memory, an image pinned to a
 * tag other than `latest` (or a digest), non-root, no privilege escalation, read-only root
 * filesystem, all capabilities dropped, seccomp RuntimeDefault. Long-running containers also need
 * liveness and readiness probes; init containers and Job containers run to completion and are
 * exempt. Pods mount no service-account token.
 */
export function workloadViolations(objects: readonly KubeObject[]): string[] {
  const violations: string[] = [];
  for (const object of objects) {
    const pod = podSpecOf(object);
    if (pod === undefined) continue;
    const workload = `${object.kind}/${object.metadata?.name ?? "(unnamed)"}`;
    if (pod.automountServiceAccountToken !== false) {
      violations.push(`${workload}: automountServiceAccountToken is not false`);
    }
    const probed = !RUN_TO_COMPLETION.has(object.kind ?? "");
    for (const container of pod.initContainers ?? []) {
      violations.push(
        ...containerViolations(`${workload} init container ${container.name}`, container, pod, false),
      );
    }
    for (const container of pod.containers ?? []) {
      violations.push(
        ...containerViolations(`${workload} container ${container.name}`, container, pod, probed),
      );
    }
  }
  return violations;
}

function containerViolations(
  where: string,
  container: V1Container,
  pod: V1PodSpec,
  probed: boolean,
): string[] {
  const found: string[] = [];
  const { requests, limits } = container.resources ?? {};
  for (const resource of ["cpu", "memory"]) {
    if (requests?.[resource] === undefined) found.push(`${where}: no ${resource} request`);
    if (limits?.[resource] === undefined) found.push(`${where}: no ${resource} limit`);
  }
  const imageProblem = imageViolation(container.image);
  if (imageProblem) found.push(`${where}: ${imageProblem}`);

  const own = container.securityContext;
  const shared = pod.securityContext;
  if ((own?.runAsNonRoot ?? shared?.runAsNonRoot) !== true) found.push(`${where}: runAsNonRoot is not true`);
  if ((own?.runAsUser ?? shared?.runAsUser) === 0) found.push(`${where}: runAsUser is 0 (root)`);
  if (own?.allowPrivilegeEscalation !== false) found.push(`${where}: allowPrivilegeEscalation is not false`);
  if (own?.readOnlyRootFilesystem !== true) found.push(`${where}: readOnlyRootFilesystem is not true`);
  if (!own?.capabilities?.drop?.includes("ALL")) found.push(`${where}: capabilities do not drop ALL`);
  const seccomp = (own?.seccompProfile ?? shared?.seccompProfile)?.type;
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
    found.push(`${where}: seccomp is not RuntimeDefault`);

  if (probed) {
    if (container.livenessProbe === undefined) found.push(`${where}: no liveness probe`);
    if (container.readinessProbe === undefined) found.push(`${where}: no readiness probe`);
  }
  return found;
}

/** Why an image reference is not pinned, or undefined when it is. */
export function imageViolation(image: string | undefined): string | undefined {
  if (image === undefined || image === "") return "no image";
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return `image ${image} has no tag (means latest)`;
  if (lastSegment.slice(colon + 1) === "latest") return `image ${image} uses the latest tag`;
  return undefined;
}

/** A file as committed: its path in the repository and its text. */
export interface TrackedFile {
  path: string;
  text: string;
}

/**
 * Credentials written in plain text: a Secret with data or stringData, a generator literal,
 * and any credential-named key, env var (name/value) or env-file line that carries a value.
 * Empty values (the `.example` files) pass: they show the shape, not a secret.
 */
export function plaintextSecretViolations(files: readonly TrackedFile[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    if (/\.ya?ml$/.test(file.path)) {
      for (const object of parseManifests(file.text)) {
        if (object.kind === "Secret" && hasEntries(object.data, object.stringData)) {
          violations.push(`${file.path}: Secret ${object.metadata?.name ?? "(unnamed)"} carries data in git`);
        }
        for (const literal of generatorLiterals(object)) {
          if (secretAssignment(literal))
            violations.push(`${file.path}: generator literal ${literal.split("=")[0]}`);
        }
        collectSecretValues(object, file.path, violations);
      }
    } else {
      file.text.split("\n").forEach((line, index) => {
        if (secretAssignment(line))
          violations.push(`${file.path}:${index + 1}: ${line.split("=")[0]?.trim()} has a value`);
      });
    }
  }
  return violations;
}

function hasEntries(...maps: (Record<string, unknown> | undefined)[]): boolean {
  return maps.some((map) => map !== undefined && map !== null && Object.keys(map).length > 0);
}

/** The `literals` of a kustomization's Secret and ConfigMap generators. */
function generatorLiterals(object: KubeObject): string[] {
  type Generators = { literals?: string[] }[] | undefined;
  const { secretGenerator, configMapGenerator } = object as {
    secretGenerator?: Generators;
    configMapGenerator?: Generators;
  };
  return [...(secretGenerator ?? []), ...(configMapGenerator ?? [])].flatMap(
    (generator) => generator.literals ?? [],
  );
}

/** `KEY=value` with a credential-named KEY and a non-empty value; comments never match. */
function secretAssignment(line: string): boolean {
  const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
  if (!match || line.trimStart().startsWith("#")) return false;
  const [, key = "", value = ""] = match;
  return SECRET_NAME.test(key) && value.trim().replace(/^["']|["']$/g, "") !== "";
}

function collectSecretValues(node: unknown, path: string, violations: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectSecretValues(item, path, violations);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const map = node as Record<string, unknown>;
  if (
    typeof map.name === "string" &&
    SECRET_NAME.test(map.name) &&
    typeof map.value === "string" &&
    map.value !== ""
  ) {
    violations.push(`${path}: ${map.name} has a literal value`);
  }
  for (const [key, value] of Object.entries(map)) {
    if (SECRET_KEY.test(key) && typeof value === "string" && value !== "") {
      violations.push(`${path}: key ${key} has a literal value`);
    }
    collectSecretValues(value, path, violations);
  }
}
