// Port: the image scans the stage has been told about, by digest. The scan events (onImageScan)
// record what ECR basic scanning or Amazon Inspector reported, and the reconciler records what it
// asked the registry itself; the scan gate then reads them back (rollout/ports/scanFacts.ts) when
// a push, a scan event or the reconciler plans. A result is kept whichever arrives first, the scan
// or the push, so a scan that finished before its push was handled is not lost.
// Implemented over the stage's state table (provider/dynamodb/scanResultsTable.ts); results expire
// after 30 days, after which the registry is asked again.
import type { ScanFact } from "../gates/evaluate.js";

/** Who reported the scan: ECR basic scanning's event, Amazon Inspector's event, or the registry asked directly. */
export type ScanSource = "ecr-basic" | "inspector" | "registry";

export interface RecordedScan {
  /** The ECR registry (account id) of the image. */
  registryId: string;
  repositoryName: string;
  /** sha256:… */
  digest: string;
  fact: ScanFact;
  /** When the scan ended, as its reporter says: of two results for one digest, the later one counts. */
  at: Date;
  source: ScanSource;
}

export interface ScanResults {
  /**
   * Keeps `result` unless a result at least as recent (`at`) is recorded for the digest already:
   * events arrive in any order and more than once, and a late older result must never replace a
   * newer one. Idempotent.
   */
  record(result: RecordedScan): Promise<void>;
  /** The latest result recorded for the image, or undefined when none is. */
  get(registryId: string, repositoryName: string, digest: string): Promise<RecordedScan | undefined>;
}

/**
 * Results kept in memory, with the same rule as the table (the later `at` wins): for local mode
 * without a state table, where it lasts as long as the process (one invocation of `npm run
 * invoke`: a scan event still releases or blocks the rollouts waiting for it, but a result that
 * arrives before its push is not kept for the push), and for tests.
 */
export class MemoryScanResults implements ScanResults {
  readonly #results = new Map<string, RecordedScan>();

  async record(result: RecordedScan): Promise<void> {
    const key = scanKey(result.registryId, result.repositoryName, result.digest);
    const kept = this.#results.get(key);
    if (kept !== undefined && kept.at.getTime() >= result.at.getTime()) return;
    this.#results.set(key, structuredClone(result));
  }

  async get(registryId: string, repositoryName: string, digest: string): Promise<RecordedScan | undefined> {
    const kept = this.#results.get(scanKey(registryId, repositoryName, digest));
    return kept === undefined ? undefined : structuredClone(kept);
  }
}

function scanKey(registryId: string, repositoryName: string, digest: string): string {
  return `${registryId}/${repositoryName}@${digest}`;
}
