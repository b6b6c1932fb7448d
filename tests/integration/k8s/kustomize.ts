// The k8s/ overlays as an operator uses them, with the harness's kubectl: rendered and applied from
// a throwaway copy of k8s/ that holds generated credentials, so tests never need, read or write a
// postgres.env in the checkout (the real one is git-ignored and may hold a real password).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { harness } from "../../harness/env.js";
import { REPO_ROOT } from "../../harness/rbac.js";
import { type KubeObject, parseManifests } from "./manifestPolicy.js";

export const K8S_DIR = join(REPO_ROOT, "k8s");

/** Every overlay under k8s/overlays: each must deploy, so tests iterate over all of them. */
export function overlayNames(): string[] {
  return readdirSync(join(K8S_DIR, "overlays"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export interface KubectlOptions {
  /** the identity to act as; the harness's admin when absent */
  kubeconfig?: string;
  /** written to kubectl's stdin (for `-f -`) */
  input?: string;
  /** the folder kubectl runs in, for the README's relative `-k k8s/overlays/<env>` */
  cwd?: string;
}

/** The failure of a kubectl command, with what it printed (e.g. "Forbidden"). */
export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`kubectl ${args.join(" ")} failed:\n${stderr.trim()}`);
    this.name = "KubectlError";
  }
}

/** kubectl from the harness (its version matches the server); resolves with stdout and stderr. */
export async function kubectlOutput(
  args: string[],
  options: KubectlOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const h = harness();
  return await new Promise((resolve, reject) => {
    const child = execFile(
      h.kubectl,
      args,
      {
        env: { ...process.env, KUBECONFIG: options.kubeconfig ?? h.kubeconfig },
        ...(options.cwd ? { cwd: options.cwd } : {}),
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        error ? reject(new KubectlError(args, stderr || error.message)) : resolve({ stdout, stderr }),
    );
    child.stdin?.end(options.input ?? "");
  });
}

export async function kubectl(args: string[], options: KubectlOptions = {}): Promise<string> {
  return (await kubectlOutput(args, options)).stdout;
}

export async function kubectlJson<T>(args: string[], options: KubectlOptions = {}): Promise<T> {
  return JSON.parse(await kubectl([...args, "-o", "json"], options)) as T;
}

/**
 * A copy of k8s/ in a temporary folder, with a postgres.env of random credentials in each overlay:
 * the database owner's and the API's read-only role's, as postgres.env.example lists them.
 */
export class ManifestCopy {
  private constructor(readonly root: string) {}

  static async create(): Promise<ManifestCopy> {
    const root = await mkdtemp(join(tmpdir(), "coworking-k8s-"));
    await cp(K8S_DIR, join(root, "k8s"), {
      recursive: true,
      filter: (source) => basename(source) !== "postgres.env",
    });
    for (const overlay of overlayNames()) {
      const password = randomBytes(18).toString("base64url");
      const readerPassword = randomBytes(18).toString("base64url");
      await writeFile(
        join(root, "k8s", "overlays", overlay, "postgres.env"),
        `POSTGRES_USER=coworking\nPOSTGRES_PASSWORD=${password}\n` +
          `ANALYTICS_DB_USER=analytics_reader\nANALYTICS_DB_PASSWORD=${readerPassword}\n`,
        { mode: 0o600 },
      );
    }
    return new ManifestCopy(root);
  }

  overlay(name: string): string {
    return join(this.root, "k8s", "overlays", name);
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export async function render(kustomization: string): Promise<KubeObject[]> {
  return parseManifests(await kubectl(["kustomize", kustomization]));
}

/** The one object of `kind` named `name`; fails, listing what there is, when it is missing. */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata?.name === name);
  if (found === undefined) {
    const present = objects.map((object) => `${object.kind}/${object.metadata?.name}`).join(", ");
    throw new Error(`no ${kind}/${name} among the rendered objects: ${present}`);
  }
  return found;
}

/** The namespace every overlay deploys into (k8s/base/namespace.yaml, set by each overlay). */
export const APP_NAMESPACE = "coworking";

/**
 * The kinds an overlay creates in its namespace, removed between tests. The Namespace and the
 * delivery RBAC stay: other tests and the harness rely on them.
 */
const WORKLOAD_KINDS =
  "deployments,statefulsets,jobs,pods,services,ingresses,poddisruptionbudgets," +
  "horizontalpodautoscalers,networkpolicies,serviceaccounts,configmaps,secrets,persistentvolumeclaims";

/**
 * The dev overlay applied for real, exactly as the Kubernetes docs tell an operator to: `kubectl apply
 * --server-side -k k8s/overlays/dev` from the root of a copy of the checkout. It lands in `coworking`, so tests that
 * apply it take turns (jest runs the files one at a time) and each removes what it applied,
 * waiting until it is gone. The harness runs no EBS CSI driver, so the gp3 volume the driver would
 * create for postgres-0's claim is created up front, bound to that claim (same class, size and
 * access mode). That volume is a stand-in, and is labelled as one.
 */
export class DevDeployment {
  readonly namespace = APP_NAMESPACE;

  private constructor(
    private readonly copy: ManifestCopy,
    readonly volumeName: string,
  ) {}

  static async apply(): Promise<DevDeployment> {
    const copy = await ManifestCopy.create();
    const volumeName = `coworking-postgres-data-stand-in-${randomBytes(3).toString("hex")}`;
    await kubectl(["apply", "-f", "-"], { input: JSON.stringify(postgresVolume(APP_NAMESPACE, volumeName)) });
    const deployment = new DevDeployment(copy, volumeName);
    await deployment.reapply();
    return deployment;
  }

  /** The documented command again (an operator's re-apply). */
  async reapply(): Promise<void> {
    await kubectl(["apply", "--server-side", "-k", "k8s/overlays/dev"], { cwd: this.copy.root });
  }

  /** PostgreSQL and the API rolled out, the schema Job complete. */
  async ready(): Promise<void> {
    const inNamespace = ["-n", this.namespace, "--timeout=120s"];
    await kubectl(["rollout", "status", "statefulset/postgres", ...inNamespace]);
    await kubectl(["rollout", "status", "deployment/analytics", ...inNamespace]);
    await kubectl(["wait", "--for=condition=Complete", "job/analytics-schema", ...inNamespace]);
  }

  async remove(): Promise<void> {
    const ignore = () => undefined;
    const wait = ["--ignore-not-found", "--wait=true", "--timeout=120s"];
    await kubectl([
      "delete",
      WORKLOAD_KINDS,
      "-n",
      this.namespace,
      "-l",
      "app.kubernetes.io/instance=coworking-dev",
      ...wait,
    ]).catch(ignore);
    // The StatefulSet's claim is made by its controller from the template, without the overlay's labels.
    await kubectl(["delete", "pvc", "data-postgres-0", "-n", this.namespace, ...wait]).catch(ignore);
    await kubectl(["delete", "persistentvolume", this.volumeName, ...wait]).catch(ignore);
    await this.copy.remove();
  }
}

function postgresVolume(namespace: string, volumeName: string): object {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: volumeName, labels: { "coworking.test/stand-in": "ebs-csi-gp3-volume" } },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "gp3",
      persistentVolumeReclaimPolicy: "Retain",
      claimRef: { namespace, name: "data-postgres-0" },
      csi: { driver: "ebs.csi.aws.com", volumeHandle: `vol-${namespace}`, fsType: "ext4" },
    },
  };
}
