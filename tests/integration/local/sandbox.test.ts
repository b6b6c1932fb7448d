// `npm run sandbox` as a new user runs it (here reusing the test harness): two good releases roll
// out, the never-ready image is rolled back and quarantined, reconcile leaves it alone, a pipeline
// run's image rolls out naming its execution and commit, and the console shows the progress, each
// invocation's result and, at the end, each release's Slack thread (the FAKE Web API's).
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

    // One thread per release, in the order they began: three pushes, then the pipeline run.
    const slack = stdout.slice(stdout.indexOf("━━ Slack"));
    const parents = slack.split("\n").filter((line) => line.startsWith("#deploys  "));
    expect(parents).toHaveLength(4);
    // 1.1.0 replaced 1.0.1, and the pipeline run's image replaced 1.1.0 (after the rollback of
    // 1.2.0 had restored it): their parents say so, and no longer offer their rollback.
    expect(parents[0]).toMatch(
      /⏩ \*analytics\* 1\.0\.1 {2}· {2}stage \*rollout\* {2}· {2}replaced by a newer release/,
    );
    expect(parents[1]).toMatch(
      /⏩ \*analytics\* 1\.1\.0 {2}· {2}stage \*rollout\* {2}· {2}replaced by a newer release/,
    );
    expect(parents[2]).toMatch(
      /🚨 \*analytics\* 1\.2\.0-never-ready {2}· {2}stage \*rollout\* {2}· {2}rolled back on/,
    );
    expect(parents[3]).toMatch(
      /✅ \*analytics\* {2}· {2}`[0-9a-f]{7}` Fix the daily usage query for empty days {2}· {2}stage \*rollout\* {2}· {2}live on /,
    );
    const notifications = [...slack.matchAll(/`((?:rollout|pipeline)\.[a-z_]+)`/g)].map((match) => match[1]);
    expect(notifications).toEqual([
      "rollout.succeeded",
      "rollout.succeeded",
      "rollout.rolled_back",
      "pipeline.started",
      "rollout.succeeded",
      "pipeline.succeeded",
    ]);
    expect(slack).toMatch(/^└─ 🚨 analytics rolled back to .*\(also sent to the channel\)$/m);
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
    // Pipeline run → rollout: the run's thread has its start, the rollout of the image it built
    // (naming the execution and the commit), and its success.
    const story = slack.slice(slack.indexOf(parents[3] ?? "-"));
    expect(story).toMatch(
      /^├─ ℹ️ Pipeline coworking-analytics started: [0-9a-f]{7} Fix the daily usage query for empty days$/m,
    );
    expect(story).toMatch(
      /^└─ ✅ Pipeline coworking-analytics succeeded in [^:]+: [0-9a-f]{7} Fix the daily usage query for empty days$/m,
    );
    const execution = /^│ +Execution: ([0-9a-f-]{36})$/m.exec(story)?.[1];
    expect(story).toMatch(new RegExp(`^│ +Pipeline: coworking-analytics execution ${execution}$`, "m"));
    expect(story).toMatch(/^│ +Commit: [0-9a-f]{12} Fix the daily usage query for empty days$/m);
    expect(stdout).toMatch(
      /analytics: patched, succeeded {2}analytics:1\.1\.0@\w{12} → analytics:[0-9a-f]{40}@\w{12}/,
    );
  }, 300_000);
});
