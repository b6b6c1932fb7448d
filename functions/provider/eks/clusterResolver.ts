// Port: which Kubernetes clusters the functions act on, and how to reach them.
// In Lambda: EKS DescribeCluster + an IAM bearer token (cached, refreshed before expiry).
// In local mode (KUBECONFIG set): the kubeconfig's current context.
import type { KubeConfig } from "@kubernetes/client-node";

export interface ClusterTarget {
  /** The EKS cluster name (or the kubeconfig cluster name in local mode). */
  name: string;
  /** Ready to use; its credentials are valid for at least the next few minutes. */
  kubeConfig: KubeConfig;
}

export interface ClusterResolver {
  clusters(): Promise<ClusterTarget[]>;
}
