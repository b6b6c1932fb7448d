// Which pipeline execution built an image. The buildspec tags every image with the full commit
// SHA, so a rollout of that tag can name the execution and the commit, and LeadTimeForChanges
// can be measured from the commit's creation. The decision is pure (findRelease, over the
// executions the PipelineExecutions port returns); PipelineReleaseLookup only fetches those
// executions, pipeline by pipeline, and caches what it found.

import type { Logger } from "../shared/logger.js";
import { commitMessage, executionConsoleUrl } from "./links.js";
import type { ExecutionSnapshot, ExecutionSummary, PipelineExecutions } from "./ports/pipelineExecutions.js";

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

const FULL_COMMIT_SHA = /^[0-9a-f]{40}$/;

/** Only a tag that is a full commit SHA names a commit; any other tag has no release. */
export function isCommitTag(tag: string): boolean {
  return FULL_COMMIT_SHA.test(tag);
}

/**
 * The execution that built `commit`, among one pipeline's executions (newest first): a
 * succeeded one first, since that is the build that pushed the image, else the newest.
 */
export function buildingExecution(
  commit: string,
  executions: readonly ExecutionSummary[],
): ExecutionSummary | undefined {
  const built = executions.filter((summary) =>
    summary.sources.some((source) => source.revisionId === commit),
  );
  return built.find((summary) => summary.status === "Succeeded") ?? built[0];
}

export interface ReleaseContext {
  pipeline: string;
  /** For the console link. */
  region: string;
  /**
   * The building execution as GetPipelineExecution describes it, when it was fetched: only it
   * carries the commit's creation time. Ignored when it is another execution.
   */
  detail?: ExecutionSnapshot | undefined;
}

/**
 * The release an image tag names, from one pipeline's recent executions (newest first): the
 * building execution, with the commit's summary, link and creation time where known. Undefined
 * when the tag is no full commit SHA or no execution built that commit. Pure.
 */
export function findRelease(
  tag: string,
  executions: readonly ExecutionSummary[],
  { pipeline, region, detail }: ReleaseContext,
): Release | undefined {
  if (!isCommitTag(tag)) return undefined;
  const match = buildingExecution(tag, executions);
  if (!match) return undefined;
  const detailed =
    detail?.executionId === match.executionId
      ? detail.sources.find((candidate) => candidate.revisionId === tag)
      : undefined;
  const source = detailed ?? match.sources.find((candidate) => candidate.revisionId === tag);
  const summary = commitMessage(source?.summary);
  return {
    pipeline,
    executionId: match.executionId,
    commit: tag,
    ...(summary && { commitSummary: summary }),
    ...(source?.url && { commitUrl: source.url }),
    ...(detailed?.createdAt && { commitCreatedAt: detailed.createdAt }),
    executionUrl: executionConsoleUrl(region, pipeline, match.executionId),
  };
}

/**
 * ReleaseLookup over the PipelineExecutions port: the configured pipelines in order, the first
 * that built the commit wins. Found releases are cached for the container's lifetime: an
 * execution never changes its commit. Misses are not cached; the execution may appear later.
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
    if (!isCommitTag(tag)) return undefined;
    const cached = this.#cache.get(tag);
    if (cached) return cached;
    try {
      for (const pipeline of this.pipelines) {
        const recent = await this.executions.recent(pipeline, RECENT_EXECUTIONS);
        const built = buildingExecution(tag, recent);
        if (!built) continue;
        const detail = await this.executions.get(pipeline, built.executionId);
        const release = findRelease(tag, recent, { pipeline, region: this.region, detail });
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
}
