// How a pipeline execution and its commit are shown to people: console links and the commit
// line. Shared by the pipeline notifications and by ReleaseLookup (the rollout messages), so
// that both name an execution the same way.
import type { SourceRevision } from "./ports/pipelineExecutions.js";

export function executionConsoleUrl(region: string, pipeline: string, executionId: string): string {
  return (
    `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/` +
    `${encodeURIComponent(pipeline)}/executions/${encodeURIComponent(executionId)}/timeline?region=${region}`
  );
}

/**
 * The first line of the commit message. Git sources through CodeStar connections report the
 * summary as JSON ({"ProviderType":"GitHub","CommitMessage":"..."}); CodeCommit as plain text.
 */
export function commitMessage(summary: string | undefined): string | undefined {
  if (summary === undefined) return undefined;
  let message = summary;
  if (summary.trimStart().startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(summary);
      if (typeof parsed === "object" && parsed !== null && "CommitMessage" in parsed) {
        message = String(parsed.CommitMessage);
      }
    } catch {
      // Not JSON after all: a commit message may start with "{".
    }
  }
  const firstLine = message.split("\n", 1)[0]?.trim();
  return firstLine || undefined;
}

/** The source that names the commit: the first Git-looking revision. */
export function commitSource(sources: readonly SourceRevision[]): SourceRevision | undefined {
  return sources.find((source) => /^[0-9a-f]{40}$/.test(source.revisionId)) ?? sources[0];
}

/** "1a2b3c4 Fix the daily usage query", or the bare SHA when there is no message. */
export function commitLine(source: Pick<SourceRevision, "revisionId" | "summary">): string {
  const message = commitMessage(source.summary);
  const sha = source.revisionId.slice(0, 7);
  return message ? `${sha} ${message}` : sha;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * The source's link, when it is the link of the commit the message names: a revision URL that
 * names another commit (a URL template filled in wrongly, a fixture reused) is left out rather
 * than shown next to a commit it does not lead to.
 */
export function commitUrl(source: Pick<SourceRevision, "revisionId" | "url">): string | undefined {
  const { url, revisionId } = source;
  if (!url) return undefined;
  if (!FULL_SHA.test(revisionId)) return url;
  const named = url.match(/[0-9a-f]{40}/gi) ?? [];
  return named.every((sha) => sha.toLowerCase() === revisionId) ? url : undefined;
}
