// Running external tools with errors that say which tool failed and what it printed.
import { spawn } from "node:child_process";
import { HarnessError } from "./progress.js";

export interface RunOptions {
  env?: Record<string, string>;
  /** stream the tool's output to our stderr (long builds) instead of capturing it */
  streamOutput?: boolean;
  input?: string;
}

export async function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (options.streamOutput) process.stderr.write(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (options.streamOutput) process.stderr.write(chunk);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        new HarnessError(
          error.code === "ENOENT"
            ? `${command} is not installed or not on PATH`
            : `${command}: ${error.message}`,
        ),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else {
        const tail = (stderr || stdout).trim().split("\n").slice(-15).join("\n");
        reject(new HarnessError(`${command} ${args.join(" ")} exited with ${code}:\n${tail}`));
      }
    });
  });
}

/** Whether `command` can be started at all. */
export async function isInstalled(command: string, versionArgs: string[] = ["--version"]): Promise<boolean> {
  try {
    await run(command, versionArgs);
    return true;
  } catch {
    return false;
  }
}
