// The one handler skeleton every Lambda function uses. A function is four steps and a composition
// root; the skeleton does everything around them, the same way for all seven functions:
//
//   const steps = defineHandler(
//     {
//       name: "onPipelineEvent",                  // the function's name: metric dimension, logs
//       parse: (event, root) => ...,              // the event → the input, or ignore(reason, eventId);
//                                                 //   throws InvalidEventError to reject (functions/trigger/)
//       plan: async (input, root, invocation) => ..., // reads and decides → the plan, or ignore(reason)
//       act: async (plan, root, invocation) => ...,   // the writes → what happened
//       report: (outcome, root, invocation) => ...,   // metrics, notifications, a log line → the detail
//       eventId: (input) => input.eventId,        // optional: the event id for the result and logs
//       idempotencyKey: (plan) => plan.outcomeKey, // optional: act + report once per key (below)
//     },
//     composePipelineEvent,                       // the wiring: () => root, once per cold start
//   );
//   export const handler = steps.handler;          // serverless.yml: functions/handlers/<name>/handler.handler
//   // tests: steps.handle(root, event, context?) with a root they composed themselves
//
// Around the steps, per invocation:
// - the Lambda context goes to the logger (Powertools `logger.addContext`: request id, cold-start
//   flag, function name/ARN on every line; middy is not a dependency, so not injectLambdaContext);
// - `ColdStart` (Count, { Function: name }) is recorded on the first invocation of a root, which
//   `handler` composes once per cold start;
// - an Ignored (from parse or plan) is logged as "event ignored" { reason, eventId } and returned
//   as { outcome: "ignored", reason, eventId };
// - an InvalidEventError (from any step; the parsers throw it) is logged as "event rejected"
//   { reason, field, issues }, counted as `RejectedEvents` (Count, { Function: name }) and returned
//   as { outcome: "rejected", reason, field }: never retried, a retry would fail the same way;
// - what report returns is the result's detail: { outcome: "handled", eventId, ...detail } (so the
//   detail must not have `outcome` or `eventId` keys of its own);
// - metrics are flushed in exactly one place, a finally: after the result, and also after an
//   unexpected error, which then propagates (EventBridge's retry policy, then the DLQ). A failed
//   flush is logged ("metrics flush failed") and never fails the invocation.
//
// Once per key (`idempotencyKey`): two deliveries of one event are identical, so nothing inside
// one invocation can tell the first from the second; something both can see must decide. When the
// steps name a key for a plan, act and report run through the root's `idempotency` (the stage's
// state table, functions/lambda/idempotency.ts), and only for plans: what parse and plan ignore is
// decided afresh on every delivery, so a stale event is never remembered as an answer.
// - the first invocation with a key runs act and report, and its detail is stored;
// - a later one (the work done) returns that stored detail as its result, without act or report,
//   and logs "duplicate delivery" { key, eventId };
// - one that arrives while another does the work is ignored: "duplicate delivery: <key> is being
//   handled by another invocation" (if that one fails, its own retry does the work);
// - if act or report throws, the key is released before the error propagates, so the retry does
//   the work in full.
//
// A function whose outcome must not stand without its metrics flushes them itself inside act and
// lets that failure propagate (onPipelineEvent: the metrics are the outcome it reports once, so a
// failed flush releases its key and throws, and EventBridge's retry reports it in full). The
// skeleton's flush then sends only what was recorded after (e.g. a notifier's failure count).
//
// Ignored is recognised by shape (an `ignored` string): an input or a plan must not carry a
// string property named `ignored`.
import type { Context } from "aws-lambda";
import type { Logger } from "../shared/logger.js";
import { InvalidEventError } from "../types/errors.js";
import { Metric } from "../types/metricNames.js";
import type { MetricsRecorder } from "../types/metricsRecorder.js";

/** An event this function does not act on, and why. Build it with `ignore`. */
export type Ignored = { ignored: string; eventId?: string };

export const ignore = (reason: string, eventId?: string): Ignored =>
  eventId === undefined ? { ignored: reason } : { ignored: reason, eventId };

export function isIgnored(value: unknown): value is Ignored {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { ignored?: unknown }).ignored === "string"
  );
}

/** What every function returns (and `npm run invoke` prints). */
export type HandlerResult<D extends object> =
  | ({ outcome: "handled"; eventId?: string } & D)
  | { outcome: "ignored"; reason: string; eventId?: string }
  | { outcome: "rejected"; reason: string; field?: string };

/** What the skeleton needs from every composition root. */
export interface HandlerRoot {
  logger: Logger;
  metrics: MetricsRecorder;
  /** Required when the steps name an `idempotencyKey`: where keys are remembered. */
  idempotency?: Idempotency;
}

/** What `Idempotency.once` did with the work. */
export type Once<T> =
  /** This invocation did the work; `value` is its result. */
  | { kind: "ran"; value: T }
  /** An earlier invocation did it; `value` is the result it stored. */
  | { kind: "replayed"; value: T }
  /** Another invocation is doing it right now. */
  | { kind: "in-progress" };

