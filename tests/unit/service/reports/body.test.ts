import { gunzipSync } from "node:zlib";
import { acceptsGzip, jsonBody } from "../../../../service/src/reports/body.js";

describe("jsonBody", () => {
  it("gives equal bodies equal strong ETags and different bodies different ones", async () => {
    const a = await jsonBody('{"2026-01-05":1}\n');
    expect(a.bytes.toString("utf8")).toBe('{"2026-01-05":1}\n');
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect((await jsonBody('{"2026-01-05":1}\n')).etag).toBe(a.etag);
    expect((await jsonBody('{"2026-01-05":2}\n')).etag).not.toBe(a.etag);
  });

  it("keeps small bodies uncompressed and gzips big ones, with a distinct ETag", async () => {
    expect((await jsonBody("{}\n")).gzip).toBeUndefined();
    const json = `{${Array.from({ length: 200 }, (_, id) => `"${id}":{"joined_at":"2025-01-01 00:00:00","visits":1}`).join(",")}}\n`;
    const body = await jsonBody(json);
    if (body.gzip === undefined) throw new Error("expected a gzip variant");
    expect(gunzipSync(body.gzip.bytes).toString("utf8")).toBe(json);
    expect(body.gzip.bytes.length).toBeLessThan(body.bytes.length / 4);
    expect(body.gzip.etag).toMatch(/^"[A-Za-z0-9_-]{27}-gzip"$/);
  });
});

describe("acceptsGzip", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["identity", false],
    ["gzip", true],
    ["gzip, deflate, br", true],
    ["br;q=1.0, GZIP;q=0.5", true],
    ["gzip;q=0", false],
    ["*", true],
    ["deflate, *;q=0", false],
  ])("Accept-Encoding %p -> %p", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
