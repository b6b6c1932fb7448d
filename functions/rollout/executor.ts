// Applies rollout and rollback plans to one Deployment: the shared "act" step of onImagePush,
// reconcile and the alarm handler, so there is exactly one implementation of each. It acts and
// says what happened (outcome.ts); report.ts turns that into metrics and notifications.
// Every write is planned from a fresh read and guarded by its resourceVersion; on 409 the
// Deployment is re-read and re-planned, which is what makes duplicate deliveries harmless: the
// losers see the winner's write and skip. Only the invocation whose write landed is the writer.

import type { Logger } from "../shared/logger.js";
import { backoffDelayMs } from "../shared/retry.js";
import { ConflictError } from "../types/errors.js";
import { pendingCandidate } from "./candidate.js";
import { planDrift } from "./drift.js";
import type { Approval, ScanFact } from "./gates/evaluate.js";
import { ecrRepositoryUri, parseEcrRepositoryUri, parseImageReference } from "./imageReference.js";
import { type RolloutRecord, tryReadLedger } from "./ledger.js";
import { type DeploymentPatch, type DeploymentState, deploymentKey } from "./model.js";
import {
  type Blocked,
  type CostInputs,
  type Drifted,
  deploymentRef,
  type FollowedRollout,
  type Held,
  type Landed,
  type Patched,
  type Refused,
  type RolledBack,
  type RolloutEnding,
  type Settled,
  type Skipped,
} from "./outcome.js";
import {
  describeHold,
  type ImageCandidate,
  imageLabel,
  type ManualRollback,
  type OwnRegistry,
  type Progress,
  planCompletion,
  planFailureRecord,
  planRejection,
  planRollback,
  planRollout,
  planUnquarantine,
  readOptIn,
  rolloutProgress,
} from "./plan.js";
import type { DeploymentApi } from "./ports/deploymentApi.js";
import type { ImageRegistry } from "./ports/imageRegistry.js";
import type { QuarantineStore } from "./ports/quarantineStore.js";
import type { ScanFacts } from "./ports/scanFacts.js";
import { countsAtSettle, planNotified, planSettle, type ReleaseKey } from "./settle.js";

/** Distinct running images whose push time is remembered; a new cold start forgets them anyway. */
const PUSHED_AT_CACHE_LIMIT = 1_000;

/** Re-plans after a 409 before giving up; each one means someone else wrote in between. */
export const MAX_REPLANS = 5;
/** Full-jitter pauses between re-plans: at most 50, 100, 200, 400 ms. */
const REPLAN_BACKOFF = { attempts: MAX_REPLANS, baseDelayMs: 50, maxDelayMs: 400 };
const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How long after its deadline an invocation may still be reporting (notifications with their
 * retries, for every Deployment): the lease an ending write takes on its notification. After it,
 * should the invocation have ended without recording the delivery, the reconciler re-sends.
 */
export const REPORT_LEASE_MS = 120_000;

function leaseUntil(clock: InvocationClock): Date {
  return new Date(clock.deadline + REPORT_LEASE_MS);
}

export interface InvocationClock {
  /** epoch ms the invocation started: event-to-patch latency is measured from here. */
  startedAt: number;
  /** epoch ms after which nothing more is watched; the reconciler finishes the rest. */
  deadline: number;
  /**
   * epoch ms after which no new work starts (the Lambda's remaining time minus the margin to
   * report); absent outside Lambda, where `deadline` bounds it too.
   */
  end?: number;
}

export interface ExecutorDependencies {
  /** ECR of one account: the running image's imagePushedAt before a Deployment's first rollout. */
  registry: (account: string) => ImageRegistry;
  /** Only for the re-plan trace; what happened is reported from the outcomes. */
  logger: Pick<Logger, "info">;
  ownRegistry: OwnRegistry;
  /** The stage-wide quarantine: a rollback records its digest here before its ledger write. */
  quarantine: QuarantineStore;
  /** The scan gate's facts; absent: no scan is known, so scan-gated rollouts wait and time out. */
  scans?: ScanFacts;
  /** Injected so tests re-plan without waiting; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
}

export interface StartOptions {
  /** An approver's decision, added to the held record before the gates are evaluated. */
  approval?: Approval;
  /** Whether a scan not recorded yet may be asked of the registry (the reconciler does). */
  askRegistry?: boolean;
}