/** Remembers which keys' work was done (functions/lambda/idempotency.ts). */
export interface Idempotency {
  /**
   * Runs `work` unless an invocation did it, or is doing it, for the same key. Its result is kept
   * as JSON, and `value` is always that JSON (for the invocation that ran the work too), so a
   * replay returns exactly what the first invocation returned. If `work` throws, the key is
   * released and the error propagates. `remainingMs` bounds how long an unfinished key blocks the
   * others: the invocation's deadline, after which a retry may do the work.
   */
  once<T extends object>(key: string, work: () => Promise<T>, remainingMs: () => number): Promise<Once<T>>;
}

export interface Invocation {
  context?: Context;
  /** Date.now() when the invocation started. */
  startedAt: number;
  /** ms left, Infinity without a context */
  remainingMs(): number;
}

export interface HandlerSteps<R extends HandlerRoot, In, P, Out, D extends object> {
  /** The function's name: the `Function` dimension of RejectedEvents and ColdStart. */
  name: string;
  /** Throws InvalidEventError to reject. */
  parse(event: unknown, root: R): In | Ignored;
  plan(input: In, root: R, invocation: Invocation): Promise<P | Ignored> | P | Ignored;
  act(plan: P, root: R, invocation: Invocation): Promise<Out>;
  /** Metrics, notifications, the log line; returns the result's detail. */
  report(outcome: Out, root: R, invocation: Invocation): Promise<D> | D;
  /** The event id, for the handled result and for a plan's Ignored that names none. */
  eventId?(input: In): string | undefined;
  /**
   * The key of the work act and report do for this plan: two invocations whose plans have the same
   * key do it once (see "Once per key" above). Needs `idempotency` on the root.
   */
  idempotencyKey?(plan: P): string;
}

export interface DefinedHandler<R extends HandlerRoot, D extends object> {
  /** The Lambda export: composes the root once per cold start. */
  handler(event: unknown, context?: Context): Promise<HandlerResult<D>>;
  /** One invocation with the given root (tests compose their own). */
  handle(root: R, event: unknown, context?: Context): Promise<HandlerResult<D>>;
}

export function defineHandler<R extends HandlerRoot, In, P, Out, D extends object>(
  steps: HandlerSteps<R, In, P, Out, D>,
  compose: () => R,
): DefinedHandler<R, D> {
  /** Roots that have run an invocation: the next one with the same root is warm. */
  const warm = new WeakSet<R>();
  let composed: R | undefined;

  const ignored = (root: R, verdict: Ignored, eventId?: string): HandlerResult<D> => {
    const id = verdict.eventId ?? eventId;
    root.logger.info("event ignored", { reason: verdict.ignored, eventId: id });
    return { outcome: "ignored", reason: verdict.ignored, ...(id !== undefined && { eventId: id }) };
  };

  const run = async (root: R, event: unknown, invocation: Invocation): Promise<HandlerResult<D>> => {
    const input = steps.parse(event, root);
    if (isIgnored(input)) return ignored(root, input);
    const eventId = steps.eventId?.(input);
    const plan = await steps.plan(input, root, invocation);
    if (isIgnored(plan)) return ignored(root, plan, eventId);
    const work = async (): Promise<D> =>
      steps.report(await steps.act(plan, root, invocation), root, invocation);
    let detail: D;
    const key = steps.idempotencyKey?.(plan);
    if (key === undefined) {
      detail = await work();
    } else {
      if (!root.idempotency) {
        throw new Error(`${steps.name} names an idempotency key, but its root has no idempotency`);
      }
      const once = await root.idempotency.once(key, work, invocation.remainingMs);
      if (once.kind === "in-progress") {
        return ignored(
          root,
          ignore(`duplicate delivery: ${key} is being handled by another invocation`),
          eventId,
        );
      }
      if (once.kind === "replayed") {
        root.logger.info("duplicate delivery: the stored result is returned", { key, eventId });
      }
      detail = once.value;
    }
    const result = { outcome: "handled", ...(eventId !== undefined && { eventId }), ...detail };
    // A detail that carried a field named `outcome` must not change what the invocation says.
    result.outcome = "handled";
    return result as HandlerResult<D>;
  };

  const handle = async (root: R, event: unknown, context?: Context): Promise<HandlerResult<D>> => {
    const { logger, metrics } = root;
    const invocation: Invocation = {
      ...(context && { context }),
      startedAt: Date.now(),
      remainingMs: () => (context ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY),
    };
    if (context) logger.addContext(context);
    if (!warm.has(root)) {
      warm.add(root);
      metrics.add(Metric.ColdStart, "Count", 1, { Function: steps.name });
    }
    try {
      return await run(root, event, invocation);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      logger.warn("event rejected", { reason: error.message, field: error.field, issues: error.issues });
      metrics.add(Metric.RejectedEvents, "Count", 1, { Function: steps.name });
      return {
        outcome: "rejected",
        reason: error.message,
        ...(error.field !== undefined && { field: error.field }),
      };
    } finally {
      // The one flush. A lost data point is logged; the invocation's result (or error) stands.
      try {
        await metrics.flush();
      } catch (error) {
        logger.error("metrics flush failed", { error });
      }
    }
  };

  const handler = async (event: unknown, context?: Context): Promise<HandlerResult<D>> => {
    composed ??= compose();
    return handle(composed, event, context);
  };

  return { handler, handle };
}
