// Applies rollout and rollback plans to one Deployment: the shared "act" step of onImagePush,
// reconcile and the alarm handler, so there is exactly one implementation of each. It acts and
// says what happened (outcome.ts); report.ts turns that into metrics and notifications.
// Every write is planned from a fresh read and guarded by its resourceVersion; on 409 the
// Deployment is re-read and re-planned, which is what makes duplicate deliveries harmless: the
// losers see the winner's write and skip. Only the invocation whose write landed is the writer.

import type { Logger } from "../shared/logger.js";
import { ConflictError } from "../types/errors.js";
import { ecrRepositoryUri, parseEcrRepositoryUri, parseImageReference } from "./imageReference.js";
import { type RolloutRecord, tryReadLedger } from "./ledger.js";
import { type DeploymentPatch, type DeploymentState, deploymentKey } from "./model.js";
import {
  type CostInputs,
  deploymentRef,
  type FollowedRollout,
  type Landed,
  type Patched,
  type Refused,
  type RolledBack,
  type RolloutEnding,
  type Skipped,
} from "./outcome.js";
import {
  type ImageCandidate,
  imageLabel,
  type OwnRegistry,
  type Progress,
  planCompletion,
  planFailureRecord,
  planRollback,
  planRollout,
  readOptIn,
  rolloutProgress,
} from "./plan.js";
import type { DeploymentApi } from "./ports/deploymentApi.js";
import type { ImageRegistry } from "./ports/imageRegistry.js";
import type { QuarantineStore } from "./ports/quarantineStore.js";

/** Re-plans after a 409 before giving up; each one means someone else wrote in between. */
export const MAX_REPLANS = 5;

export interface InvocationClock {
  /** epoch ms the invocation started: event-to-patch latency is measured from here. */
  startedAt: number;
  /** epoch ms after which nothing more is watched; the reconciler finishes the rest. */
  deadline: number;
}

export interface ExecutorDependencies {
  /** ECR of one account: the running image's imagePushedAt before a Deployment's first rollout. */
  registry: (account: string) => ImageRegistry;
  /** Only for the re-plan trace; what happened is reported from the outcomes. */
  logger: Pick<Logger, "info">;
  ownRegistry: OwnRegistry;
  /** The stage-wide quarantine: a rollback records its digest here before its ledger write. */
  quarantine: QuarantineStore;
}

/** A rollout this invocation wrote, ready to be followed. */
export interface StartedRollout {
  api: DeploymentApi;
  written: DeploymentState;
  record: RolloutRecord;
  patched: Patched;
}

type Planned<D> = { decision: D; written: DeploymentState } | { decision: D; written?: undefined };

/** How a watch ended: the rollout's own progress, someone else's record took its place, or the ledger became unreadable. */
type Watched = {
  progress: Progress | { state: "superseded" } | { state: "refused"; refusal: Refused["refusal"] };
  current: DeploymentState;
};

function costInputs(record: RolloutRecord, current: DeploymentState): CostInputs {
  return { replicas: current.desiredReplicas, before: record.fromRequests, after: current.podRequests };
}

/** The first container's image of a record's side, as results and notifications show it. */
function firstImageLabel(images: Record<string, string>): string {
  return imageLabel(Object.values(images)[0] ?? "");
}

function refused(
  deployment: DeploymentState,
  step: Refused["step"],
  reason: string,
  refusal: Refused["refusal"],
): Refused {
  return { ...deploymentRef(deployment), kind: "refused", step, reason, refusal };
}

export class RolloutExecutor {
  constructor(private readonly deps: ExecutorDependencies) {}

  /** Rolls `candidate` out to one Deployment if its plan says so, then follows it to its end. */
  async rollOut(
    api: DeploymentApi,
    deployment: DeploymentState,
    candidate: ImageCandidate,
    clock: InvocationClock,
  ): Promise<FollowedRollout | Skipped | Refused> {
    const started = await this.start(api, deployment, candidate, clock);
    return "record" in started ? this.follow(started, clock) : started;
  }

