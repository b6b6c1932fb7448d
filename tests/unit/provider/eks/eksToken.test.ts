import {
  createEksToken,
  EksTokenCache,
  presignCallerIdentityUrl,
  TOKEN_PREFIX,
} from "../../../../functions/provider/eks/eksToken.js";

// Fixed identity and clock: the token is deterministic, so its shape can be asserted exactly.
const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const signedAt = new Date("2026-11-26T22:00:00Z");

function decode(token: string): URL {
  expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
  return new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), "base64url").toString("utf8"));
}

describe("createEksToken", () => {
  it("is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL bound to the cluster", async () => {
    const { token, expiresAt } = await createEksToken("prod", {
      region: "eu-west-1",
      credentials,
      now: () => signedAt,
    });
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(url.origin).toBe("https://sts.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: "GetCallerIdentity",
      Version: "2011-06-15",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKIDEXAMPLE/20261126/eu-west-1/sts/aws4_request",
      "X-Amz-Date": "20261126T220000Z",
      "X-Amz-Expires": "60",
      "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
      "X-Amz-Signature": expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(expiresAt.toISOString()).toBe("2026-11-26T22:15:00.000Z");
  });

  it("signs a different token per cluster and uses the configured STS endpoint", async () => {
    const options = {
      region: "us-east-1",
      credentials,
      now: () => signedAt,
      stsEndpoint: "http://127.0.0.1:5000",
    };
    const prod = await createEksToken("prod", options);
    const staging = await createEksToken("staging", options);
    expect(decode(prod.token).origin).toBe("http://127.0.0.1:5000");
    expect(decode(prod.token).searchParams.get("X-Amz-Signature")).not.toBe(
      decode(staging.token).searchParams.get("X-Amz-Signature"),
    );
  });
});

describe("presignCallerIdentityUrl", () => {
  it("matches botocore's SigV4 query signing (what `aws eks get-token` uses) byte for byte", async () => {
    // Known vector: botocore.auth.SigV4QueryAuth(Credentials(AKIDEXAMPLE, <key above>), "sts",
    // "eu-west-1", expires=60) on GET https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity
    // &Version=2011-06-15 with header x-k8s-aws-id: prod, clock fixed at 2026-11-26T22:00:00Z.
    const url = await presignCallerIdentityUrl("prod", {
      region: "eu-west-1",
      credentials,
      now: () => signedAt,
    });
    expect(url).toBe(
      "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15" +
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261126%2Feu-west-1%2Fsts%2Faws4_request" +
        "&X-Amz-Date=20261126T220000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id" +
        "&X-Amz-Signature=79cc0b93cccb60f52da77f9a3776d8aad759844b348b177874f6b43b84452dd6",
    );
  });
});

describe("EksTokenCache", () => {
  it("reuses a token until a minute before it expires, then signs a new one", async () => {
    let now = signedAt.getTime();
    const cache = new EksTokenCache({ region: "us-east-1", credentials, now: () => new Date(now) });
    const first = await cache.token("prod");
    now += 13 * 60_000 + 59_000;
    expect(await cache.token("prod")).toBe(first);
    now += 1_000;
    const second = await cache.token("prod");
    expect(second).not.toBe(first);
    expect(decode(second).searchParams.get("X-Amz-Date")).toBe("20261126T221400Z");
  });
});
