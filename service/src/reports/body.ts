// A serialized report answer, ready to send as is: its bytes, its strong ETag, and, when it is
// big enough to gain from it, a gzip copy with its own ETag. Both are made once per refresh, so
// a request only picks one; gzip runs on libuv's thread pool, off the event loop.
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

export interface Encoded {
  bytes: Buffer;
  etag: string;
}

export interface JsonBody extends Encoded {
  gzip: Encoded | undefined;
}

/** Below this size gzip saves less than its headers and CPU cost. */
const COMPRESS_FROM_BYTES = 1024;
const gzipAsync = promisify(gzip);

function encoded(bytes: Buffer, suffix: string): Encoded {
  return { bytes, etag: `"${createHash("sha1").update(bytes).digest("base64url")}${suffix}"` };
}

export async function jsonBody(json: string): Promise<JsonBody> {
  const bytes = Buffer.from(json, "utf8");
  const gzipped = bytes.length >= COMPRESS_FROM_BYTES ? encoded(await gzipAsync(bytes), "-gzip") : undefined;
  return { ...encoded(bytes, ""), gzip: gzipped };
}

/** True when an Accept-Encoding header accepts gzip (a `q=0` refuses it). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  return acceptEncoding.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
