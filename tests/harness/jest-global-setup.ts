// Jest global setup of the integration project: builds what is missing (with progress), starts
// a harness owned by this jest process and exports its environment to every test. The harness
// code runs through the CLI (tsx), the same code as `npm run cluster -- up`; its processes are
// tracked by PID, and a run interrupted before teardown is cleaned up by the next `up`.
//
// HARNESS_EXTERNAL=1 points the tests at an existing cluster and emulator instead (KUBECONFIG,
// DELIVERY_KUBECONFIG, READER_KUBECONFIG and AWS_ENDPOINT_URL preset); nothing is started then. See tests/README.md.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(root, "tests", "harness", "cli.ts");

function harnessCli(args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolvePromise(stdout)
        : reject(
            new Error(
              `The test harness could not start: \`npm run cluster -- ${args.join(" ")}\` exited with ${code}. ` +
                "Its message is printed above; see tests/README.md.",
            ),
          ),
    );
  });
}

/** Stops the harness if jest is interrupted before its teardown runs. */
function stopOnInterrupt(dir: string): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      spawnSync(process.execPath, ["--import", "tsx", cli, "down", dir], { cwd: root, stdio: "inherit" });
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
}

export default async function globalSetup(): Promise<void> {
  if (process.env.HARNESS_EXTERNAL === "1") {
    const missing = ["KUBECONFIG", "DELIVERY_KUBECONFIG", "READER_KUBECONFIG", "AWS_ENDPOINT_URL"].filter(
      (name) => !process.env[name],
    );
    if (missing.length > 0) {
      throw new Error(`HARNESS_EXTERNAL=1 but ${missing.join(", ")} not set; see tests/README.md.`);
    }
    Object.assign(
      process.env,
      JSON.parse(await harnessCli(["external", "--owner", String(process.pid), "--env-json"])) as Record<
        string,
        string
      >,
    );
    return;
  }
  await harnessCli(["build"]);
  const environment = JSON.parse(
    await harnessCli(["up", "--owner", String(process.pid), "--env-json"]),
  ) as Record<string, string>;
  Object.assign(process.env, environment);
  const dir = environment.HARNESS_DIR;
  if (dir) stopOnInterrupt(dir);
}
