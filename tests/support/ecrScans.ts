// Image scans in the emulator's ECR. moto (5.2) does not scan on push: DescribeImageScanFindings
// answers ScanNotFoundException until StartImageScan was called for the image (once a day per
// image, as in ECR; a second call is a LimitExceededException). After that it answers a fixed fake
// scan (one HIGH finding, CVE-9999-9999 in package moto_fake) unless a response was configured
// through the moto API:
//
//   POST <endpoint>/moto-api/static/ecr/scan-finding-results
//   { "account_id": "...", "region": "...", "results": [<DescribeImageScanFindings response>, ...] }
//
// Each configured response is queued for the image its `repositoryName` and `imageId` (tag or
// digest) name. The first DescribeImageScanFindings of that image with a given imageId takes the
// oldest queued response and keeps answering it verbatim (nextToken included, whatever the
// request's nextToken and maxResults) for that same imageId; a second configured response is
// taken by the next call with an imageId written differently (e.g. by tag). So configure one
// response per image and digest, before the adapter first reads it. Read in moto's source:
// moto/ecr/models.py (describe_image_scan_findings) and moto/moto_api/_internal (the endpoint).
import { type ECRClient, StartImageScanCommand } from "@aws-sdk/client-ecr";
import { harness } from "../harness/env.js";

/** Where the emulator runs; the harness's by default. */
export interface MotoTarget {
  endpoint: string;
  accountId: string;
  region: string;
}

function target(where?: MotoTarget): MotoTarget {
  if (where) return where;
  const { awsEndpoint, accountId, region } = harness();
  return { endpoint: awsEndpoint, accountId, region };
}

/** StartImageScan for the image: without it moto has no scan of the image to describe. */
export async function startScan(ecr: ECRClient, repositoryName: string, digest: string): Promise<void> {
  await ecr.send(new StartImageScanCommand({ repositoryName, imageId: { imageDigest: digest } }));
}

/** A basic-scanning finding, as DescribeImageScanFindings lists it. */
export interface BasicFindingSpec {
  name: string;
  severity: string;
  uri?: string;
  packageName?: string;
  packageVersion?: string;
}

/** An enhanced (Amazon Inspector) finding, as DescribeImageScanFindings lists it. */
export interface EnhancedFindingSpec {
  vulnerabilityId: string;
  severity: string;
  packageName?: string;
  sourceUrl?: string;
  status?: "ACTIVE" | "SUPPRESSED" | "CLOSED";
}

export interface ScanSpec {
  /** imageScanStatus.status; COMPLETE by default. */
  status?: string;
  description?: string;
  /** findingSeverityCounts, verbatim; omitted when undefined. */
  counts?: Record<string, number>;
  findings?: BasicFindingSpec[];
  enhancedFindings?: EnhancedFindingSpec[];
  completedAt?: Date;
  /** Answered with every page (moto does not paginate): a way to prove a reader's page bound. */
  nextToken?: string;
}

/** The DescribeImageScanFindings response `spec` describes, as moto will answer it. */
export function scanFindingsResponse(
  repositoryName: string,
  digest: string,
  spec: ScanSpec,
  accountId: string,
): Record<string, unknown> {
  const findings = (spec.findings ?? []).map((finding) => ({
    name: finding.name,
    severity: finding.severity,
    ...(finding.uri ? { uri: finding.uri } : {}),
    attributes: [
      ...(finding.packageName ? [{ key: "package_name", value: finding.packageName }] : []),
      ...(finding.packageVersion ? [{ key: "package_version", value: finding.packageVersion }] : []),
    ],
  }));
  const enhancedFindings = (spec.enhancedFindings ?? []).map((finding) => ({
    awsAccountId: accountId,
    findingArn: `arn:aws:inspector2:us-east-1:${accountId}:finding/${finding.vulnerabilityId.toLowerCase()}`,
    severity: finding.severity,
    status: finding.status ?? "ACTIVE",
    title: `${finding.vulnerabilityId}${finding.packageName ? ` - ${finding.packageName}` : ""}`,
    type: "PACKAGE_VULNERABILITY",
    packageVulnerabilityDetails: {
      vulnerabilityId: finding.vulnerabilityId,
      source: "NVD",
      ...(finding.sourceUrl ? { sourceUrl: finding.sourceUrl } : {}),
      vulnerablePackages: finding.packageName ? [{ name: finding.packageName, version: "1.0.0" }] : [],
    },
  }));
  return {
    registryId: accountId,
    repositoryName,
    imageId: { imageDigest: digest },
    imageScanStatus: {
      status: spec.status ?? "COMPLETE",
      ...(spec.description ? { description: spec.description } : {}),
    },
    imageScanFindings: {
      ...(spec.completedAt ? { imageScanCompletedAt: spec.completedAt.toISOString() } : {}),
      ...(spec.counts ? { findingSeverityCounts: spec.counts } : {}),
      ...(findings.length > 0 ? { findings } : {}),
      ...(enhancedFindings.length > 0 ? { enhancedFindings } : {}),
    },
    ...(spec.nextToken ? { nextToken: spec.nextToken } : {}),
  };
}

/**
 * Configures what moto's DescribeImageScanFindings answers for the image (repository + digest).
 * Call it before the image's findings are first read; a scan must still be started (startScan).
 */
export async function setFindings(
  repositoryName: string,
  digest: string,
  spec: ScanSpec,
  where?: MotoTarget,
): Promise<void> {
  const { endpoint, accountId, region } = target(where);
  const response = await fetch(new URL("/moto-api/static/ecr/scan-finding-results", endpoint), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      account_id: accountId,
      region,
      results: [scanFindingsResponse(repositoryName, digest, spec, accountId)],
    }),
  });
  if (response.status !== 201) {
    throw new Error(`moto refused the scan findings of ${repositoryName}@${digest}: HTTP ${response.status}`);
  }
}

/** startScan and setFindings in one: the image then has a scan that reads as `spec`. */
export async function scanWith(
  ecr: ECRClient,
  repositoryName: string,
  digest: string,
  spec: ScanSpec,
  where?: MotoTarget,
): Promise<void> {
  await setFindings(repositoryName, digest, spec, where);
  await startScan(ecr, repositoryName, digest);
}
