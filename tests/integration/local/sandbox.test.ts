// `npm run sandbox` as a new user runs it (here reusing the test harness): two good releases roll
// out, the never-ready image is rolled back and quarantined, reconcile leaves it alone, a pipeline
// run's image rolls out naming its execution and commit, and the console shows the progress and
// the notifications.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { harness } from "../../harness/env.js";

const root = join(import.meta.dirname, "../../..");

describe("npm run sandbox", () => {
  it("shows the whole loop: two rollouts, one rollback with quarantine, a quiet reconcile", async () => {
    harness();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) =>
        execFile(
          join(root, "node_modules/.bin/tsx"),
          ["tests/sandbox/sandbox.ts"],
          { cwd: root, env: process.env, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
          (error, out, err) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
        ),
    );
    expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });

    const notifications = [...stdout.matchAll(/^\[[A-Z]+\] .*\((rollout\.[a-z_]+)\)$/gm)].map(
      (match) => match[1],
    );
    expect(notifications).toEqual([
      "rollout.succeeded",
      "rollout.succeeded",
      "rollout.rolled_back",
      "rollout.succeeded",
    ]);
    expect(stdout).toMatch(
      /analytics: patched, succeeded {2}analytics:1\.0\.0@\w{12} → analytics:1\.0\.1@\w{12}/,
    );
    expect(stdout).toMatch(
      /analytics: patched, succeeded {2}analytics:1\.0\.1@\w{12} → analytics:1\.1\.0@\w{12}/,
    );
    expect(stdout).toMatch(/analytics: patched, rolled_back/);
    expect(stdout).toContain("Progressing=False (ProgressDeadlineExceeded)");
    // Reconcile after the rollback changes nothing; the Deployment runs 1.1.0 with the bad digest quarantined.
    const afterReconcile = stdout.slice(stdout.indexOf("━━ reconcile"));
    expect(afterReconcile).toMatch(/analytics: skipped/);
    expect(afterReconcile).toMatch(/image: \S+\/coworking\/analytics:1\.1\.0@sha256:[0-9a-f]{64}/);
    expect(afterReconcile).toMatch(
      /status\.rollout\.coworking\.dev\/quarantined: \{"v":1,"digests":\["sha256:[0-9a-f]{64}"\]\}/,
    );
    // Pipeline run → rollout: the pipeline's outcome, then the rollout of the image it built, naming it.
    const story = stdout.slice(stdout.indexOf("━━ pipeline"));
    expect(story).toMatch(
      /^\[OK\] Pipeline coworking-analytics succeeded in [^:]+: [0-9a-f]{7} Fix the daily usage query for empty days {2}\(pipeline\.succeeded\)$/m,
    );
    const execution = /^ +Execution +([0-9a-f-]{36})$/m.exec(story)?.[1];
    expect(story).toMatch(new RegExp(`^ +Pipeline +coworking-analytics execution ${execution}$`, "m"));
    expect(story).toMatch(/^ +Commit +[0-9a-f]{12} Fix the daily usage query for empty days$/m);
    expect(story).toMatch(
      /analytics: patched, succeeded {2}analytics:1\.1\.0@\w{12} → analytics:[0-9a-f]{40}@\w{12}/,
    );
  }, 300_000);
});