/** A rollout this invocation wrote, ready to be followed. */
export interface StartedRollout {
  api: DeploymentApi;
  written: DeploymentState;
  record: RolloutRecord;
  patched: Patched;
  /** The baking release the PATCH replaced, settled as succeeded by it. */
  settled?: RolloutRecord;
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
  /** imagePushedAt per `<account>/<repository>@<digest>`, looked up once (see #runningPushedAt). */
  readonly #pushedAt = new Map<string, Promise<Date | undefined>>();

  constructor(private readonly deps: ExecutorDependencies) {}

  /** Rolls `candidate` out to one Deployment if its plan says so, then follows it to its end. */
  async rollOut(
    api: DeploymentApi,
    deployment: DeploymentState,
    candidate: ImageCandidate,
    clock: InvocationClock,
  ): Promise<FollowedRollout | Held | Blocked | Skipped | Refused> {
    const started = await this.start(api, deployment, candidate, clock);
    return "record" in started ? this.follow(started, clock) : started;
  }

  /** Plans and writes the rollout; a skip comes back as its outcome. Fan-out patches all first. */
  async start(
    api: DeploymentApi,
    deployment: DeploymentState,
    candidate: ImageCandidate,
    clock: InvocationClock,
    options: StartOptions = {},
  ): Promise<StartedRollout | Held | Blocked | Skipped | Refused> {
    const runningPushedAt = await this.#runningPushedAt(deployment, candidate);
    const approval = options.approval ? { approval: options.approval } : {};
    // The scan is looked up only when the plan without it waits for it (or would time out
    // without it): a Deployment already running the candidate, or one whose scan gate is off,
    // costs no lookup.
    const unscanned = planRollout(
      candidate,
      deployment,
      this.deps.ownRegistry,
      new Date(),
      runningPushedAt,
      approval,
    );
    const waitsForScan =
      (unscanned.action === "hold" && unscanned.pending?.gate === "scan") ||
      (unscanned.action === "block" && unscanned.cause === "scan-timeout");
    const scan = waitsForScan
      ? await this.#scanFact(deployment, candidate, options.askRegistry === true)
      : undefined;
    const facts = { ...(scan ? { scan } : {}), ...approval };
    let quarantineError: string | undefined;
    const quarantined = new Set<string>();
    const { decision, written } = await this.#writePlanned(
      api,
      deployment,
      (current) => {
        const planned = planRollout(
          candidate,
          current,
          this.deps.ownRegistry,
          new Date(),
          runningPushedAt,
          facts,
        );
        return {
          decision: planned,
          patch:
            planned.action === "patch" || planned.action === "hold" || planned.action === "block"
              ? planned.patch
              : undefined,
        };
      },
      // A scan finding quarantines the digest for the whole stage, before the ledger write.
      async (planned) => {
        if (planned.action !== "block" || planned.cause !== "scan" || quarantined.has(candidate.digest))
          return;
        quarantined.add(candidate.digest);
        try {
          await this.deps.quarantine.quarantine({
            registryId: candidate.account,
            repositoryName: candidate.repositoryName,
            digest: candidate.digest,
            reason: `scan: ${planned.reason}`,
            deployment: deploymentKey(deployment),
            at: new Date(),
          });
        } catch (error) {
          quarantineError = (error as Error).message;
        }
      },
    );
    if (decision.action === "refuse") {
      const image = `${candidate.repositoryName}:${candidate.tag}`;
      return refused(deployment, "rollout", `no rollout of ${image}`, decision.refusal);
    }
    if (decision.action === "hold") {
      return {
        ...deploymentRef(deployment),
        kind: "held",
        gate: decision.gate,
        reason: describeHold(decision),
        from: decision.from,
        to: decision.to,
        ...(decision.pending ? { pending: decision.pending } : {}),
        recorded: written !== undefined,
        trigger: candidate.trigger,
      };
    }
    if (decision.action === "block") {
      if (written === undefined) {
        return { ...deploymentRef(deployment), kind: "skipped", step: "rollout", reason: "nothing to write" };
      }
      return {
        ...deploymentRef(deployment),
        kind: "blocked",
        cause: decision.cause,
        reason: decision.reason,
        from: decision.from,
        to: decision.to,
        pending: decision.pending,
        ...(decision.scan ? { scan: decision.scan } : {}),
        ...(quarantineError !== undefined ? { quarantineError } : {}),
      };
    }
    if (decision.action === "skip" || written === undefined) {
      const reason = decision.action === "skip" ? decision.reason : "nothing to write";
      return { ...deploymentRef(deployment), kind: "skipped", step: "rollout", reason };
    }
    const patched = {
      eventToPatchMs: Date.now() - clock.startedAt,
      resourceVersion: written.resourceVersion,
    };
    return {
      api,
      written,
      record: decision.record,
      patched,
      ...(decision.settled ? { settled: decision.settled } : {}),
    };
  }

  /**
   * An approver's vote on the Deployment's held release (the decision path): recorded on the
   * held record, and once the gates are open the rollout starts in the same write. The same
   * identity twice counts once; a release already rolled out, rejected or replaced is a skip, so a
   * double approval never rolls out twice.
   */
  async approve(
    api: DeploymentApi,
    deployment: DeploymentState,
    request: { by: string; digest?: string },
    clock: InvocationClock,
  ): Promise<StartedRollout | Held | Blocked | Skipped | Refused> {
    const read = readOptIn(deployment);
    if (!read.ok) return refused(deployment, "rollout", "no approval", read.refusal);
    const pending = read.ledger.pending;
    const skipped = (reason: string): Skipped => ({
      ...deploymentRef(deployment),
      kind: "skipped",
      step: "rollout",
      reason,
    });
    if (pending === undefined)
      return skipped("nothing is pending (already rolled out, rejected or replaced)");
    if (request.digest !== undefined && request.digest !== pending.digest) {
      return skipped(`the pending release is ${pending.digest}, not ${request.digest}`);
    }
    const candidate = pendingCandidate(pending);
    if (candidate === undefined)
      return skipped(`the pending record names no ECR repository: ${pending.repository}`);
    return this.start(api, deployment, candidate, clock, {
      approval: { by: request.by, at: new Date().toISOString() },
      askRegistry: true,
    });
  }

  /** An approver's rejection of the held release: removed, and its digest quarantined here. */
  async reject(
    api: DeploymentApi,
    deployment: DeploymentState,
    request: { by: string; digest?: string; reason?: string },
  ): Promise<Blocked | Skipped | Refused> {
    const { decision, written } = await this.#writePlanned(api, deployment, (current) => {
      const planned = planRejection(current, request);
      return { decision: planned, patch: planned.action === "block" ? planned.patch : undefined };
    });
    if (decision.action === "refuse") return refused(deployment, "rollout", "no rejection", decision.refusal);
    if (decision.action === "skip" || written === undefined) {
      const reason = decision.action === "skip" ? decision.reason : "nothing to write";
      return { ...deploymentRef(deployment), kind: "skipped", step: "rollout", reason };
    }
    return {
      ...deploymentRef(deployment),
      kind: "blocked",
      cause: decision.cause,
      reason: decision.reason,
      from: decision.from,
      to: decision.to,
      pending: decision.pending,
    };
  }

  /** Removes `digest` from the Deployment's own quarantine; false when it was not there (any more). */
  async unquarantine(api: DeploymentApi, deployment: DeploymentState, digest: string): Promise<boolean> {
    const { written } = await this.#writePlanned(api, deployment, (current) => ({
      decision: undefined,
      patch: planUnquarantine(current, digest),
    }));
    return written !== undefined;
  }

  /** The image's scan, asked only for a Deployment whose scan gate is on. */
  async #scanFact(
    deployment: DeploymentState,
    candidate: ImageCandidate,
    askRegistry: boolean,
  ): Promise<ScanFact | undefined> {
    const optIn = readOptIn(deployment);
    if (!optIn.ok || optIn.settings.gates.maxSeverity === undefined || this.deps.scans === undefined) {
      return undefined;
    }
    return this.deps.scans.scanOf(candidate.account, candidate.repositoryName, candidate.digest, {
      askRegistry,
    });
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
    return {
      ...followed,
      patched: started.patched,
      ...(started.settled ? { settled: started.settled } : {}),
    };
  }

  /**
   * Settles a release whose bake window is over (`baking` → `succeeded`), from a fresh plan on
   * every conflict. Only a write that landed comes back as Settled: whoever lost the race says nothing.
   */
  async settle(api: DeploymentApi, deployment: DeploymentState): Promise<Settled | Skipped | Refused> {
    const { decision, written } = await this.#writePlanned(api, deployment, (current) => {
      const optIn = readOptIn(current);
      const planned = optIn.ok ? planSettle(current, optIn.ledger, optIn.settings, new Date()) : undefined;
      return { decision: optIn.ok ? planned?.record : optIn.refusal, patch: planned?.patch };
    });
    if (written === undefined || decision === undefined || !("phase" in decision)) {
      if (decision !== undefined && !("phase" in decision)) {
        return refused(deployment, "finish", "release not settled", decision);
      }
      return { ...deploymentRef(deployment), kind: "skipped", step: "finish", reason: "nothing to settle" };
    }
    return {
      ...deploymentRef(deployment),
      kind: "settled",
      record: decision,
      counts: countsAtSettle(decision),
    };
  }

  /**
   * Records that `sinks` took the release's `event` and releases the notification's lease; a
   * newer release's record is left alone.
   */
  async recordNotified(
    api: DeploymentApi,
    namespace: string,
    name: string,
    release: ReleaseKey,
    event: string,
    sinks: readonly string[],
  ): Promise<boolean> {
    const { written } = await this.#writePlanned(api, await api.get(namespace, name), (current) => ({
      decision: undefined,
      patch: planNotified(current, release, event, sinks),
    }));
    return written !== undefined;
  }

  /**
   * The running image differs from the one the ledger pinned: adopt it (a ledger write) or roll
   * the pinned one back out (a started rollout, followed like any other), as the operator's
   * setting says. Undefined when nothing drifted.
   */
  async drift(
    api: DeploymentApi,
    deployment: DeploymentState,
    clock: InvocationClock,
  ): Promise<{ drifted: Drifted; started?: StartedRollout } | undefined> {
    const { decision, written } = await this.#writePlanned(api, deployment, (current) => {
      const optIn = readOptIn(current);
      if (!optIn.ok) return { decision: undefined, patch: undefined };
      const planned = planDrift(current, optIn.settings, optIn.ledger, new Date());
      return {
        decision: planned,
        patch: planned.action === "adopt" || planned.action === "restore" ? planned.patch : undefined,
      };
    });
    if (decision === undefined || decision.action === "none") return undefined;
    const base = { ...deploymentRef(deployment), kind: "drift" as const, drifted: decision.drifted };
    if (decision.action === "report") {
      return { drifted: { ...base, action: "report", reason: decision.reason } };
    }
    if (written === undefined) return undefined;
    if (decision.action === "adopt") return { drifted: { ...base, action: "adopt" } };
    const patched = {
      eventToPatchMs: Date.now() - clock.startedAt,
      resourceVersion: written.resourceVersion,
    };
    return {
      drifted: { ...base, action: "restore" },
      started: { api, written, record: decision.record, patched },
    };
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

  /**
   * An operator's rollback (the decision path): to the last known-good image now, also after the
   * bake window and while paused or frozen; the digest is quarantined only when asked.
   */
  async rollBackManually(
    api: DeploymentApi,
    deployment: DeploymentState,
    request: { by: string; reason: string; quarantine: boolean; digest?: string },
    clock: InvocationClock,
    landed: Landed = {},
  ): Promise<RolledBack | Skipped | Refused> {
    return this.#rollBack(api, deployment, request.reason, clock, landed, {
      by: request.by,
      quarantine: request.quarantine,
      ...(request.digest ? { digest: request.digest } : {}),
    });
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
        return { ...followed, ending: await this.#complete(api, current, record, durationMs, clock) };
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
          : await this.#markFailed(api, current, record, reason, durationMs, clock);
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
    clock: InvocationClock,
  ): Promise<RolloutEnding> {
    const { written } = await this.#writePlanned(api, current, (latest) => ({
      decision: undefined,
      patch: planCompletion(latest, record.digest, new Date(), leaseUntil(clock)),
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
    clock: InvocationClock,
  ): Promise<RolloutEnding> {
    const { written } = await this.#writePlanned(api, current, (latest) => ({
      decision: undefined,
      patch: planFailureRecord(latest, record.digest, new Date(), leaseUntil(clock), reason),
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
    manual?: ManualRollback,
  ): Promise<RolledBack | Skipped | Refused> {
    const restoreStartedAt = Date.now();
    let quarantineError: string | undefined;
    const quarantined = new Set<string>();
    const { decision, written } = await this.#writePlanned(
      api,
      deployment,
      (current) => {
        const planned = planRollback(current, reason, new Date(), {
          leaseUntil: leaseUntil(clock),
          ...(quarantineError !== undefined ? { quarantineError } : {}),
          ...(manual ? { manual } : {}),
        });
        return { decision: planned, patch: planned.action === "rollback" ? planned.patch : undefined };
      },
      // The stage-wide quarantine first: should the invocation end between the two writes, the
      // digest stays quarantined. A table that cannot be written does not stop the rollback.
      async (planned) => {
        if (planned.action !== "rollback" || !planned.quarantine || quarantined.has(planned.record.digest))
          return;
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
    // A digest's imagePushedAt never changes, so one lookup serves every Deployment that runs it
    // (a fan-out to 500 Deployments of one image asks ECR once), in this and later invocations.
    const key = `${candidate.account}/${candidate.repositoryName}@${running.digest}`;
    let lookup = this.#pushedAt.get(key);
    if (lookup === undefined) {
      lookup = this.deps
        .registry(candidate.account)
        .describeImage(candidate.repositoryName, running.digest)
        .then((image) => image?.pushedAt);
      if (this.#pushedAt.size >= PUSHED_AT_CACHE_LIMIT) this.#pushedAt.clear();
      this.#pushedAt.set(key, lookup);
      // Only an answer is kept: a failed or empty lookup is asked again next time.
      lookup.then(
        (pushedAt) => {
          if (pushedAt === undefined) this.#pushedAt.delete(key);
        },
        () => this.#pushedAt.delete(key),
      );
    }
    return lookup;
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
      let { decision, patch } = plan(current);
      if (patch === undefined) return { decision };
      if (beforeWrite) {
        await beforeWrite(decision);
        // The plan again: what ran before the write may have changed what it records.
        ({ decision, patch } = plan(current));
        if (patch === undefined) return { decision };
      }
      try {
        return { decision, written: await api.patch(current.namespace, current.name, patch) };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_REPLANS) throw error;
        this.deps.logger.info("write conflict, re-planning", { deployment: deploymentKey(current), attempt });
        // The controller-manager updates status (a new resourceVersion) while a rollout runs:
        // a short jittered pause lets that burst pass instead of meeting it five times in a row.
        await (this.deps.sleep ?? timerSleep)(backoffDelayMs(attempt - 1, REPLAN_BACKOFF));
        current = await api.get(current.namespace, current.name);
      }
    }
  }
}
