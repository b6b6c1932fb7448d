// The scheduled reconciler: (1) finish rollouts an earlier invocation left in progress (watch to
// the end, roll back on failure); (2) catch missed pushes with ONE paginated DescribeImages per
// repository referenced by opted-in Deployments (and one query of the stage's quarantine for it),
// planned exactly like a push. When nothing changed it only reads: no writes, and its outcomes
// give the report stage nothing to send. A Deployment whose annotations cannot be honoured is
// refused, and reported, on every run until they are fixed.
import type { InvocationClock, RolloutExecutor } from "./executor.js";
import { type Fleet, type FleetMember, mapBounded } from "./fleet.js";
import { parseEcrRepositoryUri, parseImageReference } from "./imageReference.js";
import { tryReadLedger } from "./ledger.js";
import type { Refused, RolloutActs, Skipped } from "./outcome.js";
import { isOwnRegistry, newestCandidate, type OwnRegistry, readOptIn } from "./plan.js";
import type { ImageDetail, ImageRegistry } from "./ports/imageRegistry.js";
import type { QuarantineStore } from "./ports/quarantineStore.js";
import { followStarted, PATCH_CONCURRENCY, WATCH_CONCURRENCY } from "./pushRollout.js";

/** Concurrent DescribeImages pagers. */
const LIST_IMAGES_CONCURRENCY = 5;

export interface ReconcileDependencies {
  fleet: Fleet;
  executor: RolloutExecutor;
  registry: (account: string) => ImageRegistry;
  ownRegistry: OwnRegistry;
  quarantine: QuarantineStore;
}

/** The ECR repositories (by URI) a Deployment's containers use, in registries it may write. */
function ownRepositories(member: FleetMember, ownRegistry: OwnRegistry): string[] {
  return member.deployment.containers.flatMap((container) => {
    const { repository } = parseImageReference(container.image);
    const ecr = parseEcrRepositoryUri(repository);
    return ecr && isOwnRegistry(ownRegistry, ecr.account, ecr.region) ? [repository] : [];
  });
}

export async function reconcileEverywhere(
  deps: ReconcileDependencies,
  clock: InvocationClock,
): Promise<RolloutActs> {
  const { fleet, executor, ownRegistry } = deps;
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
  await mapBounded(repositories, LIST_IMAGES_CONCURRENCY, async (repository) => {
    const ecr = parseEcrRepositoryUri(repository);
    if (!ecr) return;
    try {
      const [listed, quarantined] = await Promise.all([
        deps.registry(ecr.account).listImages(ecr.repositoryName),
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
      scan.failures.push(error as Error);
    }
  });

  const starts = await mapBounded(settled, PATCH_CONCURRENCY, async (member) => {
    const { api, deployment } = member;
    const optIn = readOptIn(deployment);
    if (!optIn.ok) {
      const { cluster, namespace, name } = deployment;
      const refused: Refused = {
        cluster,
        namespace,
        name,
        kind: "refused",
        step: "catch-up",
        reason: "not reconciled",
        refusal: optIn.refusal,
      };
      return refused;
    }
    const own = ownRepositories(member, ownRegistry);
    const known = own.flatMap((repository) => images.get(repository) ?? []);
    const stageQuarantine = new Set(own.flatMap((repository) => quarantines.get(repository) ?? []));
    const candidate = newestCandidate(known, deployment, ownRegistry, stageQuarantine);
    if (candidate === undefined) {
      const { cluster, namespace, name } = deployment;
      const skipped: Skipped = {
        cluster,
        namespace,
        name,
        kind: "skipped",
        step: "catch-up",
        reason: "no image in ECR matches its policy",
      };
      return skipped;
    }
    return fleet.guard(deployment, () => executor.start(api, deployment, candidate, clock), scan.failures);
  });
  const caughtUp = await followStarted(fleet, executor, starts, clock, scan.failures);
  return { outcomes: [...scan.errors, ...finished, ...caughtUp], failures: scan.failures };
}
