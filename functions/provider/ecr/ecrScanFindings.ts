// ScanFindings over ECR DescribeImageScanFindings (AWS SDK v3), for basic and enhanced (Amazon
// Inspector) scanning alike:
// - the status is ECR's imageScanStatus.status, mapped as rollout/ports/scanFindings.ts documents;
//   ScanNotFoundException ("ensure that image scanning is enabled on the repository") is
//   `unsupported`: ECR says the same whether the repository is not scanned or no scan was started;
// - the counts are ECR's findingSeverityCounts, which cover the whole scan whatever number of
//   findings is read; a severity key this release does not know counts as UNDEFINED (unknown
//   severity), so nothing is dropped;
// - the findings are read a bounded number of pages (default 3 × 1000): enough for a notification's
//   top findings, and an image with thousands of findings cannot hold up the invocation. Basic
//   findings give id (name), package (the `package_name` attribute), link (uri); enhanced ones give
//   id (the vulnerability id), package (the first vulnerable package), link (the source URL).
//   Closed and suppressed enhanced findings are not listed.
// Throttling, 5xx and timeouts are retried per page with full-jitter backoff (shared/retry.ts), as
// in ecrImageRegistry.ts; give the client maxAttempts 1 so the SDK does not retry as well. A
// repository or image that does not exist is a NotFoundError: no scan of it can ever come.
import {
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsResponse,
  type ECRClient,
  type EnhancedImageScanFinding,
  type ImageScanFinding,
} from "@aws-sdk/client-ecr";
import {
  type Finding,
  isSeverity,
  type Severity,
  type SeverityCounts,
  severityCounts,
  topFindings,
} from "../../rollout/gates/scan.js";
import type { ScanFindings, ScanReport, ScanReportStatus } from "../../rollout/ports/scanFindings.js";
import { type RetryOptions, retry } from "../../shared/retry.js";
import { NotFoundError, ThrottledError } from "../../types/errors.js";
import { toDeliveryError } from "../aws/awsErrors.js";
import { DEFAULT_ECR_RETRY } from "./ecrImageRegistry.js";

export interface EcrScanFindingsOptions {
  /** Total tries per page; DEFAULT_ECR_RETRY unless given. */
  retry?: RetryOptions;
  /** Pages of findings read at most; default 3. */
  maxPages?: number;
  /** Findings per page, 1 to 1000 (DescribeImageScanFindings' maximum); default 1000. */
  pageSize?: number;
  /** How many findings the report lists; default 10. */
  top?: number;
}

const STATUS: Record<string, ScanReportStatus> = {
  COMPLETE: "complete",
  ACTIVE: "complete",
  IN_PROGRESS: "in_progress",
  PENDING: "in_progress",
  FAILED: "failed",
  FINDINGS_UNAVAILABLE: "failed",
  LIMIT_EXCEEDED: "failed",
  UNSUPPORTED_IMAGE: "unsupported",
  SCAN_ELIGIBILITY_EXPIRED: "unsupported",
  IMAGE_ARCHIVED: "unsupported",
};

/** Enhanced findings in these states are not open: not listed. */
const NOT_OPEN = new Set(["CLOSED", "SUPPRESSED"]);

export class EcrScanFindings implements ScanFindings {
  private readonly retryOptions: RetryOptions;
  private readonly maxPages: number;
  private readonly pageSize: number;
  private readonly top: number;

