// Applies rollout and rollback plans to one Deployment: the shared "act" step of onImagePush,
// reconcile and (issue 8) the alarm handler, so there is exactly one implementation of each.
// Every write is planned from a fresh read and guarded by its resourceVersion; on 409 the
// Deployment is re-read and re-planned, which is what makes duplicate deliveries harmless:
// the losers see the winner's write and skip, silently. Only the writer watches and notifies.
import { describeReleaseCost } from "../cost/releaseDelta.js";
import { Metric } from "../types/metricNames.js";
import type { MetricsRecorder } from "../types/metricsRecorder.js";
import type { DeploymentRef } from "../types/notification.js";
import type { NotificationPublisher } from "../extension/notification/notifier.js";
import type { ImageRegistry } from "./ports/imageRegistry.js";
import type { DeploymentApi } from "./ports/deploymentApi.js";
import { ConflictError } from "../types/errors.js";
import type { Logger } from "../shared/logger.js";
import { ecrRepositoryUri, parseImageReference } from "./imageReference.js";
import { type RolloutRecord, readLedger, readSettings } from "./ledger.js";
import { type DeploymentPatch, type DeploymentState, deploymentKey } from "./model.js";
import { rolledBack, rolloutFailed, rolloutSucceeded } from "./notifications.js";
import {
  type ImageCandidate,
  imageLabel,
  type OwnRegistry,
  type Progress,
  planCompletion,
  planFailureRecord,
  planRollback,
  planRollout,
  rolloutProgress,
} from "./plan.js";

/** Re-plans after a 409 before giving up; each one means someone else wrote in between. */
const MAX_REPLANS = 5;

export interface InvocationClock {
  /** epoch ms the invocation started: event-to-patch latency is measured from here. */
  startedAt: number;
  /** epoch ms after which nothing more is watched; the reconciler finishes the rest. */
  deadline: number;
}

export type DeploymentAction = "patched" | "skipped" | "finished" | "rolled_back" | "error";
export type RolloutOutcome = "succeeded" | "failed" | "rolled_back" | "in_progress" | "superseded";

export interface DeploymentReport {
  cluster: string;
  namespace: string;
  name: string;
  action: DeploymentAction;
  reason: string;
  from?: string;
  to?: string;
  outcome?: RolloutOutcome;
  durationMs?: number;
  /** Invocation start → PATCH accepted, for the rollouts this invocation started. */
  eventToPatchMs?: number;
}

export interface ExecutorDependencies {
  /** ECR of one account: the running image's imagePushedAt before a Deployment's first rollout. */
  registry: (account: string) => ImageRegistry;
  notifier: NotificationPublisher;
  metrics: MetricsRecorder;
  logger: Logger;
  ownRegistry: OwnRegistry;
  /** The instance type whose list price estimates a release's cost delta in rollout messages. */
  costReferenceInstanceType: string;
}

function ref(deployment: DeploymentState): DeploymentRef {
  return { cluster: deployment.cluster, namespace: deployment.namespace, name: deployment.name };
}

/** A rollout this invocation wrote, ready to be followed. */
export interface StartedRollout {
  api: DeploymentApi;
  written: DeploymentState;
  record: RolloutRecord;
  eventToPatchMs: number;
}

type Planned<D> = { decision: D; written: DeploymentState } | { decision: D; written?: undefined };

export class RolloutExecutor {
  constructor(private readonly deps: ExecutorDependencies) {}

  /** Rolls `candidate` out to one Deployment if its plan says so, then follows it to its end. */
  async rollOut(
    api: DeploymentApi,
    deployment: DeploymentState,
    candidate: ImageCandidate,
    clock: InvocationClock,
  ): Promise<DeploymentReport> {
    const started = await this.start(api, deployment, candidate, clock);
    return "record" in started ? this.follow(started, clock) : started;
  }

