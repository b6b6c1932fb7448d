// The boundary rules can fail: the real rule set (.dependency-cruiser.cjs) cruised over a
// miniature tree (fixtures/) that breaks each rule once and obeys the allowed directions. A rule
// whose pattern stopped matching (a renamed folder, a typo) would otherwise pass forever.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type IConfiguration, type ICruiseResult } from "dependency-cruiser";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs")) as IConfiguration;

async function violations(): Promise<string[]> {
  // tsConfig names the repository's tsconfig.json, relative to the working directory; the
  // fixtures need none (their ".js" imports resolve to ".ts" files without it).
  const { tsConfig: _repositoryTsConfig, ...options } = config.options ?? {};
  const result = await cruise(["functions", "service", "tests"], {
    ...options,
    baseDir: join(here, "fixtures"),
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  });
  const output = result.output as ICruiseResult;
  return output.summary.violations
    .map(
      (violation) =>
        `${violation.rule.name}: ${violation.from} → ${violation.to.replace(/^.*node_modules\//, "")}`,
    )
    .sort();
}

describe("the dependency rules", () => {
  it("are all enforced as errors", () => {
    expect(config.forbidden?.map((rule) => [rule.name, rule.severity])).toEqual([
      ["no-circular", "error"],
      ["core-does-not-import-adapters", "error"],
      ["types-is-the-vocabulary", "error"],
      ["planning-is-pure", "error"],
      ["no-test-code-in-product", "error"],
      ["service-and-functions-apart", "error"],
      ["adapters-do-not-import-handlers", "error"],
    ]);
    expect(config.options).toMatchObject({
      tsPreCompilationDeps: true,
      doNotFollow: { path: "node_modules" },
    });
  });

  it("fire exactly on the fixture's violations, type-only imports included", async () => {
    expect(await violations()).toEqual([
      "adapters-do-not-import-handlers: functions/provider/wired.ts → functions/handlers/h/wiring.ts",
      "core-does-not-import-adapters: functions/rollout/bad.ts → functions/provider/x.ts",
      "no-circular: functions/cost/a.ts → functions/cost/b.ts",
      "no-test-code-in-product: functions/alarms/testy.ts → tests/fake.ts",
      "planning-is-pure: functions/cost/typed.ts → @kubernetes/client-node/dist/index.js",
      "planning-is-pure: functions/pipeline/io.ts → net",
      "service-and-functions-apart: functions/shared/report.ts → service/src/app.ts",
      "service-and-functions-apart: service/src/app.ts → functions/shared/helper.ts",
      "types-is-the-vocabulary: functions/types/words.ts → functions/shared/helper.ts",
    ]);
  });
});
