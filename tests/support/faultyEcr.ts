// A fault proxy in front of the emulator's AWS endpoint (moto server), for what moto does not do
// the way ECR does: point a function's AWS_ENDPOINT_URL at `url` and every call goes through it.
// - ECR DescribeImages listings are paginated as ECR paginates them. moto ignores `maxResults`
//   and answers every image at once, so a reader that pages would be measured on one call per
//   repository. The proxy asks moto for the full list once, answers `maxResults` images (ECR's
//   default 100 when absent; 1-1000) with an opaque `nextToken`, and serves the following pages
//   from that same list, as a consistent snapshot. An unknown token is refused the way ECR refuses
//   one (InvalidParameterException).
// - A fraction of ECR calls (any operation) is throttled: HTTP 400 with ECR's JSON error body
//   {"__type":"ThrottlingException","message":"Rate exceeded"} (the AWS JSON protocol's error
//   shape, ThrottlingException as AWS's common errors list it, with status 400). Which calls are
//   throttled comes from a seeded PRNG, so a run injects the same pattern every time.
// - It counts what it saw: ECR calls, throttled ones, DescribeImages pages per repository and
//   DescribeImages by image id.
// Every other request (DynamoDB, SNS, SSM, EKS, ECR calls not throttled) is forwarded untouched.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { seededRandom } from "./seededRandom.js";

const ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
const DESCRIBE_IMAGES = `${ECR_TARGET_PREFIX}DescribeImages`;
/** ECR's documented default page size of DescribeImages when maxResults is absent. */
export const ECR_DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** How long a listing's remaining pages are kept for its nextToken. */
const TOKEN_TTL_MS = 10 * 60_000;
const JSON_11 = "application/x-amz-json-1.1";

export interface FaultyEcrCounts {
  /** ECR calls seen, throttled ones included. */
  ecrCalls: number;
  /** ECR calls answered ThrottlingException. */
  throttled: number;
  /** DescribeImages listing calls (no imageIds) seen, throttled ones included. */
  describeImagesListings: number;
  /** DescribeImages listing pages answered, per repository name. */
  pagesPerRepository: Map<string, number>;
  /** DescribeImages calls naming images (imageIds) seen, throttled ones included. */
  describeImagesById: number;
  /** The page sizes listing calls asked for (ECR's default when absent). */
  pageSizes: Set<number>;
}

export interface FaultyEcr {
  /** What AWS_ENDPOINT_URL should say. */
  url: string;
  counts: FaultyEcrCounts;
  /** Throttle this fraction (0-1) of ECR calls from now on. */
  setThrottle(fraction: number): void;
  /** Start counting from zero. */
  resetCounts(): void;
  close(): Promise<void>;
}

export interface FaultyEcrOptions {
  /** The emulator's endpoint, e.g. the harness's awsEndpoint. */
  upstream: string;
  /** Fraction (0-1) of ECR calls answered ThrottlingException; 0 by default. */
  throttle?: number;
  seed?: number;
}

interface Snapshot {
  details: unknown[];
  offset: number;
  expiresAt: number;
}

const emptyCounts = (): FaultyEcrCounts => ({
  ecrCalls: 0,
  throttled: 0,
  describeImagesListings: 0,
  pagesPerRepository: new Map(),
  describeImagesById: 0,
  pageSizes: new Set(),
});

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function answerJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      "content-type": JSON_11,
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
    })
    .end(text);
}

