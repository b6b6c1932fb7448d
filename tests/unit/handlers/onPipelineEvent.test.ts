// onPipelineEvent's idempotency key, with small fakes (executions as the port returns them, an
// idempotency that remembers keys in memory): which deliveries are the same outcome (one key,
// reported once), which are different outcomes (another key), and which never ask for a key at
// all because they are no outcome (decided afresh on every delivery, as before the key existed).

import { handlePipelineEvent } from "../../../functions/handlers/onPipelineEvent/handler.js";
import type { PipelineEventDependencies } from "../../../functions/handlers/onPipelineEvent/wiring.js";
import type { Idempotency, Once } from "../../../functions/lambda/handler.js";
import type { PipelineExecutions } from "../../../functions/pipeline/ports/pipelineExecutions.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { InvocationDeadline } from "../../../functions/shared/retry.js";
import type { MetricsRecorder } from "../../../functions/types/metricsRecorder.js";
import type { Notification, NotificationPublisher } from "../../../functions/types/notification.js";
import type { FakeExecution } from "../../fakes/codePipelineApi.js";
import {
  codePipelineEvent,
  type EventFixture,
  EXECUTION_ID,
  PIPELINE,
} from "../../fixtures/codepipeline/events.js";
import { execution } from "../../fixtures/codepipeline/executions.js";
import { actionRunsOf, snapshotOf } from "../pipeline/snapshots.js";

/** Idempotency in memory: remembers each key's result and every key it was asked about. */
class MemoryIdempotency implements Idempotency {
  asked: string[] = [];
  readonly #done = new Map<string, object>();
  async once<T extends object>(key: string, work: () => Promise<T>): Promise<Once<T>> {
    this.asked.push(key);
    const stored = this.#done.get(key);
    if (stored) return { kind: "replayed", value: stored as T };
    const value = await work();
    this.#done.set(key, value);
    return { kind: "ran", value };
  }
}

function deps(options: { notifyStarted?: boolean } = {}) {
  const executions = new Map<string, FakeExecution>();
  const sent: Notification[] = [];
  const port: PipelineExecutions = {
    get: async (_pipeline, id) => {
      const found = executions.get(id);
      return found && snapshotOf(found);
    },
    actions: async (_pipeline, id) => {
      const found = executions.get(id);
      return found ? actionRunsOf(found) : [];
    },
    recent: async () => [],
  };
  const notifier: NotificationPublisher = {
    notify: async (notification) => {
      sent.push(notification);
      return { delivered: ["console"], failed: [] };
    },
  };
  const metrics: MetricsRecorder = { add: () => undefined, flush: async () => undefined };
  const idempotency = new MemoryIdempotency();
  const root: PipelineEventDependencies = {
    pipelines: [PIPELINE],
    options: { notifyStarted: options.notifyStarted ?? false },
    executions: port,
    notifier,
    metrics,
    logger: createLogger("onPipelineEvent-test"),
    idempotency,
    deadline: new InvocationDeadline(),
  };
  const put = (status: Parameters<typeof execution>[0], executionId = EXECUTION_ID) =>
    executions.set(executionId, execution(status, { executionId }));
  const deliver = (
    fixture: EventFixture,
    change: { id?: string; attempt?: number; executionId?: string; pipeline?: string } = {},
  ) => handlePipelineEvent(codePipelineEvent(fixture, change), root);
  return { put, deliver, sent, asked: idempotency.asked };
}

const keyOf = (state: string, attempt = 1, executionId = EXECUTION_ID) =>
  `${PIPELINE}/${executionId}/${state}/${attempt}`;

describe("onPipelineEvent's idempotency key", () => {
  it("is the outcome: <pipeline>/<execution>/<state>/<attempt>", async () => {
    const { put, deliver, asked } = deps();
    put("Succeeded");
    expect(await deliver("pipeline-succeeded")).toMatchObject({ outcome: "handled" });
    expect(asked).toEqual([keyOf("SUCCEEDED")]);
  });

  it("is the same for every delivery of one outcome, whatever its event id: reported once", async () => {
    const { put, deliver, asked, sent } = deps();
    put("Failed");
    const first = await deliver("pipeline-failed", { id: "event-a" });
    expect(await deliver("pipeline-failed", { id: "event-a" })).toEqual(first);
    expect(await deliver("pipeline-failed", { id: "event-b" })).toEqual({ ...first, eventId: "event-b" });
    expect(asked).toEqual([keyOf("FAILED"), keyOf("FAILED"), keyOf("FAILED")]);
    expect(sent.map((notification) => notification.event)).toEqual(["pipeline.failed"]);
  });

  it("differs for another state, another attempt and another execution: each is reported", async () => {
    const { put, deliver, asked, sent } = deps({ notifyStarted: true });
    put("InProgress");
    await deliver("pipeline-started");
    put("Failed");
    await deliver("pipeline-failed");
    // The failed stage retried: the same execution, attempt 2, succeeds.
    put("Succeeded");
    await deliver("pipeline-succeeded", { attempt: 2 });
    put("Succeeded", "another-execution");
    await deliver("pipeline-succeeded", { executionId: "another-execution" });
    expect(asked).toEqual([
      keyOf("STARTED"),
      keyOf("FAILED"),
      keyOf("SUCCEEDED", 2),
      keyOf("SUCCEEDED", 1, "another-execution"),
    ]);
    expect(sent).toHaveLength(4);
  });

  it("is never asked for what is no outcome: those are decided afresh on every delivery", async () => {
    const { put, deliver, asked, sent } = deps();
    put("Failed");
    for (const fixture of ["stage-build-failed", "action-build-failed", "pipeline-started"] as const) {
      expect(await deliver(fixture)).toMatchObject({ outcome: "ignored" });
    }
    put("Superseded");
    expect(await deliver("pipeline-superseded")).toMatchObject({ outcome: "ignored" });
    // Stale: the execution was retried and is in progress again.
    put("InProgress");
    expect(await deliver("pipeline-failed")).toMatchObject({
      outcome: "ignored",
      reason: "stale FAILED event: the execution is now InProgress",
    });
    // ...and once it really failed, the same FAILED event is an outcome.
    put("Failed");
    expect(await deliver("pipeline-failed")).toMatchObject({ outcome: "handled" });
    expect(await deliver("pipeline-failed", { executionId: "unknown" })).toMatchObject({
      outcome: "ignored",
      reason: "CodePipeline does not know execution unknown",
    });
    expect(await deliver("pipeline-failed", { pipeline: "someone-elses" })).toMatchObject({
      outcome: "ignored",
    });
    expect(asked).toEqual([keyOf("FAILED")]);
    expect(sent).toHaveLength(1);
  });
});
