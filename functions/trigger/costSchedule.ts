// The events reportCost runs on: the hourly EventBridge schedule (any Scheduled Event, whose
// content carries no instruction) and the weekly one, whose rule passes the constant input
// { "notifyAdvice": true } so that the savings advice also goes to the notification sinks.
import * as z from "zod";
import { InvalidEventError } from "../types/errors.js";

const costScheduleSchema = z.looseObject({ notifyAdvice: z.boolean().optional() });

export interface CostRun {
  notifyAdvice: boolean;
}

/** Throws InvalidEventError for a non-object or a notifyAdvice that is not a boolean. */
export function parseCostSchedule(event: unknown): CostRun {
  const parsed = costScheduleSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(event)"}: ${issue.message}`,
    );
    throw new InvalidEventError(`not a reportCost schedule event: ${issues.join("; ")}`, issues);
  }
  return { notifyAdvice: parsed.data.notifyAdvice === true };
}