export async function startFaultyEcr(options: FaultyEcrOptions): Promise<FaultyEcr> {
  const upstream = new URL(options.upstream);
  const random = seededRandom(options.seed ?? 1);
  let throttle = options.throttle ?? 0;
  let counts = emptyCounts();
  const snapshots = new Map<string, Snapshot>();

  /** Sends the request on to moto; `body` replaces the original one when given. */
  const forward = (request: IncomingMessage, body?: Buffer) =>
    new Promise<{
      status: number;
      headers: IncomingMessage["headers"];
      body?: Buffer;
      stream: IncomingMessage;
    }>((resolve, reject) => {
      const headers = { ...request.headers, host: upstream.host };
      if (body !== undefined) headers["content-length"] = String(body.length);
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: request.url,
          method: request.method,
          headers,
        },
        (answer) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, stream: answer }),
      );
      outgoing.on("error", reject);
      if (body !== undefined) outgoing.end(body);
      else request.pipe(outgoing);
    });

  const passThrough = async (request: IncomingMessage, response: ServerResponse, body?: Buffer) => {
    const answer = await forward(request, body);
    response.writeHead(answer.status, answer.headers);
    answer.stream.pipe(response);
  };

  /** One page of a listing: the first from moto's full answer, the next ones from its snapshot. */
  const listingPage = async (
    request: IncomingMessage,
    response: ServerResponse,
    input: Record<string, unknown>,
  ) => {
    const pageSize = input.maxResults === undefined ? ECR_DEFAULT_PAGE_SIZE : Number(input.maxResults);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      answerJson(response, 400, {
        __type: "InvalidParameterException",
        message: `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and ${MAX_PAGE_SIZE}'`,
      });
      return;
    }
    counts.pageSizes.add(pageSize);
    const now = Date.now();
    for (const [token, snapshot] of snapshots) if (snapshot.expiresAt < now) snapshots.delete(token);
    let snapshot: Snapshot | undefined;
    if (typeof input.nextToken === "string") {
      snapshot = snapshots.get(input.nextToken);
      snapshots.delete(input.nextToken);
      if (snapshot === undefined) {
        answerJson(response, 400, {
          __type: "InvalidParameterException",
          message: "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'",
        });
        return;
      }
    } else {
      const { maxResults: _size, nextToken: _token, ...rest } = input;
      const answer = await forward(request, Buffer.from(JSON.stringify(rest)));
      const chunks: Buffer[] = [];
      for await (const chunk of answer.stream) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks);
      if (answer.status !== 200) {
        response.writeHead(answer.status, answer.headers).end(text);
        return;
      }
      const parsed = JSON.parse(text.toString("utf8")) as { imageDetails?: unknown[] };
      snapshot = { details: parsed.imageDetails ?? [], offset: 0, expiresAt: now + TOKEN_TTL_MS };
    }
    const page = snapshot.details.slice(snapshot.offset, snapshot.offset + pageSize);
    const offset = snapshot.offset + page.length;
    let nextToken: string | undefined;
    if (offset < snapshot.details.length) {
      nextToken = randomBytes(48).toString("base64url");
      snapshots.set(nextToken, { ...snapshot, offset, expiresAt: now + TOKEN_TTL_MS });
    }
    const repository = String(input.repositoryName ?? "");
    counts.pagesPerRepository.set(repository, (counts.pagesPerRepository.get(repository) ?? 0) + 1);
    answerJson(response, 200, { imageDetails: page, ...(nextToken ? { nextToken } : {}) });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    if (!target.startsWith(ECR_TARGET_PREFIX)) {
      await passThrough(request, response);
      return;
    }
    const body = await readBody(request);
    counts.ecrCalls++;
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
    } catch {
      // Not ours to judge: moto answers a body it cannot read.
    }
    const listing = target === DESCRIBE_IMAGES && !Array.isArray(input.imageIds);
    if (target === DESCRIBE_IMAGES) {
      if (listing) counts.describeImagesListings++;
      else counts.describeImagesById++;
    }
    if (throttle > 0 && random() < throttle) {
      counts.throttled++;
      answerJson(response, 400, { __type: "ThrottlingException", message: "Rate exceeded" });
      return;
    }
    if (listing) await listingPage(request, response, input);
    else await passThrough(request, response, body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        answerJson(response, 502, { __type: "ProxyError", message: String(error) });
      } else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return counts;
    },
    setThrottle(fraction) {
      throttle = fraction;
    },
    resetCounts() {
      counts = emptyCounts();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
