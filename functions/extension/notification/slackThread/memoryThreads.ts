// ReleaseThreadStore in memory: local mode without a state table (threads last as long as the
// process), and the unit tests of the thread sink. Same conditional semantics as the table.
import type { ReleaseKeyRecord, ReleaseThread, ReleaseThreadStore } from "../../../types/releaseThreads.js";

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryReleaseThreads implements ReleaseThreadStore {
  readonly aliases = new Map<string, string>();
  /** `<key>\0<channel>` → the stored thread. */
  readonly threads = new Map<string, ReleaseThread>();
  #used = false;

  /** `onFirstUse`: said once, when a release's thread is first looked for (e.g. a warning). */
  constructor(private readonly onFirstUse?: () => void) {}

  async lookup(key: string): Promise<ReleaseKeyRecord> {
    if (!this.#used) {
      this.#used = true;
      this.onFirstUse?.();
    }
    const alias = this.aliases.get(key);
    const channels = [...this.threads.values()]
      .filter((thread) => thread.key === key)
      .map((thread) => thread.channel);
    return { ...(alias !== undefined && { alias }), channels };
  }

  async alias(from: string, to: string): Promise<boolean> {
    if (this.aliases.has(from) || [...this.threads.values()].some((thread) => thread.key === from))
      return false;
    this.aliases.set(from, to);
    return true;
  }

  async get(key: string, channel: string): Promise<ReleaseThread | undefined> {
    const thread = this.threads.get(`${key}\u0000${channel}`);
    return thread && copy(thread);
  }

  async put(thread: ReleaseThread, expectedVersion: number): Promise<boolean> {
    const id = `${thread.key}\u0000${thread.channel}`;
    const stored = this.threads.get(id);
    if ((stored?.version ?? 0) !== expectedVersion) return false;
    this.threads.set(id, { ...copy(thread), version: expectedVersion + 1 });
    return true;
  }
}
