// Where the bench-only EKS seam (eksResolverSeam.ts) leaves its timings for the function runner
// (functionRunner.ts) in the same process. The two are separate esbuild bundles, so they share a
// registered symbol on globalThis rather than a module.

/** performance.now() (ms since the process started) when each step of the EKS path finished. */
export interface SeamTimings {
  /** eks:DescribeCluster answered for every cluster of EKS_CLUSTERS. */
  describedMs?: number;
  /** The STS-presigned bearer token was signed by the real authenticator. */
  tokenMs?: number;
}

const KEY = Symbol.for("coworking.bench.eksSeamTimings");

export function seamTimings(): SeamTimings {
  const global = globalThis as { [KEY]?: SeamTimings };
  global[KEY] ??= {};
  return global[KEY];
}
