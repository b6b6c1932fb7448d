// The Python virtualenv holding moto (the AWS emulator) and cfn-lint, built once per machine and
// keyed by the interpreter and the pinned versions so that a bump gets a fresh one.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./commands.js";
import { HarnessError, say } from "./progress.js";
import { CACHE_DIR, VERSIONS } from "./toolchain.js";

const REQUIREMENTS = [`moto[server]==${VERSIONS.moto}`, `cfn-lint==${VERSIONS.cfnLint}`];
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
  await writeFile(join(dir, COMPLETE_MARKER), `${REQUIREMENTS.join("\n")}\n`);
  say(`virtualenv ready: ${dir}`);
  return dir;
}
