// Port: what the scan gate knows about an image's scan when it plans. The wiring answers from the
// stage's state table first (results the scan events recorded, including those that arrived
// before the push was handled), then, where the caller allows it, from the registry itself
// (DescribeImageScanFindings: the reconciler's way to catch a scan whose event was lost).
import type { ScanFact } from "../gates/evaluate.js";

export interface ScanFacts {
  /** The image's scan, or undefined while none is known. */
  scanOf(
    registryId: string,
    repositoryName: string,
    digest: string,
    options: { askRegistry: boolean },
  ): Promise<ScanFact | undefined>;
}

/** No scan is ever known: every scan-gated rollout waits, then blocks at its scan-timeout. */
export const NO_SCAN_FACTS: ScanFacts = { scanOf: async () => undefined };
