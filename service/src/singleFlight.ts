/**
 * Wraps an async job so that overlapping callers share one run: a caller arriving while a run is
 * in flight gets that run's promise instead of starting another. This is what keeps a burst of
 * requests from stacking identical queries on the database.
 */
export function singleFlight<T>(job: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= job().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
