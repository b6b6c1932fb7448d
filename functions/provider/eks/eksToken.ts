// The EKS IAM bearer token, as aws-iam-authenticator and `aws eks get-token` make it: a
// presigned STS GetCallerIdentity URL whose signature covers the header x-k8s-aws-id=<cluster>,
// base64url-encoded without padding, prefixed "k8s-aws-v1.". EKS accepts it for 15 minutes
// from its signing time, whatever X-Amz-Expires says; it is cached and re-signed a minute
// before that.
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Provider } from "@smithy/types";

export const TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** How long EKS accepts a token after it was signed. */
export const TOKEN_VALIDITY_MS = 15 * 60_000;
/** Re-sign this long before EKS would reject the token. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

export interface TokenSigningOptions {
  region: string;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  /** STS endpoint; default the regional one. The emulator's URL in local tests. */
  stsEndpoint?: string;
  now?: () => Date;
}

export interface EksToken {
  token: string;
  expiresAt: Date;
}

export async function presignCallerIdentityUrl(
  clusterName: string,
  options: TokenSigningOptions,
): Promise<string> {
  const endpoint = new URL(options.stsEndpoint ?? `https://sts.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: "sts",
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: clusterName },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate: options.now?.() ?? new Date() });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(signed.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null) query.append(key, item);
  }
  return `${endpoint.protocol}//${endpoint.host}/?${query.toString()}`;
}

export async function createEksToken(clusterName: string, options: TokenSigningOptions): Promise<EksToken> {
  const signedAt = options.now?.() ?? new Date();
  const url = await presignCallerIdentityUrl(clusterName, { ...options, now: () => signedAt });
  return {
    token: TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url"),
    expiresAt: new Date(signedAt.getTime() + TOKEN_VALIDITY_MS),
  };
}

/** One cached token per cluster, re-signed TOKEN_REFRESH_MARGIN_MS before it expires. */
export class EksTokenCache {
  readonly #tokens = new Map<string, Promise<EksToken>>();

  constructor(private readonly options: TokenSigningOptions) {}

  async token(clusterName: string): Promise<string> {
    const now = (this.options.now?.() ?? new Date()).getTime();
    const cached = this.#tokens.get(clusterName);
    if (cached) {
      const current = await cached.catch(() => undefined);
      if (current && current.expiresAt.getTime() - TOKEN_REFRESH_MARGIN_MS > now) return current.token;
    }
    const next = createEksToken(clusterName, this.options);
    this.#tokens.set(clusterName, next);
    try {
      return (await next).token;
    } catch (error) {
      this.#tokens.delete(clusterName);
      throw error;
    }
  }
}
