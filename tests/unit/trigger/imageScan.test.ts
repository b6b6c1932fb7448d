import { severityCounts } from "../../../functions/rollout/gates/scan.js";
import {
  ecrImageScanEventPattern,
  inspectorScanEventPattern,
  parseImageScan,
} from "../../../functions/trigger/imageScan.js";
import { InvalidEventError } from "../../../functions/types/errors.js";
import { type ScanTestEvent, scanEvent } from "../../fixtures/events/scanEvents.js";

const BASIC_DIGEST = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234abcd";
const INSPECTOR_DIGEST = "sha256:36c7b282abd0186e01419f2e58743e1bf635808231049bbc9d77e50123456789";

/** The InvalidEventError parseImageScan throws for `event`. */
function rejection(event: unknown): InvalidEventError {
  try {
    parseImageScan(event);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** `event` with `path` (dotted, under the event) set to `value`, or removed when value is undefined. */
function withField(event: ScanTestEvent, path: string, value: unknown): ScanTestEvent {
  const keys = path.split(".");
  const last = keys.pop() as string;
  let target: Record<string, unknown> = event;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return event;
}

describe("parseImageScan: ECR Image Scan (basic scanning)", () => {
  it("turns the documented event into a ScanResult", () => {
    expect(parseImageScan(scanEvent("ecr-image-scan"))).toEqual({
      kind: "scan",
      eventId: "85fc3613-e913-7fc4-a80c-a3753e4aa9ae",
      source: "ecr-basic",
      account: "123456789012",
      region: "us-east-1",
      repositoryName: "my-repository-name",
      digest: BASIC_DIGEST,
      tags: [],
      status: "complete",
      counts: severityCounts({ CRITICAL: 10, MEDIUM: 9 }),
      unclassified: 0,
      at: new Date("2019-10-29T02:36:48Z"),
    });
  });

  it("reads a scan without finding-severity-counts as one with no findings", () => {
    expect(parseImageScan(scanEvent("ecr-image-scan-clean"))).toMatchObject({
      kind: "scan",
      status: "complete",
      tags: ["1.4.0"],
      counts: severityCounts(),
      unclassified: 0,
    });
  });

  it("reads a failed scan", () => {
    expect(parseImageScan(scanEvent("ecr-image-scan-failed"))).toMatchObject({
      kind: "scan",
      source: "ecr-basic",
      status: "failed",
      counts: severityCounts(),
    });
  });

  it("reads every basic severity, and counts a severity it does not know as UNDEFINED", () => {
    const counts = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5, UNDEFINED: 6, NEGLIGIBLE: 7 };
    expect(parseImageScan(scanEvent("ecr-image-scan", { counts }))).toMatchObject({
      counts: { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5, UNDEFINED: 13, UNTRIAGED: 0 },
    });
  });

  it("accepts nested repository names and counts of zero", () => {
    const event = scanEvent("ecr-image-scan", {
      counts: { CRITICAL: 0 },
      detail: { "repository-name": "coworking/analytics_api-v2.1" },
    });
    expect(parseImageScan(event)).toMatchObject({
      repositoryName: "coworking/analytics_api-v2.1",
      counts: severityCounts(),
    });
  });

  it("refuses AWS's verbatim sample, whose digest is shortened to 60 hex digits", () => {
    const verbatim = scanEvent("ecr-image-scan", {
      digest: "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234",
    });
    expect(rejection(verbatim).field).toBe("detail.image-digest");
  });

  it.each<[string, string, unknown]>([
    ["a scan still in progress", "detail.scan-status", "IN_PROGRESS"],
    ["no scan status", "detail.scan-status", undefined],
    ["no repository name", "detail.repository-name", undefined],
    ["an uppercase repository name", "detail.repository-name", "Coworking"],
    ["a one-character repository name", "detail.repository-name", "a"],
    ["an empty path segment", "detail.repository-name", "team//api"],
    ["a trailing separator", "detail.repository-name", "api-"],
    ["a 257-character repository name", "detail.repository-name", "a".repeat(257)],
    ["a repository ARN", "detail.repository-name", "arn:aws:ecr:us-east-1:123456789012:repository/x"],
    ["no digest", "detail.image-digest", undefined],
    ["an uppercase digest", "detail.image-digest", BASIC_DIGEST.toUpperCase()],
    ["a sha512 digest", "detail.image-digest", `sha512:${"a".repeat(128)}`],
    ["tags that are not a list", "detail.image-tags", "latest"],
    ["counts that are not an object", "detail.finding-severity-counts", [10, 9]],
    ["a negative count", "detail.finding-severity-counts.CRITICAL", -1],
    ["a fractional count", "detail.finding-severity-counts.MEDIUM", 1.5],
    ["a count as a string", "detail.finding-severity-counts.HIGH", "3"],
    ["an unknown severity that is not a count", "detail.finding-severity-counts.NEGLIGIBLE", "x"],
    ["another source", "source", "aws.ec2"],
    ["a short account", "account", "1234"],
    ["a region that is not one", "region", "Mars"],
    ["a time that is not one", "time", "yesterday"],
    ["no resources", "resources", undefined],
    ["an empty id", "id", ""],
  ])("rejects %s, naming the field", (_label, path, value) => {
    const error = rejection(withField(scanEvent("ecr-image-scan"), path, value));
    expect(error.field).toBe(path);
    expect(error.message).toMatch(/^not an ECR Image Scan event: /);
    expect(error.message).toContain(`${path}: `);
  });

  it("rejects a tag outside the OCI grammar, naming the tag", () => {
    const event = scanEvent("ecr-image-scan", { detail: { "image-tags": ["1.4.0", "x@sha256:abc"] } });
    expect(rejection(event).issues).toEqual([
      "detail.image-tags.1: must be an OCI tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}",
    ]);
  });

  it("says what a field must be", () => {
    const error = rejection(withField(scanEvent("ecr-image-scan"), "detail.image-digest", "sha256:abc"));
    expect(error.issues).toEqual(["detail.image-digest: must be sha256:<64 hex>"]);
    const name = rejection(withField(scanEvent("ecr-image-scan"), "detail.repository-name", "Bad Name"));
    expect(name.issues).toEqual([
      "detail.repository-name: must be an ECR repository name: lowercase segments separated by / . _ -",
    ]);
    const negative = rejection(
      withField(scanEvent("ecr-image-scan"), "detail.finding-severity-counts.LOW", -2),
    );
    expect(negative.issues).toEqual(["detail.finding-severity-counts.LOW: must not be negative"]);
  });

  it("lists every schema problem", () => {
    const event = withField(
      withField(scanEvent("ecr-image-scan"), "account", "x"),
      "detail.image-digest",
      "y",
    );
    expect(rejection(event).issues).toEqual([
      "account: must be a 12-digit account id",
      "detail.image-digest: must be sha256:<64 hex>",
    ]);
  });

  it.each([
    ["a string", "not json"],
    ["null", null],
    ["another detail-type", { ...scanEvent("ecr-image-scan"), "detail-type": "ECR Image Action" }],
  ])("rejects %s", (_label, event) => {
    expect(() => parseImageScan(event)).toThrow(InvalidEventError);
  });

  it("names detail-type when the event is of another kind", () => {
    expect(rejection({ ...scanEvent("ecr-image-scan"), "detail-type": "ECR Image Action" }).field).toBe(
      "detail-type",
    );
  });
});

describe("parseImageScan: Inspector2 Scan (enhanced scanning)", () => {
  it("turns the documented ECR image event into a ScanResult, the registry read from the ARN", () => {
    expect(parseImageScan(scanEvent("inspector-scan-ecr-image"))).toEqual({
      kind: "scan",
      eventId: "739c0d3c-4f02-85c7-5a88-94a9e7a1b2c3",
      source: "inspector",
      account: "123456789012",
      region: "us-east-2",
      repositoryName: "amazon/amazon-ecs-sample",
      digest: INSPECTOR_DIGEST,
      tags: ["latest"],
      status: "complete",
      counts: severityCounts({ CRITICAL: 7, HIGH: 61, MEDIUM: 62 }),
      // 158 in all, 130 itemised: the other 28 are LOW, INFORMATIONAL or UNTRIAGED.
      unclassified: 28,
      at: new Date("2021-12-03T18:03:16Z"),
    });
  });

  it("takes account and region from the repository ARN, not the envelope", () => {
    const event = scanEvent("inspector-scan-ecr-image", {
      detail: { "repository-name": "arn:aws-cn:ecr:cn-north-1:210987654321:repository/team/api" },
    });
    expect(parseImageScan(event)).toMatchObject({
      account: "210987654321",
      region: "cn-north-1",
      repositoryName: "team/api",
    });
  });

  it("reads itemised LOW, INFORMATIONAL and UNTRIAGED counts, leaving only the rest unclassified", () => {
    const counts = { CRITICAL: 1, LOW: 2, INFORMATIONAL: 3, UNTRIAGED: 4, TOTAL: 12 };
    expect(parseImageScan(scanEvent("inspector-scan-ecr-image", { counts }))).toMatchObject({
      counts: severityCounts({ CRITICAL: 1, LOW: 2, INFORMATIONAL: 3, UNTRIAGED: 4 }),
      unclassified: 2,
    });
  });

  it("reads a scan with no findings, and one without TOTAL as fully itemised", () => {
    const clean = scanEvent("inspector-scan-ecr-image", {
      counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, TOTAL: 0 },
    });
    expect(parseImageScan(clean)).toMatchObject({ counts: severityCounts(), unclassified: 0 });
    const noTotal = scanEvent("inspector-scan-ecr-image", { counts: { HIGH: 2 } });
    expect(parseImageScan(noTotal)).toMatchObject({ counts: severityCounts({ HIGH: 2 }), unclassified: 0 });
  });

  it("counts a severity it does not know as part of TOTAL, so unclassified", () => {
    const counts = { HIGH: 1, SEVERE: 2, TOTAL: 3 };
    expect(parseImageScan(scanEvent("inspector-scan-ecr-image", { counts }))).toMatchObject({
      counts: severityCounts({ HIGH: 1 }),
      unclassified: 2,
    });
  });

  it("ignores the scan of a resource that is not an ECR image", () => {
    expect(parseImageScan(scanEvent("inspector-scan-ec2-instance"))).toEqual({
      kind: "ignored",
      eventId: "28a46762-6ac8-6cc4-4f55-bc9ab99af928",
      reason: "Inspector2 Scan of a resource that is not an ECR image",
    });
  });

  it.each<[string, string, unknown]>([
    ["the status of a basic scan", "detail.scan-status", "COMPLETE"],
    ["no repository, but a digest", "detail.repository-name", undefined],
    ["a bare repository name", "detail.repository-name", "amazon/amazon-ecs-sample"],
    ["another service's ARN", "detail.repository-name", "arn:aws:lambda:us-east-2:123456789012:function:f"],
    [
      "an ARN with a bad repository name",
      "detail.repository-name",
      "arn:aws:ecr:us-east-2:123456789012:repository/Bad",
    ],
    ["an ARN with a short account", "detail.repository-name", "arn:aws:ecr:us-east-2:1234:repository/api"],
    [
      "an ARN without a repository",
      "detail.repository-name",
      "arn:aws:ecr:us-east-2:123456789012:repository/",
    ],
    [
      "a digest ending in EXAMPLE",
      "detail.image-digest",
      "sha256:36c7b282abd0186e01419f2e58743e1bf635808231049bbc9d77e5EXAMPLE",
    ],
    ["no digest, but a repository", "detail.image-digest", undefined],
    ["no counts", "detail.finding-severity-counts", undefined],
    ["a negative count", "detail.finding-severity-counts.HIGH", -61],
    ["a fractional TOTAL", "detail.finding-severity-counts.TOTAL", 158.5],
    ["a TOTAL below the itemised counts", "detail.finding-severity-counts.TOTAL", 129],
    ["ECR's source", "source", "aws.ecr"],
    ["a bad time", "time", "Dec 3, 2021"],
  ])("rejects %s, naming the field", (_label, path, value) => {
    const error = rejection(withField(scanEvent("inspector-scan-ecr-image"), path, value));
    expect(error.field).toBe(path);
    expect(error.message).toMatch(/^not an Inspector2 Scan event of an ECR image: /);
  });

  it("says why a TOTAL is refused", () => {
    const event = scanEvent("inspector-scan-ecr-image", { counts: { CRITICAL: 7, HIGH: 61, TOTAL: 60 } });
    expect(rejection(event).issues).toEqual([
      "detail.finding-severity-counts.TOTAL: must be at least the sum of the counts by severity (68)",
    ]);
  });

  it("says what the repository-name must be", () => {
    const event = scanEvent("inspector-scan-ecr-image", { detail: { "repository-name": "amazon/x" } });
    expect(rejection(event).issues).toEqual([
      "detail.repository-name: must be an ECR repository ARN: arn:<partition>:ecr:<region>:<account>:repository/<name>",
    ]);
  });
});

describe("the EventBridge patterns", () => {
  it("match basic scans of the configured repositories by name", () => {
    expect(ecrImageScanEventPattern(["coworking-analytics", "team/api"])).toEqual({
      source: ["aws.ecr"],
      "detail-type": ["ECR Image Scan"],
      detail: { "repository-name": ["coworking-analytics", "team/api"] },
    });
  });

  it("match Inspector's initial scans of the configured repositories by ARN suffix", () => {
    expect(inspectorScanEventPattern(["coworking-analytics", "team/api"])).toEqual({
      source: ["aws.inspector2"],
      "detail-type": ["Inspector2 Scan"],
      detail: {
        "scan-status": ["INITIAL_SCAN_COMPLETE"],
        "repository-name": [
          { suffix: ":repository/coworking-analytics" },
          { suffix: ":repository/team/api" },
        ],
      },
    });
  });
});
