// onImageScan: an image's vulnerability scan is done ("ECR Image Scan" from basic scanning,
// "Inspector2 Scan" from enhanced scanning) → the result is recorded for the stage, then every
// opted-in Deployment holding that digest at its scan gate is planned again: rolled out when the
// scan passes its max-severity, blocked (the digest quarantined for the stage) when it does not.
//
// The result is recorded FIRST, before anything is read from the clusters: a scan that finishes
// before its push is handled is then found by the push (the executor reads the recorded scan when
// it plans), and a push held just before is found here. A push that reads "no scan yet" and
// records its hold while this invocation lists the Deployments can still slip between the two; the
// reconciler, which reads the recorded scan too, releases or blocks it on its next run.
//
// The scan events carry counts, not findings. When the scan found anything, ECR is asked once
// (DescribeImageScanFindings, best effort) for the top findings before the result is recorded, so
// every later reader (this invocation, the push, the reconciler) has them for a blocking
// notification without asking ECR again; if ECR cannot say, the counts alone decide and the
// notification lists them. Doing it at record time (rather than when a verdict blocks) also covers
// a scan that arrives before its push, and costs one call per scanned image with findings.
import type { Context } from "aws-lambda";
import { defineHandler, type HandlerResult, type Ignored, ignore } from "../../lambda/handler.js";
import { pendingCandidate } from "../../rollout/candidate.js";
import type { FleetMember, FleetScan } from "../../rollout/fleet.js";
import { mapBounded } from "../../rollout/fleet.js";
import type { ScanFact } from "../../rollout/gates/evaluate.js";
import type { Finding } from "../../rollout/gates/scan.js";
import { parseEcrRepositoryUri } from "../../rollout/imageReference.js";
import { tryReadLedger } from "../../rollout/ledger.js";
import type { RolloutActs } from "../../rollout/outcome.js";
import { type ImageCandidate, isOwnRegistry } from "../../rollout/plan.js";
import type { RecordedScan } from "../../rollout/ports/scanResults.js";
import { followStarted, PATCH_CONCURRENCY } from "../../rollout/pushRollout.js";
import type { RolloutDetail } from "../../rollout/report.js";
import { parseImageScan, type ScanResult } from "../../trigger/imageScan.js";
import { rolloutClock } from "../rolloutWiring.js";
import { composeOnImageScan, type OnImageScanRoot } from "./wiring.js";

export interface ImageScanDetail extends RolloutDetail {
  /** `<repository>@<digest>` of the scanned image. */
  image: string;
  /** What the scan said, e.g. "complete: 1 CRITICAL, 2 HIGH", "complete: no findings", "failed". */
  scan: string;
}

export type ImageScanResult = HandlerResult<ImageScanDetail>;

/** A Deployment holding the scanned digest at its scan gate, and the held release as a candidate. */
export interface WaitingDeployment {
  member: FleetMember;
  candidate: ImageCandidate;
}

interface ScanPlan {
  scan: ScanResult;
  fleet: FleetScan;
  waiting: WaitingDeployment[];
}

/** How many findings a blocking notification lists at most (it shows five). */
const TOP_FINDINGS = 10;

/** The event's result as the gate reads it; `topFindings` come from ECR when it could say. */
export function scanFactOf(scan: ScanResult, topFindings: Finding[] = []): ScanFact {
  return {
    status: scan.status,
    counts: { ...scan.counts },
    ...(scan.unclassified > 0 ? { unclassified: scan.unclassified } : {}),
    topFindings,
    registryStatus:
      scan.status === "failed"
        ? "FAILED"
        : scan.source === "inspector"
          ? "INITIAL_SCAN_COMPLETE"
          : "COMPLETE",
  };
}

function findingCount(scan: ScanResult): number {
  return Object.values(scan.counts).reduce((total, count) => total + count, 0) + scan.unclassified;
}

/** "complete: 1 CRITICAL, 3 of unreported severity", "complete: no findings", "failed". */
export function describeScan(scan: ScanResult): string {
  if (scan.status === "failed") return "failed";
  const parts = Object.entries(scan.counts)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  if (scan.unclassified > 0) parts.push(`${scan.unclassified} of unreported severity`);
  return `complete: ${parts.length > 0 ? parts.join(", ") : "no findings"}`;
}

/**
 * Pure: the Deployments whose ledger holds this image (same registry, region, repository and
 * digest) at the scan gate. A held release at another gate already passed its scan; a Deployment
 * whose ledger cannot be read is left to the paths that report it.
 */
