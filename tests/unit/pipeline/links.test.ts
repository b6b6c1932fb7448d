import {
  commitLine,
  commitMessage,
  commitSource,
  executionConsoleUrl,
} from "../../../functions/pipeline/links.js";

describe("commitMessage", () => {
  it("unwraps the JSON summary of CodeStar connections and keeps the first line", () => {
    expect(commitMessage('{"ProviderType":"GitHub","CommitMessage":"Fix it\\n\\nLong body"}')).toBe("Fix it");
  });

  it("keeps plain CodeCommit summaries, including ones that merely start with a brace", () => {
    expect(commitMessage("Add the visits report\nbody")).toBe("Add the visits report");
    expect(commitMessage("{wip} refactor")).toBe("{wip} refactor");
    expect(commitMessage(undefined)).toBeUndefined();
    expect(commitMessage("   ")).toBeUndefined();
  });
});

describe("commitLine and commitSource", () => {
  it("shows a short SHA and the message, or the bare SHA", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(commitLine({ revisionId: sha, summary: "Fix" })).toBe("0123456 Fix");
    expect(commitLine({ revisionId: sha })).toBe("0123456");
  });

  it("prefers the Git revision over other sources (e.g. an S3 version id)", () => {
    const git = { actionName: "Source", revisionId: "0123456789abcdef0123456789abcdef01234567" };
    expect(
      commitSource([{ actionName: "Config", revisionId: "3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" }, git]),
    ).toBe(git);
    expect(commitSource([])).toBeUndefined();
  });
});

describe("executionConsoleUrl", () => {
  it("links the execution's timeline in the pipeline's region", () => {
    expect(executionConsoleUrl("eu-west-1", "my pipeline", "abc")).toBe(
      "https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/my%20pipeline/executions/abc/timeline?region=eu-west-1",
    );
  });
});
