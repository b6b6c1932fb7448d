// The scheduled reconciler: (1) finish rollouts an earlier invocation left in progress (watch to
// the end, roll back on failure); (2) per Deployment: settle a release whose bake window is over,
// send again a terminal notification a sink still lacks, see drift (the running image is not the
// pinned one) and adopt or restore as the Deployment says; (3) catch missed pushes with ONE
// paginated DescribeImages per repository referenced by opted-in Deployments (and one query of the
// stage's quarantine for it), planned exactly like a push. When nothing changed it only reads: no
// writes, and its outcomes give the report stage nothing to send. A Deployment whose annotations
// cannot be honoured is refused, and reported, on every run until they are fixed. A repository
// that cannot be read fails only the Deployments that use it.
// Time: no new rollout starts once the invocation's own time is spent (its Lambda deadline minus
// the margin to report; the watch deadline outside Lambda); such Deployments
// are reported "deferred" and the next run starts them. Nothing is skipped for good: a Deployment
// already converged costs a run no API call (its plan is pure, over the images listed once), so
// each run spends its time on the ones still behind, and their number only shrinks. Rollouts
// still in progress at the deadline stay "progressing" on their ledger, finished first by the next
// run.
// Throttling: the server asking for less traffic does not fail a run, since a retry of the
// invocation would add the load it asked to shed, and the schedule runs it again anyway. Work a
// throttle stopped before anything was written is deferred like work this run had no time for;
// work it stopped after a write stays an error (reported with what landed), and the next run
// finishes it from the ledger.
// Gates: a held release is planned again every run, so the end of a freeze releases it, a scan
// whose event was lost is read from the registry, and an expired approval or a missing scan
// blocks it; an unchanged hold writes and notifies nothing.
import { ThrottledError } from "../types/errors.js";
import type { InvocationClock, RolloutExecutor, StartedRollout } from "./executor.js";
import { type Fleet, type FleetMember, mapBounded, workFailed } from "./fleet.js";
import { parseEcrRepositoryUri, parseImageReference } from "./imageReference.js";
import { tryReadLedger } from "./ledger.js";
import type { DeploymentOutcome, Notice, Refused, RolloutActs, Skipped } from "./outcome.js";
import {
  isOwnRegistry,
  newestCandidate,
  type OwnRegistry,
  planRollout,
  readOptIn,
  rolloutProgress,
} from "./plan.js";
import type { ImageDetail, ImageRegistry } from "./ports/imageRegistry.js";
import type { QuarantineStore } from "./ports/quarantineStore.js";
import { followStarted, PATCH_CONCURRENCY, WATCH_CONCURRENCY } from "./pushRollout.js";
import { pendingNotice, planSettle } from "./settle.js";

/** Concurrent DescribeImages pagers. */
const LIST_IMAGES_CONCURRENCY = 5;

export interface ReconcileDependencies {
  fleet: Fleet;
  executor: RolloutExecutor;
  registry: (account: string) => ImageRegistry;
  ownRegistry: OwnRegistry;
  quarantine: QuarantineStore;
  /** The configured notification sinks: a terminal notification one of them lacks is sent again. */
  notifier?: { readonly sinkNames?: readonly string[] };
  /** The clock of the time budget, injected so tests can run out of time; defaults to Date.now. */
  now?: () => number;
}

/** The reason of a Deployment left for the next run because this one's time is spent. */
export const DEFERRED = "deferred: this run's time is spent; the next run starts it";

/**
 * Throttled work as a run reports it (pure): nothing written → deferred to the next run; written →
 * the error outcome it is, with what landed. Neither fails the invocation.
 */
export function deferThrottled(acts: RolloutActs): RolloutActs {
  const outcomes = acts.outcomes.map((outcome): DeploymentOutcome => {
    if (outcome.kind !== "error" || !(outcome.error instanceof ThrottledError)) return outcome;
    if (outcome.landed !== undefined || outcome.name === "") return { ...outcome, retryable: false };
    const { cluster, namespace, name } = outcome;
    return {
      cluster,
      namespace,
      name,
      kind: "skipped",
      step: "catch-up",
      reason: `deferred: ${outcome.reason}; the next run takes it up`,
      deferred: "throttled",
    };
  });
  return { outcomes, failures: acts.failures.filter((error) => !(error instanceof ThrottledError)) };
}

/** The ECR repositories (by URI) a Deployment's containers use, in registries it may write. */
function ownRepositories(member: FleetMember, ownRegistry: OwnRegistry): string[] {
  return member.deployment.containers.flatMap((container) => {
    const { repository } = parseImageReference(container.image);
    const ecr = parseEcrRepositoryUri(repository);
    return ecr && isOwnRegistry(ownRegistry, ecr.account, ecr.region) ? [repository] : [];
  });
}

/** A release's notification some sinks lack, as the report stage sends it again (pure). */
export function noticeOf(member: FleetMember, sinkNames: readonly string[], now: Date): Notice | undefined {
  const { deployment } = member;
  const read = tryReadLedger(deployment.annotations);
  if (!read.ok) return undefined;
  const record = read.ledger.rollout;
  const pending = pendingNotice(record, sinkNames, now);
  if (record === undefined || pending === undefined) return undefined;
  const { cluster, namespace, name } = deployment;
  return {
    cluster,
    namespace,
    name,
    kind: "notice",
    record,
    event: pending.event,
    sinks: pending.sinks,
    restored: rolloutProgress(deployment, deployment.generation).state === "complete",
    cost: {
      replicas: deployment.desiredReplicas,
      before: record.fromRequests,
      after: deployment.podRequests,
    },
  };
}

