// Chooses the ClusterResolver from config (docs/local.md, "Local mode"); once per composition root.
import { EKSClient } from "@aws-sdk/client-eks";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsConfig, ClustersConfig } from "../../shared/config.js";
import type { ClusterResolver } from "./clusterResolver.js";
import { EksClusterResolver } from "./eksClusterResolver.js";
import { EksTokenCache } from "./eksToken.js";
import { LocalClusterResolver } from "./localClusterResolver.js";

export function createClusterResolver(clusters: ClustersConfig, aws: AwsConfig): ClusterResolver {
  switch (clusters.mode) {
    case "local":
      return new LocalClusterResolver(clusters.kubeconfigPath);
    case "eks":
      return new EksClusterResolver(
        clusters.names,
        new EKSClient({}),
        new EksTokenCache({
          region: aws.region,
          credentials: defaultProvider(),
          stsEndpoint: aws.endpointUrl,
        }),
      );
  }
}