export function waitingFor(scan: ScanResult, members: readonly FleetMember[]): WaitingDeployment[] {
  return members.flatMap((member) => {
    const read = tryReadLedger(member.deployment.annotations);
    const pending = read.ok ? read.ledger.pending : undefined;
    if (pending === undefined || pending.gate !== "scan" || pending.digest !== scan.digest) return [];
    const repository = parseEcrRepositoryUri(pending.repository);
    if (
      repository === undefined ||
      repository.account !== scan.account ||
      repository.region !== scan.region ||
      repository.repositoryName !== scan.repositoryName
    ) {
      return [];
    }
    const candidate = pendingCandidate(pending);
    return candidate ? [{ member, candidate }] : [];
  });
}

/** The most severe findings ECR lists for the image; none when it cannot say (best effort). */
async function topFindingsOf(scan: ScanResult, root: OnImageScanRoot): Promise<Finding[]> {
  try {
    const report = await root.scanFindings(scan.account).findings(scan.repositoryName, scan.digest);
    return report.status === "complete" ? report.topFindings.slice(0, TOP_FINDINGS) : [];
  } catch (error) {
    root.logger.warn("top findings not read from ECR; the scan's counts decide alone", {
      eventId: scan.eventId,
      image: `${scan.repositoryName}@${scan.digest}`,
      error,
    });
    return [];
  }
}

async function recordedScan(scan: ScanResult, root: OnImageScanRoot): Promise<RecordedScan> {
  const topFindings =
    scan.status === "complete" && findingCount(scan) > 0 ? await topFindingsOf(scan, root) : [];
  return {
    registryId: scan.account,
    repositoryName: scan.repositoryName,
    digest: scan.digest,
    fact: scanFactOf(scan, topFindings),
    at: scan.at,
    source: scan.source,
  };
}

const onImageScan = defineHandler(
  {
    name: "onImageScan",

    // parse: a finished scan of an ECR image (Inspector's scans of instances and functions are ignored)
    parse(event: unknown) {
      const scan = parseImageScan(event);
      return scan.kind === "ignored" ? ignore(scan.reason, scan.eventId) : scan;
    },
    eventId: (scan: ScanResult) => scan.eventId,

    // plan: record the result for the stage first, then find the Deployments holding this digest
    // at their scan gate; each one's plan is made again inside the executor, from a fresh read
    async plan(scan: ScanResult, root: OnImageScanRoot, invocation): Promise<ScanPlan | Ignored> {
      // The invocation's deadline bounds the lookups' retries too.
      rolloutClock(root, invocation);
      if (!isOwnRegistry(root.ownRegistry, scan.account, scan.region)) {
        return ignore(`image is in ${scan.account}/${scan.region}, outside the registries rolled out from`);
      }
      await root.scanResults.record(await recordedScan(scan, root));
      const fleet = await root.fleet.scan();
      const waiting = waitingFor(scan, fleet.members);
      // A digest that failed elsewhere in the stage since it was held is not rolled out here.
      const quarantined =
        waiting.length > 0 &&
        (await root.quarantine.isQuarantined(scan.account, scan.repositoryName, scan.digest));
      return {
        scan,
        fleet,
        waiting: quarantined
          ? waiting.map((held) => ({ ...held, candidate: { ...held.candidate, quarantined: true } }))
          : waiting,
      };
    },

    // act: plan each held release again with the recorded scan (rolled out, blocked, or still
    // held), then follow the rollouts started to their ends
    async act({ scan, fleet, waiting }: ScanPlan, root: OnImageScanRoot, invocation) {
      const clock = rolloutClock(root, invocation);
      const starts = await mapBounded(
        waiting,
        PATCH_CONCURRENCY,
        ({ member: { api, deployment }, candidate }) =>
          root.fleet.guard(
            deployment,
            () => root.executor.start(api, deployment, candidate, clock),
            fleet.failures,
          ),
      );
      const outcomes = await followStarted(root.fleet, root.executor, starts, clock, fleet.failures);
      const acts: RolloutActs = { outcomes: [...fleet.errors, ...outcomes], failures: fleet.failures };
      return { scan, acts };
    },

    // report: metrics, notifications and a line per Deployment; then a failure, if any, is thrown
    async report(
      { scan, acts }: { scan: ScanResult; acts: RolloutActs },
      root: OnImageScanRoot,
    ): Promise<ImageScanDetail> {
      const deployments = await root.reporter.report(acts);
      const image = `${scan.repositoryName}@${scan.digest}`;
      const said = describeScan(scan);
      root.logger.info("scan handled", {
        eventId: scan.eventId,
        image,
        scan: said,
        deployments,
      });
      return { image, scan: said, deployments };
    },
  },
  () => composeOnImageScan(),
);

export const handler = onImageScan.handler;

export function handleImageScan(
  root: OnImageScanRoot,
  event: unknown,
  context?: Context,
): Promise<ImageScanResult> {
  return onImageScan.handle(root, event, context);
}