export async function reconcileEverywhere(
  deps: ReconcileDependencies,
  clock: InvocationClock,
): Promise<RolloutActs> {
  const { fleet, executor, ownRegistry } = deps;
  const now = deps.now ?? Date.now;
  // Starts go on past the watch deadline (those rollouts are finished by the next run), until the
  // invocation itself must stop and report.
  const outOfTime = () => now() >= (clock.end ?? clock.deadline);
  const sinkNames = deps.notifier?.sinkNames ?? [];
  const scan = await fleet.scan();
  const inFlight = (member: FleetMember) => {
    const read = tryReadLedger(member.deployment.annotations);
    return read.ok && read.ledger.rollout?.phase === "progressing";
  };

  const finished = await mapBounded(scan.members.filter(inFlight), WATCH_CONCURRENCY, ({ api, deployment }) =>
    fleet.guard(deployment, (landed) => executor.finish(api, deployment, clock, landed), scan.failures),
  );

  const settled = scan.members.filter((member) => !inFlight(member));
  const repositories = [...new Set(settled.flatMap((member) => ownRepositories(member, ownRegistry)))];
  const images = new Map<string, ImageDetail[]>();
  const quarantines = new Map<string, string[]>();
  const unreadable = new Map<string, Error>();
  await mapBounded(repositories, LIST_IMAGES_CONCURRENCY, async (repository) => {
    const ecr = parseEcrRepositoryUri(repository);
    if (!ecr) return;
    try {
      const [listed, quarantined] = await Promise.all([
        deps.registry(ecr.account).listImages(ecr.repositoryName, { missing: "throw" }),
        deps.quarantine.list(ecr.account, ecr.repositoryName),
      ]);
      quarantines.set(
        repository,
        quarantined.map((entry) => entry.digest),
      );
      images.set(
        repository,
        listed.filter((image) => image.registryId === ecr.account),
      );
    } catch (error) {
      // Only the Deployments using this repository fail; whether the invocation does is decided
      // per failure (workFailed), once, below.
      unreadable.set(repository, error as Error);
    }
  });
  const failedRepositories = new Set<string>();

  const perMember = await mapBounded(
    settled,
    PATCH_CONCURRENCY,
    async (member): Promise<(StartedRollout | DeploymentOutcome)[]> => {
      const { api, deployment } = member;
      const { cluster, namespace, name } = deployment;
      const optIn = readOptIn(deployment);
      if (!optIn.ok) {
        const refused: Refused = {
          cluster,
          namespace,
          name,
          kind: "refused",
          step: "catch-up",
          reason: "not reconciled",
          refusal: optIn.refusal,
        };
        return [refused];
      }
      const outcomes: (StartedRollout | DeploymentOutcome)[] = [];
      const at = new Date();
      if (planSettle(deployment, optIn.ledger, optIn.settings, at) !== undefined) {
        const settling = await fleet.guard(deployment, () => executor.settle(api, deployment), scan.failures);
        if (settling.kind !== "skipped") outcomes.push(settling);
      }
      const notice = noticeOf(member, sinkNames, at);
      if (notice) outcomes.push(notice);
      const drift = await fleet.guard(
        deployment,
        () => executor.drift(api, deployment, clock),
        scan.failures,
      );
      if (drift !== undefined && "kind" in drift) return [...outcomes, drift];
      if (drift !== undefined) {
        outcomes.push(drift.drifted);
        if (drift.started) return [...outcomes, drift.started];
      }

      const own = ownRepositories(member, ownRegistry);
      const broken = own.find((repository) => unreadable.has(repository));
      if (broken !== undefined) {
        const error = unreadable.get(broken) as Error;
        // Counted for the invocation's failure once per repository, reported for every Deployment.
        const failures = failedRepositories.has(broken) ? [] : scan.failures;
        failedRepositories.add(broken);
        return [...outcomes, workFailed(deployment, error, failures)];
      }
      const known = own.flatMap((repository) => images.get(repository) ?? []);
      const stageQuarantine = new Set(own.flatMap((repository) => quarantines.get(repository) ?? []));
      const candidate = newestCandidate(known, deployment, ownRegistry, stageQuarantine);
      if (candidate === undefined) {
        const skipped: Skipped = {
          cluster,
          namespace,
          name,
          kind: "skipped",
          step: "catch-up",
          reason: "no image in ECR matches its policy",
        };
        return [...outcomes, skipped];
      }
      // Only a start that would write is deferred; one that would skip costs nothing.
      if (planRollout(candidate, deployment, ownRegistry, at).action === "patch" && outOfTime()) {
        const deferred: Skipped = {
          cluster,
          namespace,
          name,
          kind: "skipped",
          step: "catch-up",
          reason: DEFERRED,
          deferred: "time",
        };
        return [...outcomes, deferred];
      }
      return [
        ...outcomes,
        // A scan whose event was lost is asked of the registry here, once per held release and run.
        await fleet.guard(
          deployment,
          () => executor.start(api, deployment, candidate, clock, { askRegistry: true }),
          scan.failures,
        ),
      ];
    },
  );
  const caughtUp = await followStarted(fleet, executor, perMember.flat(), clock, scan.failures);
  return deferThrottled({ outcomes: [...scan.errors, ...finished, ...caughtUp], failures: scan.failures });
}
