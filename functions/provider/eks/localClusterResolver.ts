// ClusterResolver for local mode (KUBECONFIG set): the kubeconfig's current context, named after
// its cluster, exactly as the functions would see an EKS cluster.
import { KubeConfig } from "@kubernetes/client-node";
import { ConfigError } from "../../types/errors.js";
import type { ClusterResolver, ClusterTarget } from "./clusterResolver.js";

export class LocalClusterResolver implements ClusterResolver {
  #target: ClusterTarget | undefined;

  constructor(private readonly kubeconfigPath: string) {}

  async clusters(): Promise<ClusterTarget[]> {
    this.#target ??= this.#load();
    return [this.#target];
  }

  #load(): ClusterTarget {
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromFile(this.kubeconfigPath);
    } catch (error) {
      throw new ConfigError(`KUBECONFIG ${this.kubeconfigPath} cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new ConfigError(`KUBECONFIG ${this.kubeconfigPath} has no current context with a cluster`);
    }
    return { name: cluster.name, kubeConfig };
  }
}
