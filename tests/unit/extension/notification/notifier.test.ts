// The notifier's policy (retry bound, timeout, counting, never throwing) with in-memory sinks;
// the real sinks against real receivers are in tests/integration/notification.

import { Notifier } from "../../../../functions/extension/notification/notifier.js";
import { createLogger } from "../../../../functions/shared/logger.js";
import { TransientError } from "../../../../functions/types/errors.js";
import type { MetricsRecorder } from "../../../../functions/types/metricsRecorder.js";
import type { Notification, NotificationSink } from "../../../../functions/types/notification.js";
import { pipelineFailed } from "../../../fixtures/notifications.js";

class RecordingMetrics implements MetricsRecorder {
  readonly recorded: { name: string; value: number; dimensions?: Record<string, string> }[] = [];
  add(name: string, _unit: string, value: number, dimensions?: Record<string, string>): void {
    this.recorded.push({ name, value, dimensions });
  }
  async flush(): Promise<void> {}
}

class ScriptedSink implements NotificationSink {
  calls = 0;
  readonly received: Notification[] = [];
  constructor(
    readonly name: string,
    private readonly behaviour: (call: number) => Promise<void>,
  ) {}
  async send(notification: Notification): Promise<void> {
    this.calls++;
    await this.behaviour(this.calls);
    this.received.push(notification);
  }
}

const logger = createLogger("notifier-test");
logger.setLogLevel("SILENT");

describe("Notifier", () => {
  it("delivers to every sink and counts nothing when all succeed", async () => {
    const metrics = new RecordingMetrics();
    const slack = new ScriptedSink("slack", async () => {});
    const sns = new ScriptedSink("sns", async () => {});
    const outcome = await new Notifier([slack, sns], metrics, logger, { attempts: 3, timeoutMs: 500 }).notify(
      pipelineFailed,
    );
    expect(outcome).toEqual({ delivered: ["slack", "sns"], failed: [] });
    expect(slack.received).toEqual([pipelineFailed]);
    expect(sns.received).toEqual([pipelineFailed]);
    expect(metrics.recorded).toEqual([]);
  });

  it("gives a thread-only step to the sinks that keep threads, and to no other", async () => {
    const threads = Object.assign(new ScriptedSink("slack", async () => {}), { threads: true });
    const sns = new ScriptedSink("sns", async () => {});
    const step: Notification = { ...pipelineFailed, event: "rollout.started", threadOnly: true };
    const outcome = await new Notifier([threads, sns], new RecordingMetrics(), logger, {
      attempts: 1,
      timeoutMs: 500,
    }).notify(step);
    expect(outcome).toEqual({ delivered: ["slack"], failed: [] });
    expect(sns.received).toEqual([]);
  });

  it("retries a transient failure and then delivers", async () => {
    const metrics = new RecordingMetrics();
    const flaky = new ScriptedSink("slack", async (call) => {
      if (call < 3) throw new TransientError("503");
    });
    const outcome = await new Notifier([flaky], metrics, logger, {
      attempts: 3,
      timeoutMs: 500,
      baseDelayMs: 1,
    }).notify(pipelineFailed);
    expect(outcome.delivered).toEqual(["slack"]);
    expect(flaky.calls).toBe(3);
    expect(metrics.recorded).toEqual([]);
  });

  it("gives up after the bound, counts the failure per sink, never throws, and still serves the other sinks", async () => {
    const metrics = new RecordingMetrics();
    const down = new ScriptedSink("slack", async () => {
      throw new TransientError("503");
    });
    const sns = new ScriptedSink("sns", async () => {});
    const outcome = await new Notifier([down, sns], metrics, logger, {
      attempts: 4,
      timeoutMs: 500,
      baseDelayMs: 1,
    }).notify(pipelineFailed);
    expect(outcome).toEqual({ delivered: ["sns"], failed: ["slack"] });
    expect(down.calls).toBe(4);
    expect(metrics.recorded).toEqual([
      { name: "NotificationFailures", value: 1, dimensions: { Sink: "slack" } },
    ]);
  });

  it("does not retry a permanent failure", async () => {
    const metrics = new RecordingMetrics();
    const revoked = new ScriptedSink("slack", async () => {
      throw new Error("slack webhook answered 404 no_service");
    });
    const outcome = await new Notifier([revoked], metrics, logger, { attempts: 3, timeoutMs: 500 }).notify(
      pipelineFailed,
    );
    expect(outcome.failed).toEqual(["slack"]);
    expect(revoked.calls).toBe(1);
    expect(metrics.recorded).toHaveLength(1);
  });

  it("times out a hanging sink on every attempt, so the worst case is bounded", async () => {
    const metrics = new RecordingMetrics();
    const hanging = new ScriptedSink("sns", () => new Promise<void>(() => {}));
    const started = Date.now();
    const outcome = await new Notifier([hanging], metrics, logger, {
      attempts: 2,
      timeoutMs: 100,
      baseDelayMs: 1,
    }).notify(pipelineFailed);
    const elapsed = Date.now() - started;
    expect(outcome.failed).toEqual(["sns"]);
    expect(hanging.calls).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1000);
  });
});
