// The notifier's two additions for a sink that makes several calls per notification (the Slack
// thread sink): its own per-attempt timeout, and the invocation's deadline bounding the wait a
// throttled answer's Retry-After asks for.
import { Notifier } from "../../../../functions/extension/notification/notifier.js";
import { createLogger } from "../../../../functions/shared/logger.js";
import { ThrottledError } from "../../../../functions/types/errors.js";
import type { MetricsRecorder } from "../../../../functions/types/metricsRecorder.js";
import type { Notification, NotificationSink } from "../../../../functions/types/notification.js";
import { pipelineFailed } from "../../../fixtures/notifications.js";

const metrics: MetricsRecorder = { add: () => undefined, flush: async () => undefined };
const logger = createLogger("notifier-deadline-test");
logger.setLogLevel("SILENT");
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sink(
  name: string,
  send: (call: number) => Promise<void>,
  attemptTimeoutMs?: number,
): NotificationSink & { calls: number } {
  const made = {
    name,
    calls: 0,
    ...(attemptTimeoutMs !== undefined && { attemptTimeoutMs }),
    async send(_notification: Notification) {
      made.calls += 1;
      await send(made.calls);
    },
  };
  return made;
}

describe("Notifier, for sinks that need longer or are throttled", () => {
  it("gives a sink its own attempt timeout when it asks for one", async () => {
    const slow = sink("slack", () => pause(120), 1_000);
    const plain = sink("sns", () => pause(120));
    const notifier = new Notifier([slow, plain], metrics, logger, { attempts: 1, timeoutMs: 50 });
    expect(await notifier.notify(pipelineFailed)).toEqual({ delivered: ["slack"], failed: ["sns"] });
  });

  it("waits what a throttled sink's Retry-After asks, but never past the deadline", async () => {
    const throttled = () =>
      sink("slack", async (call) => {
        if (call === 1) throw new ThrottledError("rate limited", 300);
      });
    const roomy = throttled();
    let began = Date.now();
    const within = new Notifier([roomy], metrics, logger, {
      attempts: 2,
      timeoutMs: 50,
      baseDelayMs: 1,
      until: () => Date.now() + 5_000,
    });
    expect(await within.notify(pipelineFailed)).toEqual({ delivered: ["slack"], failed: [] });
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);

    const tight = throttled();
    began = Date.now();
    const past = new Notifier([tight], metrics, logger, {
      attempts: 2,
      timeoutMs: 50,
      baseDelayMs: 1,
      until: () => began + 100,
    });
    expect(await past.notify(pipelineFailed)).toEqual({ delivered: [], failed: ["slack"] });
    expect(tight.calls).toBe(1);
    expect(Date.now() - began).toBeLessThan(100);
  });
});
