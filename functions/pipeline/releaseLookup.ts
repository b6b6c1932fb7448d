// Port: correlate an image tag with the pipeline execution that built it. The buildspec tags
// every image with the full commit SHA, so a rollout of that tag can name the execution and
// the commit, and LeadTimeForChanges can be measured from the commit's creation.
import { commitMessage, executionConsoleUrl } from "./links.js";
import type { Logger } from "../shared/logger.js";
import type { PipelineExecutions } from "./ports/pipelineExecutions.js";

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

/** How many recent executions per pipeline are searched for the commit. */
export const RECENT_EXECUTIONS = 50;

/**
 * ReleaseLookup over CodePipeline: a tag that is a full commit SHA names the newest execution of
 * a configured pipeline whose source revision is that commit (a succeeded one first, since that
 * is the build that pushed the image). Found releases are cached for the container's lifetime:
 * an execution never changes its commit. Misses are not cached; the execution may appear later.
 */
export class PipelineReleaseLookup implements ReleaseLookup {
  readonly #cache = new Map<string, Release>();

  constructor(
    private readonly executions: PipelineExecutions,
    private readonly pipelines: readonly string[],
    private readonly region: string,
    private readonly logger: Pick<Logger, "warn">,
  ) {}

  async forImageTag(tag: string): Promise<Release | undefined> {
    if (!FULL_COMMIT_SHA.test(tag)) return undefined;
    const cached = this.#cache.get(tag);
    if (cached) return cached;
    try {
      for (const pipeline of this.pipelines) {
        const release = await this.#find(pipeline, tag);
        if (release) {
          this.#cache.set(tag, release);
          return release;
        }
      }
    } catch (error) {
      // A rollout must never wait on, or fail because of, its release story.
      this.logger.warn("release lookup failed; the rollout is reported without its pipeline execution", {
        tag,
        error,
      });
    }
    return undefined;
  }

  async #find(pipeline: string, commit: string): Promise<Release | undefined> {
    const built = (await this.executions.recent(pipeline, RECENT_EXECUTIONS)).filter((summary) =>
      summary.sources.some((source) => source.revisionId === commit),
    );
    const match = built.find((summary) => summary.status === "Succeeded") ?? built[0];
    if (!match) return undefined;
    // Only GetPipelineExecution carries the commit's creation time (LeadTimeForChanges).
    const execution = await this.executions.get(pipeline, match.executionId);
    const detailed = execution?.sources.find((candidate) => candidate.revisionId === commit);
    const source = detailed ?? match.sources.find((candidate) => candidate.revisionId === commit);
    const summary = commitMessage(source?.summary);
    return {
      pipeline,
      executionId: match.executionId,
      commit,
      ...(summary && { commitSummary: summary }),
      ...(source?.url && { commitUrl: source.url }),
      ...(detailed?.createdAt && { commitCreatedAt: detailed.createdAt }),
      executionUrl: executionConsoleUrl(this.region, pipeline, match.executionId),
    };
  }
}

const FULL_COMMIT_SHA = /^[0-9a-f]{40}$/;
