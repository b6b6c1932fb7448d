import type { Pool } from "pg";
import { countTokens } from "../reports/queries.js";
import { singleFlight } from "../singleFlight.js";

/** True when the database answers the Flask service's readiness query; concurrent probes share one query. */
export function createReadinessCheck(db: Pool): () => Promise<boolean> {
  const probe = singleFlight(() => countTokens(db));
  return () =>
    probe().then(
      () => true,
      () => false,
    );
}
