import * as z from "zod";
import {
  defineHandler,
  type HandlerRoot,
  type HandlerSteps,
  type Idempotency,
  type Invocation,
  ignore,
  type Once,
} from "../../../functions/lambda/handler.js";
import { localContext } from "../../../functions/local/lambdaContext.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { parseWith } from "../../../functions/trigger/envelopes.js";
import { InvalidEventError } from "../../../functions/types/errors.js";
import type { Dimensions, MetricsRecorder, MetricUnit } from "../../../functions/types/metricsRecorder.js";

/** Records what was added and what each flush sent; `failFlush` makes the next flushes throw. */
class RecordingMetrics implements MetricsRecorder {
  pending: { name: string; unit: MetricUnit; value: number; dimensions?: Dimensions }[] = [];
  flushed: (typeof this.pending)[] = [];
  failFlush = false;
  add(name: string, unit: MetricUnit, value: number, dimensions?: Dimensions): void {
    this.pending.push({ name, unit, value, ...(dimensions && { dimensions }) });
  }
  async flush(): Promise<void> {
    const sent = this.pending;
    this.pending = [];
    this.flushed.push(sent);
    if (this.failFlush) throw new Error("PutMetricData: connect ECONNREFUSED");
  }
  get all() {
    return this.flushed.flat();
  }
}

interface TestRoot extends HandlerRoot {
  metrics: RecordingMetrics;
  calls: string[];
}

type LogEntry = Record<string, unknown> & { level: string; message: string };

let lines: string[] = [];
const writes = { out: process.stdout.write, err: process.stderr.write };
beforeEach(() => {
  lines = [];
  // Powertools writes through its own Console (errors to stderr); capture both streams.
  const capture = ((chunk: string | Uint8Array) =>
    lines.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
});
afterEach(() => {
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
});

const logs = (): LogEntry[] =>
  lines
    .join("")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogEntry);

function root(): TestRoot {
  return { logger: createLogger("handler-test"), metrics: new RecordingMetrics(), calls: [] };
}

interface TestEvent {
  id: string;
  detail: { n: number };
}

const eventSchema = z.object({ id: z.string(), detail: z.object({ n: z.number() }) });

/** parse → plan → act → report over { id, detail: { n } }: n < 0 is ignored at parse, n = 0 at plan. */
function steps(
  overrides: Partial<HandlerSteps<TestRoot, TestEvent, number, number, { doubled: number }>> = {},
) {
  return defineHandler<TestRoot, TestEvent, number, number, { doubled: number }>(
    {
      name: "testFunction",
      parse(event, r) {
        r.calls.push("parse");
        const parsed = parseWith(eventSchema, event, "not a test event");
        return parsed.detail.n < 0 ? ignore("negative", parsed.id) : parsed;
      },
      eventId: (input) => input.id,
      plan(input, r) {
        r.calls.push("plan");
        return input.detail.n === 0 ? ignore("nothing to do") : input.detail.n;
      },
      async act(plan, r) {
        r.calls.push("act");
        r.metrics.add("Acted", "Count", 1);
        return plan * 2;
      },
      report(doubled, r) {
        r.calls.push(`report (flushed ${r.metrics.flushed.length})`);
        return { doubled };
      },
      ...overrides,
    },
    root,
  );
}

const event = (n: number, id = "event-1") => ({ id, detail: { n } });

