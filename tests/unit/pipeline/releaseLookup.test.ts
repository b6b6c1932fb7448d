import type {
  ExecutionSnapshot,
  ExecutionSummary,
  PipelineExecutions,
} from "../../../functions/pipeline/ports/pipelineExecutions.js";
import {
  buildingExecution,
  findRelease,
  isCommitTag,
  PipelineReleaseLookup,
  RECENT_EXECUTIONS,
} from "../../../functions/pipeline/releaseLookup.js";
import type { Logger } from "../../../functions/shared/logger.js";

const COMMIT = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const OTHER = "1".repeat(40);
const CREATED = new Date("2026-11-23T09:40:00Z");
const region = "eu-west-1";

const summary = (
  executionId: string,
  status: ExecutionSummary["status"],
  commit = COMMIT,
): ExecutionSummary => ({
  executionId,
  status,
  sources: [
    {
      actionName: "Source",
      revisionId: commit,
      summary: JSON.stringify({ ProviderType: "GitHub", CommitMessage: "Fix the query\n\nbody" }),
      url: `https://github.com/example/coworking/commit/${commit}`,
    },
  ],
});

const snapshot = (executionId: string): ExecutionSnapshot => ({
  pipeline: "analytics",
  executionId,
  status: "Succeeded",
  sources: [{ actionName: "Source", revisionId: COMMIT, summary: "Detailed message", createdAt: CREATED }],
});

const executionUrl = (pipeline: string, executionId: string) =>
  `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline}/executions/${executionId}/timeline?region=${region}`;

describe("isCommitTag", () => {
  it("accepts only a full lowercase commit SHA", () => {
    expect(isCommitTag(COMMIT)).toBe(true);
    expect(isCommitTag(COMMIT.slice(0, 7))).toBe(false);
    expect(isCommitTag(COMMIT.toUpperCase())).toBe(false);
    expect(isCommitTag("1.4.2")).toBe(false);
  });
});

describe("buildingExecution", () => {
  it("prefers a succeeded execution of the commit, else the newest one", () => {
    const newest = summary("exec-new", "Failed");
    const succeeded = summary("exec-ok", "Succeeded");
    expect(buildingExecution(COMMIT, [summary("other", "Succeeded", OTHER), newest, succeeded])).toBe(
      succeeded,
    );
    expect(buildingExecution(COMMIT, [newest, summary("exec-older", "Failed")])).toBe(newest);
    expect(buildingExecution(COMMIT, [summary("other", "Succeeded", OTHER)])).toBeUndefined();
  });
});

describe("findRelease", () => {
  const recent = [summary("exec-old", "Failed"), summary("exec-built", "Succeeded")];

  it("names the building execution with the commit's details from GetPipelineExecution", () => {
    expect(
      findRelease(COMMIT, recent, { pipeline: "analytics", region, detail: snapshot("exec-built") }),
    ).toEqual({
      pipeline: "analytics",
      executionId: "exec-built",
      commit: COMMIT,
      commitSummary: "Detailed message",
      commitCreatedAt: CREATED,
      executionUrl: executionUrl("analytics", "exec-built"),
    });
  });

  it("falls back to the summary's source without the details, and ignores another execution's", () => {
    const expected = {
      pipeline: "analytics",
      executionId: "exec-built",
      commit: COMMIT,
      commitSummary: "Fix the query",
      commitUrl: `https://github.com/example/coworking/commit/${COMMIT}`,
      executionUrl: executionUrl("analytics", "exec-built"),
    };
    expect(findRelease(COMMIT, recent, { pipeline: "analytics", region })).toEqual(expected);
    expect(
      findRelease(COMMIT, recent, { pipeline: "analytics", region, detail: snapshot("exec-old") }),
    ).toEqual(expected);
  });

  it("has no release for a tag that is no commit, or a commit nothing built", () => {
    expect(findRelease("1.4.2", recent, { pipeline: "analytics", region })).toBeUndefined();
    expect(findRelease(OTHER, recent, { pipeline: "analytics", region })).toBeUndefined();
  });
});

describe("PipelineReleaseLookup", () => {
  function fake(byPipeline: Record<string, ExecutionSummary[]>, fail = false) {
    const calls: string[] = [];
    const executions: PipelineExecutions = {
      async recent(pipeline, limit) {
        calls.push(`recent ${pipeline} ${limit}`);
        if (fail) throw new Error("connect ECONNREFUSED");
        return byPipeline[pipeline] ?? [];
      },
      async get(pipeline, executionId) {
        calls.push(`get ${pipeline} ${executionId}`);
        return snapshot(executionId);
      },
      async actions() {
        return [];
      },
    };
    return { executions, calls };
  }
  const warnings: unknown[] = [];
  const logger = {
    warn: ((message: string, context: unknown) => void warnings.push({ message, context })) as Logger["warn"],
  };
  beforeEach(() => {
    warnings.length = 0;
  });

  it("searches the pipelines in order, fetches the building execution once, and caches the release", async () => {
    const { executions, calls } = fake({ analytics: [summary("exec-built", "Succeeded")] });
    const lookup = new PipelineReleaseLookup(executions, ["other", "analytics"], region, logger);
    const release = await lookup.forImageTag(COMMIT);
    expect(release).toMatchObject({
      pipeline: "analytics",
      executionId: "exec-built",
      commitCreatedAt: CREATED,
    });
    expect(await lookup.forImageTag(COMMIT)).toBe(release);
    expect(calls).toEqual([
      `recent other ${RECENT_EXECUTIONS}`,
      `recent analytics ${RECENT_EXECUTIONS}`,
      "get analytics exec-built",
    ]);
  });

  it("asks nothing for a tag that is no commit, and does not cache a miss", async () => {
    const { executions, calls } = fake({});
    const lookup = new PipelineReleaseLookup(executions, ["analytics"], region, logger);
    expect(await lookup.forImageTag("1.4.2")).toBeUndefined();
    expect(calls).toEqual([]);
    expect(await lookup.forImageTag(COMMIT)).toBeUndefined();
    expect(await lookup.forImageTag(COMMIT)).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it("never throws: a failing port leaves the release out, logged", async () => {
    const { executions } = fake({}, true);
    const lookup = new PipelineReleaseLookup(executions, ["analytics"], region, logger);
    expect(await lookup.forImageTag(COMMIT)).toBeUndefined();
    expect(warnings).toEqual([
      {
        message: "release lookup failed; the rollout is reported without its pipeline execution",
        context: { tag: COMMIT, error: expect.objectContaining({ message: "connect ECONNREFUSED" }) },
      },
    ]);
  });
});