  /** Plans and writes the rollout; a skip comes back as its outcome. Fan-out patches all first. */
  async start(
    api: DeploymentApi,
    deployment: DeploymentState,
    candidate: ImageCandidate,
    clock: InvocationClock,
  ): Promise<StartedRollout | Skipped | Refused> {
    const runningPushedAt = await this.#runningPushedAt(deployment, candidate);
    const { decision, written } = await this.#writePlanned(api, deployment, (current) => {
      const planned = planRollout(candidate, current, this.deps.ownRegistry, new Date(), runningPushedAt);
      return { decision: planned, patch: planned.action === "patch" ? planned.patch : undefined };
    });
    if (decision.action === "refuse") {
      const image = `${candidate.repositoryName}:${candidate.tag}`;
      return refused(deployment, "rollout", `no rollout of ${image}`, decision.refusal);
    }
    if (decision.action === "skip" || written === undefined) {
      const reason = decision.action === "skip" ? decision.reason : "nothing to write";
      return { ...deploymentRef(deployment), kind: "skipped", step: "rollout", reason };
    }
    const patched = {
      eventToPatchMs: Date.now() - clock.startedAt,
      resourceVersion: written.resourceVersion,
    };
    return { api, written, record: decision.record, patched };
  }

  /**
   * Watches a started rollout to its end (or the deadline), then completes or rolls it back.
   * `landed` learns of a rollback written on the way, should a later step throw.
   */
  async follow(
    started: StartedRollout,
    clock: InvocationClock,
    landed: Landed = {},
  ): Promise<FollowedRollout> {
    const followed = await this.#follow(started.api, started.written, started.record, clock, landed);
    return { ...followed, patched: started.patched };
  }

  /** The reconciler's half: follows a rollout an earlier invocation left in progress. */
  async finish(
    api: DeploymentApi,
    deployment: DeploymentState,
    clock: InvocationClock,
    landed: Landed = {},
  ): Promise<FollowedRollout | Skipped | Refused> {
    const read = tryReadLedger(deployment.annotations);
    if (!read.ok) return refused(deployment, "finish", "rollout in progress not followed", read.refusal);
    const record = read.ledger.rollout;
    if (record?.phase !== "progressing") {
      return {
        ...deploymentRef(deployment),
        kind: "skipped",
        step: "finish",
        reason: "no rollout in progress",
      };
    }
    return this.#follow(api, deployment, record, clock, landed);
  }

  /**
   * Returns a Deployment to its last known-good image and quarantines the digest it ran, for a
   * failed rollout or an alarm inside the bake window. Skips (with the reason) when there is
   * nothing the product may roll back.
   */
  async rollBack(
    api: DeploymentApi,
    namespace: string,
    name: string,
    reason: string,
    clock: InvocationClock,
    landed: Landed = {},
  ): Promise<RolledBack | Skipped | Refused> {
    return this.#rollBack(api, await api.get(namespace, name), reason, clock, landed);
  }

  async #follow(
    api: DeploymentApi,
    deployment: DeploymentState,
    record: RolloutRecord,
    clock: InvocationClock,
    landed: Landed,
  ): Promise<FollowedRollout> {
    const followed = {
      ...deploymentRef(deployment),
      kind: "rollout" as const,
      record,
      from: firstImageLabel(record.from),
      to: firstImageLabel(record.to),
    };
    const ended = await this.#watchRollout(api, deployment, record, clock);
    const durationMs = Date.now() - Date.parse(record.startedAt);
    if (ended === undefined) return { ...followed, ending: { state: "in_progress", durationMs } };
    const { progress, current } = ended;
    switch (progress.state) {
      case "superseded":
        return { ...followed, ending: { state: "superseded", durationMs } };
      case "refused":
        return {
          ...followed,
          ending: {
            state: "refused",
            durationMs,
            reason: "the rollout's ledger became unreadable while it was watched; not followed",
            refusal: progress.refusal,
          },
        };
      case "complete":
        return { ...followed, ending: await this.#complete(api, current, record, durationMs) };
      default: {
        const reason = progress.state === "failed" ? progress.reason : "rollout failed";
        // Whether to roll back is the operator's setting: unreadable, nothing is decided for them.
        const optIn = readOptIn(current);
        if (!optIn.ok) {
          return {
            ...followed,
            ending: {
              state: "refused",
              durationMs,
              reason: `rollout failed (${reason}); neither rolled back nor marked failed`,
              refusal: optIn.refusal,
            },
          };
        }
        const ending = optIn.settings.autoRollback
          ? {
              state: "rolled_back" as const,
              durationMs,
              reason,
              rollback: await this.#rollBack(api, current, reason, clock, landed),
            }
          : await this.#markFailed(api, current, record, reason, durationMs);
        return { ...followed, ending };
      }
    }
  }

  /** Until the rollout completes or fails, someone else's record replaces it, or the deadline. */
  #watchRollout(
    api: DeploymentApi,
    deployment: DeploymentState,
    record: RolloutRecord,
    clock: InvocationClock,
  ): Promise<Watched | undefined> {
    const generation = record.generation ?? deployment.generation;
    return api.watch(
      deployment,
      (current): Watched | undefined => {
        const read = tryReadLedger(current.annotations);
        if (!read.ok) return { progress: { state: "refused", refusal: read.refusal }, current };
        if (read.ledger.rollout?.digest !== record.digest)
          return { progress: { state: "superseded" }, current };
        const progress = rolloutProgress(current, generation);
        return progress.state === "progressing" ? undefined : { progress, current };
      },
      clock.deadline - Date.now(),
    );
  }

  /** Records the completion (the bake window starts); only the invocation that writes it is the writer. */
  async #complete(
    api: DeploymentApi,
    current: DeploymentState,
    record: RolloutRecord,
    durationMs: number,
  ): Promise<RolloutEnding> {
    const { written } = await this.#writePlanned(api, current, (latest) => ({
      decision: undefined,
      patch: planCompletion(latest, record.digest, new Date()),
    }));
    return {
      state: "succeeded",
      durationMs,
      writer: written !== undefined,
      endedAt: Date.now(),
      cost: costInputs(record, current),
    };
  }

  /** Auto-rollback is off: the record says failed, the image stays. */
  async #markFailed(
    api: DeploymentApi,
    current: DeploymentState,
    record: RolloutRecord,
    reason: string,
    durationMs: number,
  ): Promise<RolloutEnding> {
    const { written } = await this.#writePlanned(api, current, (latest) => ({
      decision: undefined,
      patch: planFailureRecord(latest, record.digest),
    }));
    return {
      state: "failed",
      durationMs,
      reason,
      writer: written !== undefined,
      cost: costInputs(record, current),
    };
  }

  async #rollBack(
    api: DeploymentApi,
    deployment: DeploymentState,
    reason: string,
    clock: InvocationClock,
    landed: Landed,
  ): Promise<RolledBack | Skipped | Refused> {
    const restoreStartedAt = Date.now();
    let quarantineError: string | undefined;
    const quarantined = new Set<string>();
    const { decision, written } = await this.#writePlanned(
      api,
      deployment,
      (current) => {
        const planned = planRollback(current, reason, new Date());
        return { decision: planned, patch: planned.action === "rollback" ? planned.patch : undefined };
      },
      // The stage-wide quarantine first: should the invocation end between the two writes, the
      // digest stays quarantined. A table that cannot be written does not stop the rollback.
      async (planned) => {
        if (planned.action !== "rollback" || quarantined.has(planned.record.digest)) return;
        quarantined.add(planned.record.digest);
        try {
          await this.#quarantine(deployment, planned.record, reason);
          quarantineError = undefined;
        } catch (error) {
          quarantineError = (error as Error).message;
        }
      },
    );
    if (decision.action === "refuse") {
      return refused(deployment, "rollback", "no rollback", decision.refusal);
    }
    if (decision.action === "skip" || written === undefined) {
      const why = decision.action === "skip" ? decision.reason : "nothing to write";
      return { ...deploymentRef(deployment), kind: "skipped", step: "rollback", reason: why };
    }
    landed.rolledBack = true;
    const restored = await api.watch(
      written,
      (current) => (rolloutProgress(current, written.generation).state === "complete" ? true : undefined),
      clock.deadline - Date.now(),
    );
    return {
      ...deploymentRef(deployment),
      kind: "rolled_back",
      writer: true,
      reason,
      record: decision.record,
      from: decision.from,
      to: decision.to,
      durationMs: Date.now() - restoreStartedAt,
      restored: restored === true,
      cost: costInputs(decision.record, written),
      ...(quarantineError !== undefined ? { quarantineError } : {}),
    };
  }

  /** Records the failed digest for every cluster of the stage (the state table). */
  async #quarantine(deployment: DeploymentState, record: RolloutRecord, reason: string): Promise<void> {
    const ecr = parseEcrRepositoryUri(record.repository);
    if (ecr === undefined) return;
    await this.deps.quarantine.quarantine({
      registryId: ecr.account,
      repositoryName: ecr.repositoryName,
      digest: record.digest,
      reason,
      deployment: deploymentKey(deployment),
      at: new Date(),
    });
  }

  /** Only needed while the ledger has no pushed-at; only possible for a digest-pinned image. */
  async #runningPushedAt(deployment: DeploymentState, candidate: ImageCandidate): Promise<Date | undefined> {
    const read = tryReadLedger(deployment.annotations);
    // Unreadable: the plan refuses before any floor matters.
    if (!read.ok || read.ledger.pushedAt) return undefined;
    const repository = ecrRepositoryUri(candidate.account, candidate.region, candidate.repositoryName);
    const running = deployment.containers
      .map((container) => parseImageReference(container.image))
      .find((reference) => reference.repository === repository && reference.digest !== undefined);
    if (running?.digest === undefined || running.digest === candidate.digest) return undefined;
    const image = await this.deps
      .registry(candidate.account)
      .describeImage(candidate.repositoryName, running.digest);
    return image?.pushedAt;
  }

  /**
   * Plans against the freshest state and writes with its resourceVersion; on 409, re-reads and
   * re-plans. `written` is set only when this invocation's write landed.
   */
  async #writePlanned<D>(
    api: DeploymentApi,
    deployment: DeploymentState,
    plan: (current: DeploymentState) => { decision: D; patch: DeploymentPatch | undefined },
    /** Runs before each write attempt, once its plan is known (e.g. the stage-wide quarantine). */
    beforeWrite?: (decision: D) => Promise<void>,
  ): Promise<Planned<D>> {
    let current = deployment;
    for (let attempt = 1; ; attempt++) {
      const { decision, patch } = plan(current);
      if (patch === undefined) return { decision };
      await beforeWrite?.(decision);
      try {
        return { decision, written: await api.patch(current.namespace, current.name, patch) };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_REPLANS) throw error;
        this.deps.logger.info("write conflict, re-planning", { deployment: deploymentKey(current), attempt });
        current = await api.get(current.namespace, current.name);
      }
    }
  }
}
