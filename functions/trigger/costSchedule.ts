// The events reportCost runs on: the hourly EventBridge schedule (any Scheduled Event, whose
// content carries no instruction) and the weekly one, whose rule passes the constant input
// { "notifyAdvice": true } (a bare payload, no envelope) so that the savings advice also goes to
// the notification sinks.
import * as z from "zod";
import { deliveryOf, parseWith, scheduleInput } from "./envelopes.js";

const costScheduleSchema = scheduleInput({ notifyAdvice: z.boolean().optional() });

export interface CostRun {
  notifyAdvice: boolean;
  /** The scheduled event's id; the weekly run's bare input has none. */
  eventId?: string;
}

/** Throws InvalidEventError for a non-object or a notifyAdvice that is not a boolean. */
export function parseCostSchedule(event: unknown): CostRun {
  const input = parseWith(costScheduleSchema, event ?? {}, "not a reportCost schedule event");
  const delivery = deliveryOf(event);
  return {
    notifyAdvice: input.notifyAdvice === true,
    ...(delivery.via !== "direct" && { eventId: delivery.eventId }),
  };
}