  constructor(
    private readonly client: ECRClient,
    /** The registry (account id) to read; undefined = the caller's own account. */
    private readonly registryId?: string,
    options: EcrScanFindingsOptions = {},
  ) {
    this.retryOptions = options.retry ?? DEFAULT_ECR_RETRY;
    this.maxPages = options.maxPages ?? 3;
    this.pageSize = options.pageSize ?? 1000;
    this.top = options.top ?? 10;
    if (!Number.isInteger(this.maxPages) || this.maxPages < 1) {
      throw new RangeError(`maxPages must be a positive integer, got ${this.maxPages}`);
    }
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 1000) {
      throw new RangeError(`pageSize must be an integer from 1 to 1000, got ${this.pageSize}`);
    }
  }

  async findings(repositoryName: string, digest: string): Promise<ScanReport> {
    const first = await this.page(repositoryName, digest, undefined);
    if (first === "scan-not-found") {
      return {
        status: "unsupported",
        registryStatus: "SCAN_NOT_FOUND",
        description: "no scan of this image: the repository is not scanned, or no scan was started",
        counts: severityCounts(),
        topFindings: [],
        truncated: false,
      };
    }
    const registryStatus = first.imageScanStatus?.status ?? "UNKNOWN";
    const status = STATUS[registryStatus] ?? "failed";
    const description = first.imageScanStatus?.description;
    const scan = first.imageScanFindings;
    const completedAt = scan?.imageScanCompletedAt;
    const base = {
      registryStatus,
      ...(description ? { description } : {}),
      ...(completedAt ? { completedAt } : {}),
    };
    if (status !== "complete") {
      return { status, ...base, counts: severityCounts(), topFindings: [], truncated: false };
    }

    const findings: Finding[] = [];
    const seen = new Set<string>();
    const collect = (page: DescribeImageScanFindingsResponse) => {
      const read = [
        ...(page.imageScanFindings?.findings ?? []).map(basicFinding),
        ...(page.imageScanFindings?.enhancedFindings ?? []).map(enhancedFinding),
      ];
      for (const finding of read) {
        if (finding === undefined) continue;
        // A listing that shifts between pages can repeat an entry; list each once.
        const key = `${finding.id}\u0000${finding.package ?? ""}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(finding);
      }
    };
    collect(first);
    let nextToken = first.nextToken;
    for (let pages = 1; nextToken && pages < this.maxPages; pages++) {
      const page = await this.page(repositoryName, digest, nextToken);
      // The scan vanished between pages (a rescan replaced it): report what the first page said.
      if (page === "scan-not-found") break;
      collect(page);
      nextToken = page.nextToken;
    }

    const reported = scan?.findingSeverityCounts;
    return {
      status,
      ...base,
      // Without the registry's counts, what was read is all there is to count.
      counts: reported ? toCounts(reported) : countFindings(findings),
      topFindings: topFindings(findings, this.top),
      truncated: Boolean(nextToken),
    };
  }

  /** One page, retried on its own; "scan-not-found" for ScanNotFoundException. */
  private async page(
    repositoryName: string,
    digest: string,
    nextToken: string | undefined,
  ): Promise<DescribeImageScanFindingsResponse | "scan-not-found"> {
    return retry(async () => {
      try {
        return await this.client.send(
          new DescribeImageScanFindingsCommand({
            registryId: this.registryId,
            repositoryName,
            imageId: { imageDigest: digest },
            maxResults: this.pageSize,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
      } catch (error) {
        const name = error instanceof Error ? error.name : "";
        if (name === "ScanNotFoundException") return "scan-not-found";
        const registry = this.registryId ? ` in registry ${this.registryId}` : "";
        if (name === "RepositoryNotFoundException") {
          throw new NotFoundError(
            `ECR repository ${repositoryName} does not exist${registry} (ecr:DescribeImageScanFindings: RepositoryNotFoundException)`,
            { cause: error },
          );
        }
        if (name === "ImageNotFoundException") {
          throw new NotFoundError(
            `image ${digest} is not in ECR repository ${repositoryName}${registry} (ecr:DescribeImageScanFindings: ImageNotFoundException)`,
            { cause: error },
          );
        }
        throw toEcrError(error, repositoryName);
      }
    }, this.retryOptions);
  }
}

/** ThrottlingException is a ThrottledError (retried with backoff); the rest as every AWS adapter maps them. */
function toEcrError(error: unknown, repositoryName: string): Error {
  const permission = `ecr:DescribeImageScanFindings on ${repositoryName}`;
  const name = error instanceof Error ? error.name : "";
  if (name === "ThrottlingException" || name === "TooManyRequestsException") {
    return new ThrottledError(`${permission}: throttled (${name})`, undefined, { cause: error });
  }
  return toDeliveryError(error, permission);
}

/** A severity string this release does not know is unknown severity: UNDEFINED. */
function toSeverity(value: string | undefined): Severity {
  return value !== undefined && isSeverity(value) ? value : "UNDEFINED";
}

function toCounts(reported: Record<string, number | undefined>): SeverityCounts {
  const counts = severityCounts();
  for (const [key, value] of Object.entries(reported)) {
    if (typeof value === "number" && Number.isFinite(value) && value > 0) {
      counts[toSeverity(key)] += Math.floor(value);
    }
  }
  return counts;
}

function countFindings(findings: readonly Finding[]): SeverityCounts {
  const counts = severityCounts();
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

function basicFinding(finding: ImageScanFinding): Finding | undefined {
  if (!finding.name) return undefined;
  const packageName = finding.attributes?.find((attribute) => attribute.key === "package_name")?.value;
  return {
    id: finding.name,
    ...(packageName ? { package: packageName } : {}),
    severity: toSeverity(finding.severity),
    ...(finding.uri ? { link: finding.uri } : {}),
  };
}

function enhancedFinding(finding: EnhancedImageScanFinding): Finding | undefined {
  if (finding.status && NOT_OPEN.has(finding.status)) return undefined;
  const details = finding.packageVulnerabilityDetails;
  const id = details?.vulnerabilityId ?? finding.title ?? finding.findingArn;
  if (!id) return undefined;
  const packageName = details?.vulnerablePackages?.[0]?.name;
  const link = details?.sourceUrl ?? details?.referenceUrls?.[0];
  return {
    id,
    ...(packageName ? { package: packageName } : {}),
    severity: toSeverity(finding.severity),
    ...(link ? { link } : {}),
  };
}
