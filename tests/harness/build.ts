// `build`: the harness's binaries (build.sh, from the Go module proxy) and its Python virtualenv
// (moto, cfn-lint, from PyPI). Idempotent; a no-op on a warm machine.
import { join } from "node:path";
import { missingBinaries } from "./cluster.js";
import { run } from "./commands.js";
import { HarnessError, say } from "./progress.js";
import { REPO_ROOT } from "./rbac.js";
import { buildScriptEnvironment } from "./toolchain.js";
import { ensureVenv } from "./venv.js";

export async function build(): Promise<void> {
  const missing = await missingBinaries();
  if (missing.length > 0) {
    say(
      `building ${missing.length} missing binaries (cold build: about 25 min on 2 cores; progress follows)`,
    );
    try {
      await run("bash", [join(REPO_ROOT, "tests", "harness", "build.sh")], {
        env: buildScriptEnvironment(),
        streamOutput: true,
      });
    } catch (error) {
      throw new HarnessError(
        `building the harness binaries failed (see the output above).\n${(error as Error).message}`,
      );
    }
  }
  await ensureVenv();
}
