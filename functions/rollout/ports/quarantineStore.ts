// Port: the stage-wide quarantine. A digest that failed (rolled back after a failed rollout or an
// alarm in its bake window) is never rolled out again automatically by any function of the stage,
// to any cluster it manages, even to a Deployment deleted and created again: the ledger
// annotation only speaks for the one Deployment it sits on. Implemented over the stage's state
// table (provider/dynamodb/quarantineTable.ts); entries never expire.

export interface QuarantineEntry {
  /** The ECR registry (account id) of the image. */
  registryId: string;
  repositoryName: string;
  /** sha256:… */
  digest: string;
  /** Why it failed, as the rollback said it. */
  reason: string;
  /** `<cluster>/<namespace>/<name>` of the Deployment it failed on. */
  deployment: string;
  /** When it was quarantined. */
  at: Date;
}

export interface QuarantineStore {
  isQuarantined(registryId: string, repositoryName: string, digest: string): Promise<boolean>;
  /** Idempotent: the first entry for a digest is kept, so it keeps naming the first failure. */
  quarantine(entry: QuarantineEntry): Promise<void>;
  /** Every quarantined digest of one repository. */
  list(registryId: string, repositoryName: string): Promise<QuarantineEntry[]>;
  /** An operator releases a digest: the entry removed, returned (why it was quarantined), if any. */
  release(registryId: string, repositoryName: string, digest: string): Promise<QuarantineEntry | undefined>;
}
