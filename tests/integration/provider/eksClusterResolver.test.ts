// The EKS path against moto: DescribeCluster of a cluster created in moto EKS, and the IAM token's
// presigned URL accepted by moto STS (GET it → GetCallerIdentity response).
import { CreateClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { EksClusterResolver } from "../../../functions/provider/eks/eksClusterResolver.js";
import { EksTokenCache, TOKEN_PREFIX } from "../../../functions/provider/eks/eksToken.js";
import { ConfigError } from "../../../functions/types/errors.js";
import { harness } from "../../harness/env.js";

const { region, awsEndpoint, accountId } = harness();
const eks = new EKSClient({ region });
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

async function motoCluster(): Promise<string> {
  const name = `coworking-${Date.now()}`;
  await eks.send(
    new CreateClusterCommand({
      name,
      roleArn: `arn:aws:iam::${accountId}:role/eks-cluster`,
      resourcesVpcConfig: { subnetIds: ["subnet-1", "subnet-2"] },
    }),
  );
  return name;
}

describe("EKS token (moto STS)", () => {
  it("is a presigned GetCallerIdentity URL that STS answers", async () => {
    const token = await new EksTokenCache({ region, credentials, stsEndpoint: awsEndpoint }).token("prod");
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    const url = Buffer.from(token.slice(TOKEN_PREFIX.length), "base64url").toString("utf8");
    expect(url.startsWith(`${awsEndpoint}/?`)).toBe(true);

    // moto server picks the service from an Authorization header's credential scope; a presigned
    // URL carries that scope in X-Amz-Credential instead, so copy it into a header for routing
    // (moto checks no signature either way; the signature is checked against botocore in the unit test).
    const scope = new URL(url).searchParams.get("X-Amz-Credential");
    expect(scope).toMatch(/^test\/\d{8}\/us-east-1\/sts\/aws4_request$/);
    const response = await fetch(url, {
      headers: {
        "x-k8s-aws-id": "prod",
        authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host`,
      },
    });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain("<GetCallerIdentityResponse");
    expect(body).toContain(`<Account>${accountId}</Account>`);
  });
});

describe("EksClusterResolver (moto EKS)", () => {
  it("builds a KubeConfig from DescribeCluster, with the bearer token supplied per request", async () => {
    const name = await motoCluster();
    const tokens = new EksTokenCache({ region, credentials, stsEndpoint: awsEndpoint });
    const resolver = new EksClusterResolver([name], eks, tokens);

    const [target] = await resolver.clusters();
    expect(target?.name).toBe(name);
    const cluster = target?.kubeConfig.getCurrentCluster();
    const endpoint = await resolver.describe(name);
    expect(cluster?.server).toBe(endpoint.endpoint);
    expect(cluster?.caData).toBe(endpoint.certificateAuthority);
    expect(endpoint.endpoint).toMatch(/^https:\/\//);

    const request: { headers?: Record<string, string> } = {};
    await target?.kubeConfig.applyToHTTPSOptions(request);
    expect(request.headers?.Authorization).toBe(`Bearer ${await tokens.token(name)}`);
    // Cached for the life of the container: the same promise, no second DescribeCluster.
    expect(await resolver.clusters()).toBe(await resolver.clusters());
  });

  it("names a configured cluster that does not exist", async () => {
    const resolver = new EksClusterResolver(
      ["coworking-absent"],
      eks,
      new EksTokenCache({ region, credentials, stsEndpoint: awsEndpoint }),
    );
    const failure = resolver.clusters();
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow("EKS cluster coworking-absent (from EKS_CLUSTERS) does not exist");
  });
});
