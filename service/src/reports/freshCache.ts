// A value loaded from the database and reused while it is young enough. The age of a value is
// measured from the moment its query STARTED, so a served value never reflects the database as it
// was more than `boundMs` ago (provided a query itself takes less than the bound).
//   age < bound/2        -> serve it
//   bound/2 <= age < bound -> serve it and refresh in the background (stale-while-revalidate)
//   age >= bound or none -> wait for a refresh
// Refreshes are single-flight: concurrent callers share one query.
import { singleFlight } from "../singleFlight.js";

interface Entry<T> {
  value: T;
  startedAt: number;
}

export class FreshCache<T> {
  private current: Entry<T> | undefined;
  private readonly refresh: () => Promise<Entry<T>>;

  constructor(
    load: () => Promise<T>,
    private readonly boundMs: number,
    private readonly onBackgroundError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.refresh = singleFlight(async () => {
      const startedAt = this.now();
      const entry = { value: await load(), startedAt };
      this.current = entry;
      return entry;
    });
  }

  async get(): Promise<T> {
    const current = this.current;
    if (current !== undefined) {
      const age = this.now() - current.startedAt;
      if (age < this.boundMs) {
        if (age >= this.boundMs / 2) this.refresh().catch(this.onBackgroundError);
        return current.value;
      }
    }
    return (await this.refresh()).value;
  }
}