  /** Plans and writes the rollout; a skip comes back as its report. Fan-out patches all first. */
  async start(
    api: DeploymentApi,
    deployment: DeploymentState,
    candidate: ImageCandidate,
    clock: InvocationClock,
  ): Promise<StartedRollout | DeploymentReport> {
    const runningPushedAt = await this.#runningPushedAt(deployment, candidate);
    const { decision, written } = await this.#writePlanned(api, deployment, (current) => {
      const planned = planRollout(candidate, current, this.deps.ownRegistry, new Date(), runningPushedAt);
      return { decision: planned, patch: planned.action === "patch" ? planned.patch : undefined };
    });
    if (decision.action === "skip" || written === undefined) {
      const reason = decision.action === "skip" ? decision.reason : "nothing to write";
      this.deps.logger.info("deployment skipped", { deployment: deploymentKey(deployment), reason });
      return { ...ref(deployment), action: "skipped", reason };
    }
    const eventToPatchMs = Date.now() - clock.startedAt;
    this.deps.metrics.add(Metric.RolloutStarted, "Count", 1);
    this.deps.metrics.add(Metric.EventToPatchLatency, "Milliseconds", eventToPatchMs);
    this.deps.logger.info("deployment patched", {
      deployment: deploymentKey(written),
      from: decision.from,
      to: decision.to,
      resourceVersion: written.resourceVersion,
    });
    return { api, written, record: decision.record, eventToPatchMs };
  }

  /** Watches a started rollout to its end (or the deadline), then completes or rolls it back. */
  async follow(started: StartedRollout, clock: InvocationClock): Promise<DeploymentReport> {
    const report = await this.#follow(started.api, started.written, started.record, clock);
    return { ...report, action: "patched", eventToPatchMs: started.eventToPatchMs };
  }

  /** The reconciler's half: follows a rollout an earlier invocation left in progress. */
  async finish(
    api: DeploymentApi,
    deployment: DeploymentState,
    clock: InvocationClock,
  ): Promise<DeploymentReport> {
    const record = readLedger(deployment.annotations).rollout;
    if (record?.phase !== "progressing") {
      return { ...ref(deployment), action: "skipped", reason: "no rollout in progress" };
    }
    const report = await this.#follow(api, deployment, record, clock);
    return { ...report, action: "finished" };
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
  ): Promise<DeploymentReport> {
    return this.#rollBack(api, await api.get(namespace, name), reason, clock);
  }

  async #follow(
    api: DeploymentApi,
    deployment: DeploymentState,
    record: RolloutRecord,
    clock: InvocationClock,
  ): Promise<DeploymentReport> {
    const generation = record.generation ?? deployment.generation;
    const ended = await api.watch(
      deployment,
      (current): { progress: Progress | { state: "superseded" }; current: DeploymentState } | undefined => {
        // Another invocation's newer rollout (or a rollback) replaced this one: it reports, not us.
        if (readLedger(current.annotations).rollout?.digest !== record.digest)
          return { progress: { state: "superseded" }, current };
        const progress = rolloutProgress(current, generation);
        return progress.state === "progressing" ? undefined : { progress, current };
      },
      clock.deadline - Date.now(),
    );
    const startedAt = Date.parse(record.startedAt);
    const from = imageLabel(Object.values(record.from)[0] ?? "");
    const to = imageLabel(Object.values(record.to)[0] ?? "");
    const base = { ...ref(deployment), from, to };
    if (ended === undefined) {
      this.deps.logger.info("rollout still in progress; the reconciler will finish it", {
        deployment: deploymentKey(deployment),
      });
      return {
        ...base,
        action: "patched",
        reason: "time budget spent; the reconciler finishes the rollout",
        outcome: "in_progress",
        durationMs: Date.now() - startedAt,
      };
    }
    const { progress, current } = ended;
    const durationMs = Date.now() - startedAt;
    const ending = { deployment: ref(deployment), record, from, to, durationMs };
    if (progress.state === "superseded") {
      this.deps.logger.info("rollout superseded", {
        deployment: deploymentKey(deployment),
        digest: record.digest,
      });
      return {
        ...base,
        action: "patched",
        reason: "superseded by a newer rollout or a rollback",
        outcome: "superseded",
        durationMs,
      };
    }
    // Whoever writes the ending to the ledger reports it (the reconciler may be following the
    // same rollout): the other one returns the same outcome without metrics or notification.
    const dimensions = { Deployment: deploymentKey(deployment) };
    if (progress.state === "complete") {
      const { written } = await this.#writePlanned(api, current, (latest) => ({
        decision: undefined,
        patch: planCompletion(latest, record.digest, new Date()),
      }));
      const succeeded = { ...base, action: "patched" as const, outcome: "succeeded" as const, durationMs };
      if (written === undefined)
        return { ...succeeded, reason: "rollout complete (reported by another invocation)" };
      this.deps.metrics.add(Metric.RolloutSucceeded, "Count", 1);
      this.deps.metrics.add(Metric.RolloutDuration, "Milliseconds", durationMs);
      this.deps.metrics.add(Metric.DeploymentFrequency, "Count", 1, dimensions);
      this.deps.metrics.add(Metric.ChangeFailureRate, "Percent", 0, dimensions);
      const commitCreatedAt = record.release?.commitCreatedAt;
      if (commitCreatedAt) {
        const leadTimeSeconds = (Date.now() - Date.parse(commitCreatedAt)) / 1000;
        this.deps.metrics.add(Metric.LeadTimeForChanges, "Seconds", leadTimeSeconds, dimensions);
      }
      await this.deps.notifier.notify(rolloutSucceeded({ ...ending, cost: this.#cost(record, current) }));
      return { ...succeeded, reason: "rollout complete" };
    }
    const failure = progress.state === "failed" ? progress.reason : "rollout failed";
    let autoRollback = true;
    try {
      autoRollback = readSettings(current.annotations).autoRollback;
    } catch {
      // An unreadable opt-in keeps the safe default (DESIGN.md: auto-rollback defaults to true).
    }
    if (autoRollback) {
      const rollback = await this.#rollBack(api, current, failure, clock);
      if (rollback.action === "rolled_back") {
        this.deps.metrics.add(Metric.RolloutFailed, "Count", 1);
        this.deps.metrics.add(Metric.RolloutDuration, "Milliseconds", durationMs);
      }
      return {
        ...base,
        action: "patched",
        reason: failure,
        outcome: "rolled_back",
        durationMs: rollback.durationMs ?? durationMs,
      };
    }
    const { written } = await this.#writePlanned(api, current, (latest) => ({
      decision: undefined,
      patch: planFailureRecord(latest, record.digest),
    }));
    const failed = {
      ...base,
      action: "patched" as const,
      reason: failure,
      outcome: "failed" as const,
      durationMs,
    };
    if (written === undefined) return failed;
    this.deps.metrics.add(Metric.RolloutFailed, "Count", 1);
    this.deps.metrics.add(Metric.RolloutDuration, "Milliseconds", durationMs);
    this.deps.metrics.add(Metric.ChangeFailureRate, "Percent", 100, dimensions);
    await this.deps.notifier.notify(rolloutFailed({ ...ending, cost: this.#cost(record, current) }, failure));
    return failed;
  }

  async #rollBack(
    api: DeploymentApi,
    deployment: DeploymentState,
    reason: string,
    clock: InvocationClock,
  ): Promise<DeploymentReport> {
    const restoreStartedAt = Date.now();
    const { decision, written } = await this.#writePlanned(api, deployment, (current) => {
      const planned = planRollback(current, reason, new Date());
      return { decision: planned, patch: planned.action === "rollback" ? planned.patch : undefined };
    });
    if (decision.action === "skip" || written === undefined) {
      const why = decision.action === "skip" ? decision.reason : "nothing to write";
      this.deps.logger.warn("rollback skipped", { deployment: deploymentKey(deployment), reason: why });
      return { ...ref(deployment), action: "skipped", reason: why };
    }
    const dimensions = { Deployment: deploymentKey(deployment) };
    this.deps.metrics.add(Metric.RolloutRolledBack, "Count", 1);
    this.deps.metrics.add(Metric.ChangeFailureRate, "Percent", 100, dimensions);
    this.deps.logger.warn("deployment rolled back", {
      deployment: deploymentKey(written),
      from: decision.from,
      to: decision.to,
      reason,
    });
    const restored = await api.watch(
      written,
      (current) => {
        const progress = rolloutProgress(current, written.generation);
        return progress.state === "complete" ? true : undefined;
      },
      clock.deadline - Date.now(),
    );
    const durationMs = Date.now() - restoreStartedAt;
    if (restored) this.deps.metrics.add(Metric.TimeToRestore, "Seconds", durationMs / 1000, dimensions);
    await this.deps.notifier.notify(
      rolledBack({
        deployment: ref(deployment),
        record: decision.record,
        from: decision.from,
        to: decision.to,
        durationMs,
        reason,
        restored: restored === true,
        cost: this.#cost(decision.record, written),
      }),
    );
    return {
      ...ref(deployment),
      action: "rolled_back",
      reason,
      from: decision.from,
      to: decision.to,
      outcome: "rolled_back",
      durationMs,
    };
  }

  /** The release's cost delta: the requests it replaced (from its record) against the template now. */
  #cost(record: RolloutRecord, current: DeploymentState): string | undefined {
    return describeReleaseCost({
      replicas: current.desiredReplicas,
      before: record.fromRequests,
      after: current.podRequests,
      referenceInstanceType: this.deps.costReferenceInstanceType,
    });
  }

  /** Only needed while the ledger has no pushed-at; only possible for a digest-pinned image. */
  async #runningPushedAt(deployment: DeploymentState, candidate: ImageCandidate): Promise<Date | undefined> {
    if (readLedger(deployment.annotations).pushedAt) return undefined;
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
  ): Promise<Planned<D>> {
    let current = deployment;
    for (let attempt = 1; ; attempt++) {
      const { decision, patch } = plan(current);
      if (patch === undefined) return { decision };
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
