// The k8s/ overlays as an operator uses them, with the harness's kubectl: rendered and applied from
// a throwaway copy of k8s/ that holds generated credentials, so tests never need, read or write a
// postgres.env in the checkout (the real one is git-ignored and may hold a real password).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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

/** A copy of k8s/ in a temporary folder, with a postgres.env of random credentials in each overlay. */
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
      await writeFile(
        join(root, "k8s", "overlays", overlay, "postgres.env"),
        `POSTGRES_USER=coworking\nPOSTGRES_PASSWORD=${password}\n`,
        { mode: 0o600 },
      );
    }
    return new ManifestCopy(root);
  }

  overlay(name: string): string {
    return join(this.root, "k8s", "overlays", name);
  }

  /**
   * A kustomization that moves `overlay` into `namespace`, as a test's own copy of the
   * deployment: kustomize renames the Namespace object and every namespaced object with it.
   */
  async inNamespace(overlay: string, namespace: string): Promise<string> {
    const dir = join(this.root, `${overlay}-in-${namespace}`);
    await mkdir(dir);
    await writeFile(
      join(dir, "kustomization.yaml"),
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        `namespace: ${namespace}`,
        "resources:",
        `  - ../k8s/overlays/${overlay}`,
        "",
      ].join("\n"),
    );
    return dir;
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

/**
 * The dev overlay applied for real into its own `namespace`, as an operator applies it
 * (server-side). The harness runs no EBS CSI driver, so the gp3 volume the driver would create for
 * postgres-0's claim is created up front, bound to that claim (same class, size and access mode).
 */
export class DevDeployment {
  private constructor(
    private readonly copy: ManifestCopy,
    readonly namespace: string,
    readonly volumeName: string,
    /** the kustomization that was applied, for re-applies */
    readonly kustomization: string,
  ) {}

  static async apply(namespace: string): Promise<DevDeployment> {
    const copy = await ManifestCopy.create();
    const volumeName = `${namespace}-postgres-data`;
    await kubectl(["apply", "-f", "-"], { input: JSON.stringify(postgresVolume(namespace, volumeName)) });
    const kustomization = await copy.inNamespace("dev", namespace);
    await kubectl(["apply", "--server-side", "-k", kustomization]);
    return new DevDeployment(copy, namespace, volumeName, kustomization);
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
    await kubectl(["delete", "namespace", this.namespace, "--wait=false", "--ignore-not-found"]).catch(
      ignore,
    );
    await kubectl([
      "delete",
      "persistentvolume",
      this.volumeName,
      "--wait=false",
      "--ignore-not-found",
    ]).catch(ignore);
    await this.copy.remove();
  }
}

function postgresVolume(namespace: string, volumeName: string): object {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: volumeName },
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
