// SigV4-signed HTTP requests for the decision CLI (functions/local/decisionCli.ts), with the
// caller's credentials from the default provider chain (environment, profile, SSO, instance
// role): a POST to the onDecision function URL (service `lambda`), and STS GetCallerIdentity, the
// identity a local-mode decision is made under. Both are plain signed fetches: the project's
// only AWS signing is @smithy/signature-v4, as for the EKS token.
import { Sha256 } from "@aws-crypto/sha256-js";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Provider } from "@smithy/types";

export type Credentials = AwsCredentialIdentity | Provider<AwsCredentialIdentity>;

export interface SignedPost {
  url: URL;
  /** The signing name: `lambda` for a function URL, `sts` for STS. */
  service: string;
  region: string;
  body: string;
  contentType: string;
  credentials?: Credentials;
  /** The longest the request may take. */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 90_000;

/** POSTs `body` to `url`, signed with SigV4 for `service` in `region`. */
export async function signedPost(request: SignedPost): Promise<HttpAnswer> {
  const { url } = request;
  const signer = new SignatureV4({
    service: request.service,
    region: request.region,
    credentials: request.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const signed = await signer.sign(
    new HttpRequest({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || "/",
      query,
      headers: { host: url.host, "content-type": request.contentType },
      body: request.body,
    }),
  );
  // fetch sets Host itself, from the same URL the signature covered.
  const headers = Object.fromEntries(
    Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== "host"),
  );
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: request.body,
    signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  });
  return { status: response.status, body: await response.text() };
}

export interface CallerIdentity {
  /** The principal's ARN: an IAM user, or an assumed-role session (a role, an SSO user). */
  arn: string;
  account: string;
}

function xmlText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match?.[1]
    ?.replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");
}

/**
 * sts:GetCallerIdentity (needs no permission) at the regional endpoint, or at `endpoint` (the
 * emulator's, in local mode).
 */
export async function callerIdentity(options: {
  region: string;
  endpoint?: string;
  credentials?: Credentials;
}): Promise<CallerIdentity> {
  const url = new URL(options.endpoint ?? `https://sts.${options.region}.amazonaws.com`);
  url.pathname = "/";
  const answer = await signedPost({
    url,
    service: "sts",
    region: options.region,
    body: "Action=GetCallerIdentity&Version=2011-06-15",
    contentType: "application/x-www-form-urlencoded; charset=utf-8",
    timeoutMs: 30_000,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const arn = xmlText(answer.body, "Arn");
  const account = xmlText(answer.body, "Account");
  if (answer.status !== 200 || !arn || !account) {
    const message = xmlText(answer.body, "Message") ?? answer.body.slice(0, 300);
    throw new Error(`sts:GetCallerIdentity answered ${answer.status}: ${message}`);
  }
  return { arn, account };
}