describe("defineHandler", () => {
  it("handled: runs the four steps in order, returns the report's detail, flushes once after", async () => {
    const r = root();
    const result = await steps().handle(r, event(21));
    expect(result).toEqual({ outcome: "handled", eventId: "event-1", doubled: 42 });
    expect(r.calls).toEqual(["parse", "plan", "act", "report (flushed 0)"]);
    expect(r.metrics.flushed).toHaveLength(1);
    expect(r.metrics.all.map((datum) => datum.name)).toEqual(["ColdStart", "Acted"]);
  });

  it("ignored at parse: logs 'event ignored' with reason and eventId, plans nothing", async () => {
    const r = root();
    expect(await steps().handle(r, event(-1, "event-2"))).toEqual({
      outcome: "ignored",
      reason: "negative",
      eventId: "event-2",
    });
    expect(r.calls).toEqual(["parse"]);
    expect(logs()).toEqual([
      expect.objectContaining({
        level: "INFO",
        message: "event ignored",
        reason: "negative",
        eventId: "event-2",
      }),
    ]);
    expect(r.metrics.flushed).toHaveLength(1);
  });

  it("ignored at plan: the eventId comes from the input", async () => {
    const r = root();
    expect(await steps().handle(r, event(0, "event-3"))).toEqual({
      outcome: "ignored",
      reason: "nothing to do",
      eventId: "event-3",
    });
    expect(r.calls).toEqual(["parse", "plan"]);
    expect(logs()).toEqual([
      expect.objectContaining({ message: "event ignored", reason: "nothing to do", eventId: "event-3" }),
    ]);
  });

  it("rejected: logs 'event rejected' with the field and issues, counts RejectedEvents by Function", async () => {
    const r = root();
    const result = await steps().handle(r, { id: "event-4", detail: { n: "three" } });
    expect(result).toEqual({
      outcome: "rejected",
      reason: "not a test event: detail.n: Invalid input: expected number, received string",
      field: "detail.n",
    });
    expect(r.calls).toEqual(["parse"]);
    expect(r.metrics.all).toContainEqual({
      name: "RejectedEvents",
      unit: "Count",
      value: 1,
      dimensions: { Function: "testFunction" },
    });
    expect(r.metrics.flushed).toHaveLength(1);
    expect(logs()).toEqual([
      expect.objectContaining({
        level: "WARN",
        message: "event rejected",
        reason: result.outcome === "rejected" ? result.reason : "",
        field: "detail.n",
        issues: ["detail.n: Invalid input: expected number, received string"],
      }),
    ]);
  });

  it("rejected from a later step too, and without a field when the event as a whole is wrong", async () => {
    const r = root();
    const handler = steps({
      plan: () => {
        throw new InvalidEventError("not one of ours");
      },
    });
    expect(await handler.handle(r, event(1))).toEqual({ outcome: "rejected", reason: "not one of ours" });
    expect(r.metrics.all.filter((datum) => datum.name === "RejectedEvents")).toHaveLength(1);
  });

  it("an unexpected error propagates, after the metrics recorded so far are flushed", async () => {
    const r = root();
    const handler = steps({
      async act(_plan, rr) {
        rr.metrics.add("BeforeFailure", "Count", 1);
        throw new Error("cluster unreachable");
      },
    });
    await expect(handler.handle(r, event(1))).rejects.toThrow("cluster unreachable");
    expect(r.metrics.flushed).toHaveLength(1);
    expect(r.metrics.all.map((datum) => datum.name)).toEqual(["ColdStart", "BeforeFailure"]);
    expect(r.metrics.all.map((datum) => datum.name)).not.toContain("RejectedEvents");
  });

  it("a failed flush is logged and the result stands", async () => {
    const r = root();
    r.metrics.failFlush = true;
    expect(await steps().handle(r, event(2))).toEqual({ outcome: "handled", eventId: "event-1", doubled: 4 });
    expect(logs()).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        message: "metrics flush failed",
        error: expect.objectContaining({ message: "PutMetricData: connect ECONNREFUSED" }),
      }),
    );
  });

  it("a failed flush after an unexpected error leaves that error to propagate", async () => {
    const r = root();
    r.metrics.failFlush = true;
    const handler = steps({
      act: async () => {
        throw new Error("cluster unreachable");
      },
    });
    await expect(handler.handle(r, event(1))).rejects.toThrow("cluster unreachable");
    expect(logs().map((entry) => entry.message)).toContain("metrics flush failed");
  });

  it("records ColdStart once per root, with the Function dimension", async () => {
    const handler = steps();
    const first = root();
    await handler.handle(first, event(1));
    await handler.handle(first, event(2));
    await handler.handle(first, event(-1));
    const coldStarts = first.metrics.all.filter((datum) => datum.name === "ColdStart");
    expect(coldStarts).toEqual([
      { name: "ColdStart", unit: "Count", value: 1, dimensions: { Function: "testFunction" } },
    ]);
    // A new root is a new execution environment.
    const second = root();
    await handler.handle(second, event(1));
    expect(second.metrics.all.filter((datum) => datum.name === "ColdStart")).toHaveLength(1);
  });

  it("the Lambda export composes the root once per cold start", async () => {
    const composed: TestRoot[] = [];
    const handler = defineHandler(
      {
        name: "composeOnce",
        parse: (e: unknown) => e as number,
        plan: (n: number) => n,
        act: async (n: number) => n,
        report: (n: number) => ({ n }),
      },
      () => {
        const r = root();
        composed.push(r);
        return r;
      },
    );
    expect(await handler.handler(1)).toEqual({ outcome: "handled", n: 1 });
    expect(await handler.handler(2)).toEqual({ outcome: "handled", n: 2 });
    expect(composed).toHaveLength(1);
    expect(composed[0]?.metrics.all.filter((datum) => datum.name === "ColdStart")).toHaveLength(1);
  });

  it("puts the Lambda context on every log line: request id, and the cold start on the first invocation", async () => {
    // Lambda sets it; Powertools only flags a cold start in an on-demand environment.
    const initialization = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand";
    let r: TestRoot;
    try {
      r = root();
    } finally {
      if (initialization === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
      else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = initialization;
    }
    const handler = steps();
    const first = localContext("testFunction", 30);
    const second = localContext("testFunction", 30);
    await handler.handle(r, event(-1), first);
    await handler.handle(r, event(-1), second);
    expect(logs()).toEqual([
      expect.objectContaining({
        message: "event ignored",
        function_request_id: first.awsRequestId,
        function_name: "testFunction",
        cold_start: true,
      }),
      expect.objectContaining({
        message: "event ignored",
        function_request_id: second.awsRequestId,
        cold_start: false,
      }),
    ]);
  });

  it("gives the steps the invocation: its start and the time left (Infinity without a context)", async () => {
    const seen: Invocation[] = [];
    const handler = steps({
      plan: (input, _r, invocation) => {
        seen.push(invocation);
        return input.detail.n;
      },
    });
    const before = Date.now();
    await handler.handle(root(), event(1));
    await handler.handle(root(), event(1), localContext("testFunction", 30));
    expect(seen[0]?.startedAt).toBeGreaterThanOrEqual(before);
    expect(seen[0]?.context).toBeUndefined();
    expect(seen[0]?.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    expect(seen[1]?.context?.functionName).toBe("testFunction");
    expect(seen[1]?.remainingMs()).toBeGreaterThan(25_000);
    expect(seen[1]?.remainingMs()).toBeLessThanOrEqual(30_000);
  });
});

