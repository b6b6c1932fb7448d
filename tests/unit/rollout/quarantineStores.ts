// QuarantineStore fakes for the rollout unit tests: an in-memory stage-wide quarantine that can
// be told to fail, and that records what the Deployment's ledger said when it was written to
// (so a test can prove the table is written before the ledger).
import type { QuarantineEntry, QuarantineStore } from "../../../functions/rollout/ports/quarantineStore.js";

export class InMemoryQuarantine implements QuarantineStore {
  readonly entries = new Map<string, QuarantineEntry>();
  /** Called before each write: a test's chance to observe the world at that moment, or to fail it. */
  onQuarantine: ((entry: QuarantineEntry) => void) | undefined;

  #key(registryId: string, repositoryName: string, digest: string): string {
    return `${registryId}/${repositoryName}@${digest}`;
  }

  async isQuarantined(registryId: string, repositoryName: string, digest: string): Promise<boolean> {
    return this.entries.has(this.#key(registryId, repositoryName, digest));
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    this.onQuarantine?.(entry);
    const key = this.#key(entry.registryId, entry.repositoryName, entry.digest);
    if (!this.entries.has(key)) this.entries.set(key, entry);
  }

  async release(
    registryId: string,
    repositoryName: string,
    digest: string,
  ): Promise<QuarantineEntry | undefined> {
    const key = this.#key(registryId, repositoryName, digest);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry;
  }

  async list(registryId: string, repositoryName: string): Promise<QuarantineEntry[]> {
    return [...this.entries.values()].filter(
      (entry) => entry.registryId === registryId && entry.repositoryName === repositoryName,
    );
  }
}
