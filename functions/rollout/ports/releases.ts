// Port: the pipeline release that built an image, when its tag names one (the buildspec tags
// every image with the full commit SHA). Implemented over CodePipeline by
// pipeline/releaseLookup.ts; a rollout never waits on or fails because of it.

export interface BuiltRelease {
  pipeline: string;
  executionId: string;
  commit: string;
  commitSummary?: string;
  commitCreatedAt?: Date;
  /** Console link to the execution. */
  executionUrl: string;
}

export interface Releases {
  /** The release whose source revision is the commit the tag names, if any. Never throws. */
  forImageTag(tag: string): Promise<BuiltRelease | undefined>;
}
