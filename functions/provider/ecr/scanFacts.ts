// ScanFacts (rollout/ports/scanFacts.ts) from what the stage recorded, then from the registry:
// - the recorded result (ScanResults: the scan events' results, and what an earlier reconcile
//   asked) answers first, so a scan whose event arrived before its push is found by the push;
// - with `askRegistry` (the reconciler catching a scan whose event was lost), ECR
//   DescribeImageScanFindings (EcrScanFindings, basic and enhanced scanning alike) answers next;
//   a complete scan is recorded, so later plans read the table instead of asking ECR again. A scan
//   still running, failed or impossible is not recorded: it may change (a scan started, scanning
//   turned on), and the next reconcile asks again;
// - an image or repository ECR no longer has is `unsupported` (IMAGE_NOT_FOUND): no scan of it
//   can come, so the gate blocks it at once and says why.
// Reading the table or the registry may fail (throttling that outlasted its retries, a missing
// permission): that is the Deployment's error, reported like any other, never taken for "no scan
// yet". Recording what the registry said is best effort: the fact was read, the plan can use it.
import type { ScanFact } from "../../rollout/gates/evaluate.js";
import { severityCounts } from "../../rollout/gates/scan.js";
import type { ScanFacts } from "../../rollout/ports/scanFacts.js";
import type { ScanFindings, ScanReport } from "../../rollout/ports/scanFindings.js";
import type { ScanResults } from "../../rollout/ports/scanResults.js";
import type { Logger } from "../../shared/logger.js";
import { NotFoundError } from "../../types/errors.js";

export interface EcrScanFactsOptions {
  /** Logs a complete scan that could not be recorded; nothing else. */
  logger?: Pick<Logger, "warn">;
  /** When a registry scan that says no completion time is taken to have ended; Date.now by default. */
  now?: () => number;
}

export class EcrScanFacts implements ScanFacts {
  private readonly logger: Pick<Logger, "warn"> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly results: ScanResults,
    /** DescribeImageScanFindings of one registry (account). */
    private readonly registry: (registryId: string) => ScanFindings,
    options: EcrScanFactsOptions = {},
  ) {
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  async scanOf(
    registryId: string,
    repositoryName: string,
    digest: string,
    options: { askRegistry: boolean },
  ): Promise<ScanFact | undefined> {
    const recorded = await this.results.get(registryId, repositoryName, digest);
    if (recorded !== undefined) return recorded.fact;
    if (!options.askRegistry) return undefined;

    let report: ScanReport;
    try {
      report = await this.registry(registryId).findings(repositoryName, digest);
    } catch (error) {
      if (error instanceof NotFoundError) return imageNotFound(error);
      throw error;
    }
    const fact = scanFactOfReport(report);
    if (report.status === "complete") {
      try {
        await this.results.record({
          registryId,
          repositoryName,
          digest,
          fact,
          at: report.completedAt ?? new Date(this.now()),
          source: "registry",
        });
      } catch (error) {
        this.logger?.warn("scan result not recorded; the next plan asks the registry again", {
          image: `${registryId}/${repositoryName}@${digest}`,
          error,
        });
      }
    }
    return fact;
  }
}

/** What the registry reported, as the gate reads it. */
export function scanFactOfReport(report: ScanReport): ScanFact {
  return {
    status: report.status,
    counts: severityCounts(report.counts),
    topFindings: report.topFindings.map((finding) => ({ ...finding })),
    registryStatus: report.registryStatus,
    ...(report.description !== undefined ? { description: report.description } : {}),
  };
}

/** The image (or its repository) is gone from ECR: no scan of it will ever come. */
function imageNotFound(error: NotFoundError): ScanFact {
  return {
    status: "unsupported",
    counts: severityCounts(),
    topFindings: [],
    registryStatus: "IMAGE_NOT_FOUND",
    description: error.message,
  };
}
