// A value loaded from the database and reused while it is young enough. The age of a value is
// measured from the moment its query STARTED, so a served value never reflects the database as it
// was more than `boundMs` ago (provided a query itself takes less than the bound).
//   age < bound/2        -> serve it
//   bound/2 <= age < bound -> serve it and refresh in the background (stale-while-revalidate)
//   age >= bound or none -> wait for a refresh
// Refreshes are single-flight: concurrent callers share one query.
//
// Keep-warm: refreshes triggered only by requests leave the value to expire whenever requests
// pause for longer than the bound, and the first requests after the pause all wait for a full
// query (at 1M tokens under load 0.2-0.6 s, the whole p99 of a busy report). So while the value
// is in demand (asked for within the last `keepWarmMs`) a timer also starts the refresh at age
// bound/2, whether requests come or not: requests then only wait for the very first load, after
// a load failed, or after the value went unused for `keepWarmMs`.
import { singleFlight } from "../singleFlight.js";

interface Entry<T> {
  value: T;
  startedAt: number;
}

export interface GetOptions {
  /** false for a reader that should not keep the value warm by itself (a periodic log line). */
  demand?: boolean;
}

export class FreshCache<T> {
  private current: Entry<T> | undefined;
  private readonly refresh: () => Promise<Entry<T>>;
  private lastDemandAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `keepWarmMs` 0 (the default) refreshes only when asked. */
  constructor(
    load: () => Promise<T>,
    private readonly boundMs: number,
    private readonly onBackgroundError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly keepWarmMs = 0,
  ) {
    this.refresh = singleFlight(async () => {
      const startedAt = this.now();
      const entry = { value: await load(), startedAt };
      this.current = entry;
      return entry;
    });
  }

  async get({ demand = true }: GetOptions = {}): Promise<T> {
    if (demand) this.lastDemandAt = this.now();
    const current = this.current;
    if (current !== undefined) {
      const age = this.now() - current.startedAt;
      if (age < this.boundMs) {
        if (age >= this.boundMs / 2) this.refresh().catch(this.onBackgroundError);
        if (demand) this.keepWarm();
        return current.value;
      }
    }
    const { value } = await this.refresh();
    if (demand) this.keepWarm();
    return value;
  }

  /** Stops the keep-warm timer for good (shutdown); get() still works, on demand only. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Makes sure a timer will start the next refresh when the current value reaches half the bound. */
  private keepWarm(): void {
    if (this.keepWarmMs <= 0 || this.closed || this.timer !== undefined || this.current === undefined) return;
    const due = Math.max(0, this.current.startedAt + this.boundMs / 2 - this.now());
    this.timer = setTimeout(() => this.onTimer(), due);
    // The timer never keeps the process alive: shutdown needs no help from it.
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.closed || this.now() - this.lastDemandAt >= this.keepWarmMs) return; // no longer in demand
    const current = this.current;
    if (current !== undefined && this.now() - current.startedAt < this.boundMs / 2) {
      this.keepWarm(); // a request-triggered refresh came first: wait for the new value's half bound
      return;
    }
    // After a failure no timer is set: the next request waits for (or shares) a refresh and re-arms it.
    this.refresh().then(
      () => this.keepWarm(),
      (error: unknown) => this.onBackgroundError(error),
    );
  }
}
