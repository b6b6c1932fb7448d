// service/Dockerfile's supply chain, as far as it can be checked without building: every stage
// starts from ECR Public pinned by digest, Renovate is set up to move those digests, and the
// runtime stage has no package manager and a health check that needs none.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dockerfile = readFileSync(join(ROOT, "service", "Dockerfile"), "utf8");
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const froms = instructions.filter((line) => /^FROM\s/i.test(line));
const runtimeStage = instructions.slice(instructions.lastIndexOf(froms.at(-1) as string));

describe("service/Dockerfile", () => {
  it("has a build and a runtime stage", () => {
    expect(froms).toHaveLength(2);
  });

  it.each(froms)("pins %s to a digest on ECR Public", (from) => {
    expect(from).toMatch(
      /^FROM public\.ecr\.aws\/docker\/library\/node:24-slim@sha256:[0-9a-f]{64}( AS \w+)?$/,
    );
  });

  it("uses one base image for both stages, so one bump moves both", () => {
    const images = new Set(froms.map((from) => from.split(/\s+/)[1]));
    expect(images.size).toBe(1);
  });

  it("removes npm, npx and corepack from the runtime stage, as root, before switching to the node user", () => {
    const removal = runtimeStage.find((line) => line.startsWith("RUN rm -rf"));
    for (const path of [
      "/usr/local/lib/node_modules/npm",
      "/usr/local/lib/node_modules/corepack",
      "/usr/local/bin/npm",
      "/usr/local/bin/npx",
      "/usr/local/bin/corepack",
    ]) {
      expect(removal).toContain(path);
    }
    const userAt = runtimeStage.findIndex((line) => line.startsWith("USER "));
    expect(runtimeStage.indexOf(removal as string)).toBeLessThan(userAt);
    expect(runtimeStage[userAt]).toBe("USER node");
  });

  it("checks health and starts with node alone: no npm, npx or corepack in any runtime command", () => {
    const commands = runtimeStage.filter((line) => /^(HEALTHCHECK|CMD|ENTRYPOINT)\s/.test(line));
    expect(commands.map((line) => line.split(/\s/)[0])).toEqual(["HEALTHCHECK", "CMD"]);
    for (const line of commands) {
      expect(line).toContain('["node",');
      expect(line).not.toMatch(/\b(npm|npx|corepack|yarn|curl|wget)\b/);
    }
  });
});

describe("renovate.json", () => {
  const config = JSON.parse(readFileSync(join(ROOT, "renovate.json"), "utf8")) as {
    enabledManagers: string[];
    packageRules: { matchDatasources?: string[]; pinDigests?: boolean }[];
  };

  it("keeps the Dockerfile's and the manifests' images pinned by digest", () => {
    expect(config.enabledManagers).toEqual(expect.arrayContaining(["dockerfile", "kubernetes"]));
    expect(config.packageRules).toContainEqual(
      expect.objectContaining({ matchDatasources: ["docker"], pinDigests: true }),
    );
  });
});
