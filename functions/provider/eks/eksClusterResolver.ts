// ClusterResolver for Lambda: DescribeCluster once per cluster for the life of the container
// (endpoint and CA do not change), and a KubeConfig whose bearer token is supplied per request
// from the token cache, so a KubeConfig handed out once stays usable across token refreshes.
import {
  DescribeClusterCommand,
  type DescribeClusterCommandOutput,
  type EKSClient,
} from "@aws-sdk/client-eks";
import { KubeConfig, type User } from "@kubernetes/client-node";
import { ConfigError } from "../../types/errors.js";
import { toDeliveryError } from "../aws/awsErrors.js";
import type { ClusterResolver, ClusterTarget } from "./clusterResolver.js";
import type { EksTokenCache } from "./eksToken.js";

const AUTH_PROVIDER = "coworking-eks-iam-token";

export interface ClusterEndpoint {
  name: string;
  endpoint: string;
  /** base64 PEM, as DescribeCluster returns it. */
  certificateAuthority: string;
}

export class EksClusterResolver implements ClusterResolver {
  readonly #endpoints = new Map<string, Promise<ClusterEndpoint>>();
  #targets: Promise<ClusterTarget[]> | undefined;

  constructor(
    private readonly names: readonly string[],
    private readonly eks: EKSClient,
    private readonly tokens: EksTokenCache,
  ) {}

  clusters(): Promise<ClusterTarget[]> {
    this.#targets ??= Promise.all(
      this.names.map(async (name) => this.#target(await this.describe(name))),
    ).catch((error: unknown) => {
      this.#targets = undefined;
      throw error;
    });
    return this.#targets;
  }

  describe(name: string): Promise<ClusterEndpoint> {
    let endpoint = this.#endpoints.get(name);
    if (!endpoint) {
      endpoint = this.#describeCluster(name);
      this.#endpoints.set(name, endpoint);
      endpoint.catch(() => this.#endpoints.delete(name));
    }
    return endpoint;
  }

  async #describeCluster(name: string): Promise<ClusterEndpoint> {
    let cluster: DescribeClusterCommandOutput["cluster"];
    try {
      ({ cluster } = await this.eks.send(new DescribeClusterCommand({ name })));
    } catch (error) {
      if (error instanceof Error && error.name === "ResourceNotFoundException") {
        throw new ConfigError(`EKS cluster ${name} (from EKS_CLUSTERS) does not exist in this region`, {
          cause: error,
        });
      }
      throw toDeliveryError(error, `eks:DescribeCluster on ${name}`);
    }
    if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
      throw new ConfigError(
        `EKS cluster ${name} has no endpoint or certificate authority yet (status ${cluster?.status})`,
      );
    }
    return { name, endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority.data };
  }

  #target(cluster: ClusterEndpoint): ClusterTarget {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: cluster.endpoint,
          caData: cluster.certificateAuthority,
          skipTLSVerify: false,
        },
      ],
      users: [{ name: cluster.name, authProvider: { name: AUTH_PROVIDER, config: {} } }],
      contexts: [{ name: cluster.name, cluster: cluster.name, user: cluster.name }],
      currentContext: cluster.name,
    });
    kubeConfig.addAuthenticator({
      isAuthProvider: (user: User) => user.authProvider?.name === AUTH_PROVIDER,
      applyAuthentication: async (_user, options) => {
        options.headers = {
          ...options.headers,
          Authorization: `Bearer ${await this.tokens.token(cluster.name)}`,
        };
      },
    });
    return { name: cluster.name, kubeConfig };
  }
}
