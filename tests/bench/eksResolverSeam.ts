// BENCH ONLY, never deployed. bundles.ts bundles a function with this module in place of
// functions/provider/eks/clusterResolvers.ts (an esbuild plugin swaps the import; nothing else in
// the bundle differs from what serverless.yml packages), so a cold start runs the real EKS path:
// createClusterResolver from the real module builds the EksClusterResolver exactly as deployed,
// which calls eks:DescribeCluster (on moto, where the bench created the cluster) and whose
// authenticator signs the STS-presigned bearer token. The harness's kube-apiserver cannot verify
// an EKS token, and moto's cluster endpoint does not exist, so once the token is made the target
// handed to the function is the harness's kubeconfig (BENCH_HARNESS_KUBECONFIG: the delivery or
// the reader identity), under the EKS cluster's name. The function thus pays DescribeCluster and
// the token before its first Kubernetes call, as in Lambda; only the TLS handshake with the EKS
// endpoint differs (the harness apiserver's instead).
import { KubeConfig } from "@kubernetes/client-node";
import type { ClusterResolver, ClusterTarget } from "../../functions/provider/eks/clusterResolver.js";
// Resolved to the real module: the plugin swaps only imports from outside this file.
import { createClusterResolver as createRealResolver } from "../../functions/provider/eks/clusterResolvers.js";
import type { AwsConfig, ClustersConfig } from "../../functions/shared/config.js";
import { seamTimings } from "./seamTimings.js";

export const SEAM_KUBECONFIG = "BENCH_HARNESS_KUBECONFIG";
const TOKEN = /^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/;

export function createClusterResolver(clusters: ClustersConfig, aws: AwsConfig): ClusterResolver {
  const real = createRealResolver(clusters, aws);
  if (clusters.mode === "local") return real;
  const harnessKubeconfig = process.env[SEAM_KUBECONFIG];
  if (!harnessKubeconfig) throw new Error(`the EKS seam needs ${SEAM_KUBECONFIG} (the harness kubeconfig)`);
  let targets: Promise<ClusterTarget[]> | undefined;
  const resolve = async (): Promise<ClusterTarget[]> => {
    const eks = await real.clusters(); // DescribeCluster, once per cluster
    seamTimings().describedMs ??= performance.now();
    const local: ClusterTarget[] = [];
    for (const target of eks) {
      // What the first request to the EKS endpoint would carry: the real authenticator signs it.
      const request: { headers?: Record<string, string> } = {};
      await target.kubeConfig.applyToHTTPSOptions(request);
      if (!TOKEN.test(request.headers?.Authorization ?? "")) {
        throw new Error(`the EKS authenticator of ${target.name} produced no k8s-aws-v1 bearer token`);
      }
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(harnessKubeconfig);
      local.push({ name: target.name, kubeConfig });
    }
    seamTimings().tokenMs ??= performance.now();
    return local;
  };
  return {
    // Cached like EksClusterResolver's targets: one resolution per container, retried after a failure.
    clusters: () => {
      targets ??= resolve().catch((error: unknown) => {
        targets = undefined;
        throw error;
      });
      return targets;
    },
  };
}
