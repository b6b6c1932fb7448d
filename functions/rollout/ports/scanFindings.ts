// Port: what the scan gate needs to know about an image's vulnerability scan in its registry. The
// concrete adapter wraps ECR DescribeImageScanFindings (AWS SDK v3), which answers for basic and
// for enhanced (Amazon Inspector) scanning alike; tests run it against the moto emulator.
import type { Finding, SeverityCounts } from "../gates/scan.js";

/**
 * Where the image's scan stands:
 * - complete: findings are final (basic COMPLETE) or current (enhanced ACTIVE): the gate decides;
 * - in_progress: the scan is running or queued (IN_PROGRESS, PENDING): wait for it;
 * - failed: the scan ran and gave no usable findings (FAILED, FINDINGS_UNAVAILABLE, LIMIT_EXCEEDED,
 *   or a status this release does not know);
 * - unsupported: no scan will come without someone acting: the repository is not scanned, or
 *   (basic scanning without scan-on-push) nobody started one (ECR answers ScanNotFoundException
 *   for both, and does not say which), or the scanner cannot or will no longer scan the image
 *   (UNSUPPORTED_IMAGE, SCAN_ELIGIBILITY_EXPIRED, IMAGE_ARCHIVED).
 */
export type ScanReportStatus = "complete" | "in_progress" | "failed" | "unsupported";

export interface ScanReport {
  status: ScanReportStatus;
  /** What the registry said, for the report: ECR's imageScanStatus.status, or "SCAN_NOT_FOUND". */
  registryStatus: string;
  /** The registry's own words about the status, when it gives any. */
  description?: string;
  /** Findings per severity over the whole scan (every severity present; all 0 unless complete). */
  counts: SeverityCounts;
  /** The most severe findings (rollout/gates/scan.ts topFindings order), at most the adapter's bound. */
  topFindings: Finding[];
  /** True when the findings were not all read (the adapter reads a bounded number of pages). */
  truncated: boolean;
  /** When the scan completed, where the registry says. */
  completedAt?: Date;
}

export interface ScanFindings {
  /**
   * The scan of one image, by digest. A repository or image that does not exist is a
   * NotFoundError (a scan of it can never come); throttling and 5xx are TransientErrors once the
   * adapter's retries are spent.
   */
  findings(repositoryName: string, digest: string): Promise<ScanReport>;
}
