// Port: the weekly digest's numbers, one week of the DORA metrics the rollout functions emit,
// summed over every Deployment. The adapter (provider/cloudwatch/doraMetricsReader.ts) reads
// them back from CloudWatch.
import type { DigestWindow, DoraWeek } from "../digest.js";

export interface DoraMetricsReader {
  /** Sums and sample counts over [window.start, window.end); count 0 where there was no data. */
  week(window: DigestWindow): Promise<DoraWeek>;
}
