// The handled result of a function (functions/lambda/handler.ts), for tests that read its detail:
// an ignored or rejected event fails the test with the reason.
import type { HandlerResult } from "../../functions/lambda/handler.js";

export function handled<D extends object>(
  result: HandlerResult<D>,
): { outcome: "handled"; eventId?: string } & D {
  if (result.outcome !== "handled") {
    throw new Error(`expected the event to be handled, but it was ${result.outcome}: ${result.reason}`);
  }
  return result;
}
