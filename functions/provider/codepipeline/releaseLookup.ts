// Port: correlate an image tag with the pipeline execution that built it. The buildspec tags
// every image with the full commit SHA, so a rollout of that tag can name the execution and
// the commit, and LeadTimeForChanges can be measured from the commit's creation.

export interface Release {
  pipeline: string;
  executionId: string;
  commit: string;
  commitSummary?: string;
  commitUrl?: string;
  commitCreatedAt?: Date;
  /** Console link to the execution. */
  executionUrl: string;
}

export interface ReleaseLookup {
  /** The release whose source revision is the commit the tag names, if any. Never throws. */
  forImageTag(tag: string): Promise<Release | undefined>;
}