/** Answers `once` as told (`next`), and records every key and remaining time it was given. */
class ScriptedIdempotency implements Idempotency {
  next: "run" | "replay" | "in-progress" = "run";
  stored: object = {};
  asked: { key: string; remainingMs: number }[] = [];
  async once<T extends object>(
    key: string,
    work: () => Promise<T>,
    remainingMs: () => number,
  ): Promise<Once<T>> {
    this.asked.push({ key, remainingMs: remainingMs() });
    if (this.next === "in-progress") return { kind: "in-progress" };
    if (this.next === "replay") return { kind: "replayed", value: this.stored as T };
    return { kind: "ran", value: await work() };
  }
}

describe("defineHandler with an idempotency key", () => {
  const keyed = () => steps({ idempotencyKey: (plan) => `n=${plan}` });
  const keyedRoot = () => {
    const idempotency = new ScriptedIdempotency();
    return { root: { ...root(), idempotency }, idempotency };
  };

  it("runs act and report through the root's idempotency, with the plan's key and the time left", async () => {
    const { root: r, idempotency } = keyedRoot();
    expect(await keyed().handle(r, event(21), localContext("testFunction", 30))).toEqual({
      outcome: "handled",
      eventId: "event-1",
      doubled: 42,
    });
    expect(r.calls).toEqual(["parse", "plan", "act", "report (flushed 0)"]);
    expect(idempotency.asked).toEqual([{ key: "n=21", remainingMs: expect.any(Number) }]);
    expect(idempotency.asked[0]?.remainingMs).toBeLessThanOrEqual(30_000);
    expect(idempotency.asked[0]?.remainingMs).toBeGreaterThan(25_000);
  });

  it("a replay returns the stored detail, runs neither act nor report, and says it was a duplicate", async () => {
    const { root: r, idempotency } = keyedRoot();
    idempotency.next = "replay";
    idempotency.stored = { doubled: 42 };
    expect(await keyed().handle(r, event(21, "event-2"))).toEqual({
      outcome: "handled",
      eventId: "event-2",
      doubled: 42,
    });
    expect(r.calls).toEqual(["parse", "plan"]);
    expect(logs()).toContainEqual(
      expect.objectContaining({
        level: "INFO",
        message: "duplicate delivery: the stored result is returned",
        key: "n=21",
        eventId: "event-2",
      }),
    );
    expect(r.metrics.flushed).toHaveLength(1);
  });

  it("work in progress elsewhere: ignored as a duplicate delivery, nothing acted", async () => {
    const { root: r, idempotency } = keyedRoot();
    idempotency.next = "in-progress";
    expect(await keyed().handle(r, event(21, "event-3"))).toEqual({
      outcome: "ignored",
      reason: "duplicate delivery: n=21 is being handled by another invocation",
      eventId: "event-3",
    });
    expect(r.calls).toEqual(["parse", "plan"]);
  });

  it("what parse or plan ignores never asks for a key", async () => {
    const { root: r, idempotency } = keyedRoot();
    await keyed().handle(r, event(-1));
    await keyed().handle(r, event(0));
    expect(idempotency.asked).toEqual([]);
  });

  it("steps without a key never use the root's idempotency", async () => {
    const { root: r, idempotency } = keyedRoot();
    expect(await steps().handle(r, event(1))).toMatchObject({ outcome: "handled" });
    expect(idempotency.asked).toEqual([]);
  });

  it("a key without idempotency on the root is a wiring bug: the invocation fails before acting", async () => {
    const r = root();
    await expect(keyed().handle(r, event(1))).rejects.toThrow(
      "testFunction names an idempotency key, but its root has no idempotency",
    );
    expect(r.calls).toEqual(["parse", "plan"]);
  });
});
