// Pure planning: given an image and what the cluster says, decide what to write. No I/O here;
// the executor applies these decisions with optimistic concurrency and re-plans on conflict.

import { freezeAt } from "./gates/freeze.js";
import {
  ecrRepositoryUri,
  formatImageReference,
  parseImageReference,
  shortDigest,
} from "./imageReference.js";
import {
  Annotation,
  AnnotationError,
  type AnnotationRefusal,
  addQuarantined,
  isBakeOver,
  type KnownGood,
  type Ledger,
  ledgerAnnotations,
  type NoticeState,
  type PendingRecord,
  type ReleaseRef,
  type RolloutRecord,
  readLedger,
  readSettings,
  type Settings,
  tryReadLedger,
} from "./ledger.js";
import type { ContainerState, DeploymentPatch, DeploymentState } from "./model.js";
import { compareImages, describeTie } from "./order.js";
import { admitsTag, describePolicy } from "./policy.js";
import type { ImageDetail } from "./ports/imageRegistry.js";

/** The registries this installation rolls out from: its region, and the allowed accounts. */
export interface OwnRegistry {
  region: string;
  /** Empty = whichever account the event came from (EventBridge only delivers its own account's). */
  accounts: string[];
}

export function isOwnRegistry(ownRegistry: OwnRegistry, account: string, region: string): boolean {
  return (
    region === ownRegistry.region &&
    (ownRegistry.accounts.length === 0 || ownRegistry.accounts.includes(account))
  );
}

/** An image that could be rolled out: from a push event, or found by the reconciler. */
export interface ImageCandidate {
  account: string;
  region: string;
  repositoryName: string;
  tag: string;
  digest: string;
  /** ECR imagePushedAt: the only ordering the rollout trusts. */
  pushedAt: Date;
  trigger: "push" | "reconcile";
  eventId?: string;
  eventTime?: Date;
  release?: ReleaseRef;
  /** The stage-wide quarantine (the state table) holds this digest: looked up before planning. */
  quarantined?: boolean;
}

export type RolloutDecision =
  | {
      action: "patch";
      patch: DeploymentPatch;
      record: RolloutRecord;
      /** human-readable image before / after (the first matched container) */
      from: string;
      to: string;
      /** The release this one replaces while it was baking, settled as succeeded by the same write. */
      settled?: RolloutRecord;
    }
  | Hold
  | { action: "skip"; reason: string }
  | Refusal;

/**
 * A rollout planned but not started: a gate holds it (`pending` is the record to keep on the
 * ledger, `patch` writes it unless the same hold is recorded already), or the Deployment is in
 * dry-run mode (nothing is written; `pending` says what a gate would have done).
 */
export interface Hold {
  action: "hold";
  gate: "freeze" | "dry-run";
  from: string;
  to: string;
  pending?: PendingRecord;
  patch?: DeploymentPatch;
}

export type RollbackDecision =
  | { action: "rollback"; patch: DeploymentPatch; record: RolloutRecord; from: string; to: string }
  | { action: "skip"; reason: string }
  | Refusal;

/** An annotation stops the product from writing to this Deployment: reported, nothing written. */
export type Refusal = { action: "refuse"; refusal: AnnotationRefusal };

/** A Deployment's settings and ledger, or the annotation that stops the product from acting on it. */
export type OptIn =
  | { ok: true; settings: Settings; ledger: Ledger }
  | { ok: false; refusal: AnnotationRefusal };

export type Progress = { state: "complete" } | { state: "failed"; reason: string } | { state: "progressing" };

const skip = (reason: string) => ({ action: "skip" as const, reason });
const refuse = (refusal: AnnotationRefusal): Refusal => ({ action: "refuse", refusal });

/** Reads the operator's settings, then the ledger; the first annotation that cannot be honoured refuses. */
export function readOptIn(deployment: Pick<DeploymentState, "annotations">): OptIn {
  try {
    return {
      ok: true,
      settings: readSettings(deployment.annotations),
      ledger: readLedger(deployment.annotations),
    };
  } catch (error) {
    if (error instanceof AnnotationError) return { ok: false, refusal: error.refusal };
    throw error;
  }
}

/** `name:tag@shortdigest`, how images appear in results and notifications. */
export function imageLabel(image: string): string {
  const reference = parseImageReference(image);
  const name = reference.repository.slice(reference.repository.lastIndexOf("/") + 1);
  const digest = reference.digest ? `@${shortDigest(reference.digest)}` : "";
  return `${name}:${reference.tag ?? "(untagged)"}${digest}`;
}

function changeCause(candidate: ImageCandidate): string {
  const parts = [
    `rollout of ${candidate.repositoryName}:${candidate.tag} (${shortDigest(candidate.digest)})`,
  ];
  parts.push(candidate.trigger === "push" ? "on ECR push" : "by the reconciler");
  if (candidate.release) {
    parts.push(`pipeline ${candidate.release.pipeline} execution ${candidate.release.executionId}`);
    parts.push(`commit ${candidate.release.commit.slice(0, 12)}`);
  }
  return parts.join(", ");
}

/** The containers a push of `repository` updates, honouring the containers annotation. */
export function matchingContainers(
  deployment: DeploymentState,
  repository: string,
  settings: Settings,
): ContainerState[] {
  return deployment.containers.filter(
    (container) =>
      parseImageReference(container.image).repository === repository &&
      (settings.containers === undefined || settings.containers.includes(container.name)),
  );
}

/**
 * `runningPushedAt` is ECR's imagePushedAt of the image running now, looked up when the ledger
 * has none yet (a Deployment's first managed rollout), so even that one never downgrades.
 */
export function planRollout(
  candidate: ImageCandidate,
  deployment: DeploymentState,
  ownRegistry: OwnRegistry,
  now: Date,
  runningPushedAt?: Date,
): RolloutDecision {
  if (!isOwnRegistry(ownRegistry, candidate.account, candidate.region)) {
    const accounts = ownRegistry.accounts.length > 0 ? ownRegistry.accounts.join(",") : "any";
    return skip(
      `image is in ${candidate.account}/${candidate.region}, outside the registries rolled out from (accounts ${accounts}, region ${ownRegistry.region})`,
    );
  }
  const repository = ecrRepositoryUri(candidate.account, candidate.region, candidate.repositoryName);
  // A push that concerns none of its containers is no reason to speak of its annotations.
  if (
    !deployment.containers.some((container) => parseImageReference(container.image).repository === repository)
  ) {
    return skip(`no container uses ${repository}`);
  }
  const read = readOptIn(deployment);
  if (!read.ok) return refuse(read.refusal);
  const { settings, ledger } = read;
  if (settings.paused) return skip(PAUSED);
  const containers = matchingContainers(deployment, repository, settings);
  const first = containers[0];
  if (first === undefined) return skip(`no container uses ${repository}`);
  if (candidate.quarantined) {
    return skip(
      `digest ${shortDigest(candidate.digest)} is quarantined in this stage after a failed rollout`,
    );
  }
  if (ledger.quarantined.includes(candidate.digest)) {
    return skip(`digest ${shortDigest(candidate.digest)} is quarantined after a failed rollout`);
  }
  if (containers.every((container) => parseImageReference(container.image).digest === candidate.digest)) {
    return skip(`already running ${shortDigest(candidate.digest)}`);
  }
  if (
    ledger.rollout?.digest === candidate.digest &&
    ledger.rollout.phase !== "failed" &&
    ledger.rollout.phase !== "rolled_back"
  ) {
    return skip(`rollout of ${shortDigest(candidate.digest)} already ${ledger.rollout.phase}`);
  }
  const runningTag = parseImageReference(first.image).tag;
  const verdict = admitsTag(settings.policy, candidate.tag, runningTag);
  if (!verdict.admitted) return skip(`policy ${describePolicy(settings.policy)}: ${verdict.reason}`);
  const floor = ledger.pushedAt ?? runningPushedAt;
  if (floor && candidate.pushedAt.getTime() <= floor.getTime()) {
    const running = parseImageReference(first.image);
    const tie =
      candidate.pushedAt.getTime() === floor.getTime()
        ? compareImages(
            candidate,
            {
              pushedAt: floor,
              ...(running.tag ? { tag: running.tag } : {}),
              ...(running.digest ? { digest: running.digest } : {}),
            },
            settings.policy,
          )
        : -1;
    if (tie <= 0) {
      const why =
        candidate.pushedAt.getTime() === floor.getTime() && tie < 0
          ? ` (${describeTie(settings.policy)})`
          : "";
      return skip(
        `pushed ${candidate.pushedAt.toISOString()}, not newer than the running image (${floor.toISOString()})${why}: never downgrade`,
      );
    }
  }

  const image = formatImageReference(repository, candidate.tag, candidate.digest);
  const hold = planHold(settings, ledger, candidate, repository, now);
  if (hold !== undefined || settings.dryRun) {
    const labels = { from: imageLabel(first.image), to: imageLabel(image) };
    if (settings.dryRun)
      return { action: "hold", gate: "dry-run", ...labels, ...(hold ? { pending: hold } : {}) };
    const pending = hold as PendingRecord;
    const recorded = ledger.pending;
    const same = recorded?.digest === pending.digest && recorded.until === pending.until;
    return {
      action: "hold",
      gate: "freeze",
      ...labels,
      pending: same ? recorded : pending,
      ...(same
        ? {}
        : {
            patch: {
              resourceVersion: deployment.resourceVersion,
              images: {},
              annotations: ledgerAnnotations(deployment.annotations, { ...ledger, pending }),
            },
          }),
    };
  }
  const from = Object.fromEntries(containers.map((container) => [container.name, container.image]));
  const to = Object.fromEntries(containers.map((container) => [container.name, image]));
  // The images running now are known-good unless they are themselves an unconfirmed rollout.
  const previous = ledger.rollout;
  const good: KnownGood | undefined =
    previous === undefined
      ? { images: from, ...(floor ? { pushedAt: floor.toISOString() } : {}) }
      : previous.phase === "baking" || previous.phase === "succeeded"
        ? { images: { ...previous.to, ...previous.adopted?.images }, pushedAt: previous.pushedAt }
        : ledger.lastKnownGood;
  // A release still baking leaves its window now: it is settled, as succeeded, by this write.
  const settled: RolloutRecord | undefined =
    previous?.phase === "baking"
      ? { ...previous, phase: "succeeded", settledAt: now.toISOString() }
      : undefined;
  const record: RolloutRecord = {
    phase: "progressing",
    repository,
    tag: candidate.tag,
    digest: candidate.digest,
    pushedAt: candidate.pushedAt.toISOString(),
    startedAt: now.toISOString(),
    from,
    to,
    fromRequests: deployment.podRequests,
    generation: deployment.generation + 1,
    trigger: candidate.trigger,
    ...(candidate.eventId ? { eventId: candidate.eventId } : {}),
    ...(candidate.eventTime ? { eventTime: candidate.eventTime.toISOString() } : {}),
    ...(candidate.release ? { release: candidate.release } : {}),
  };
  return {
    action: "patch",
    patch: {
      resourceVersion: deployment.resourceVersion,
      images: to,
      annotations: {
        ...ledgerAnnotations(deployment.annotations, {
          quarantined: ledger.quarantined,
          pushedAt: candidate.pushedAt,
          rollout: record,
          ...(good ? { lastKnownGood: good } : {}),
        }),
        [Annotation.changeCause]: changeCause(candidate),
      },
    },
    record,
    from: imageLabel(first.image),
    to: imageLabel(image),
    ...(settled ? { settled } : {}),
  };
}

/** What a hold means, for results and logs. */
export function describeHold(gate: Hold["gate"], pending: PendingRecord | undefined): string {
  if (gate === "dry-run") {
    return `dry run: would ${pending ? `hold (change freeze until ${pending.until})` : "roll out"}; nothing written`;
  }
  const replacing = pending?.supersedes ? `, replacing the held ${shortDigest(pending.supersedes)}` : "";
  return `held by a change freeze until ${pending?.until}${replacing}`;
}

/** Why a paused Deployment is left alone. */
export const PAUSED = `paused: ${Annotation.paused} is "true"; no automatic rollout, rollback or restore`;

/**
 * The gate that holds a rollout the plan would start now, as the pending record to keep; undefined
 * when none does. A change freeze holds it until the freeze ends; a hold already recorded for the
 * same digest keeps its `since`, and one for an older digest is superseded.
 */
export function planHold(
  settings: Settings,
  ledger: Ledger,
  candidate: ImageCandidate,
  repository: string,
  now: Date,
): PendingRecord | undefined {
  if (settings.freeze === undefined) return undefined;
  const freeze = freezeAt(settings.freeze, now);
  if (!freeze.frozen) return undefined;
  const previous = ledger.pending;
  const sameDigest = previous?.digest === candidate.digest;
  return {
    gate: "freeze",
    repository,
    tag: candidate.tag,
    digest: candidate.digest,
    pushedAt: candidate.pushedAt.toISOString(),
    since: sameDigest && previous ? previous.since : now.toISOString(),
    until: freeze.until.toISOString(),
    trigger: candidate.trigger,
    ...(previous && !sameDigest ? { supersedes: previous.digest } : {}),
  };
}

/**
 * The reconciler's candidate: the newest (by imagePushedAt) image the Deployment's policy admits
 * that neither its ledger nor the stage (`stageQuarantine`, digests from the state table) quarantines.
 * Undefined also when the Deployment's annotations cannot be read (the caller refuses those first).
 */
export function newestCandidate(
  images: ImageDetail[],
  deployment: DeploymentState,
  ownRegistry: OwnRegistry,
  stageQuarantine: ReadonlySet<string> = new Set(),
): ImageCandidate | undefined {
  const read = readOptIn(deployment);
  if (!read.ok) return undefined;
  const { settings, ledger } = read;
  const newestFirst = [...images].sort((a, b) => {
    const tagOf = (image: ImageDetail) =>
      image.tags.find((tag) => admitsTag(settings.policy, tag).admitted) ?? image.tags[0];
    const [ta, tb] = [tagOf(a), tagOf(b)];
    return compareImages(
      { pushedAt: b.pushedAt, digest: b.digest, ...(tb ? { tag: tb } : {}) },
      { pushedAt: a.pushedAt, digest: a.digest, ...(ta ? { tag: ta } : {}) },
      settings.policy,
    );
  });
  for (const image of newestFirst) {
    if (ledger.quarantined.includes(image.digest) || stageQuarantine.has(image.digest)) continue;
    if (!isOwnRegistry(ownRegistry, image.registryId, ownRegistry.region)) continue;
    const repository = ecrRepositoryUri(image.registryId, ownRegistry.region, image.repositoryName);
    const running = matchingContainers(deployment, repository, settings)[0];
    const runningTag = running ? parseImageReference(running.image).tag : undefined;
    const tag = image.tags.find(
      (candidateTag) => admitsTag(settings.policy, candidateTag, runningTag).admitted,
    );
    if (tag === undefined) continue;
    return {
      account: image.registryId,
      region: ownRegistry.region,
      repositoryName: image.repositoryName,
      tag,
      digest: image.digest,
      pushedAt: image.pushedAt,
      trigger: "reconcile",
    };
  }
  return undefined;
}

/** Where a rollout stands, from the Deployment's status (the controller's view, not ours). */
export function rolloutProgress(deployment: DeploymentState, generation: number): Progress {
  const { status } = deployment;
  if (status.observedGeneration < generation) return { state: "progressing" };
  if (status.progressingReason === "ProgressDeadlineExceeded") {
    return { state: "failed", reason: status.progressingMessage ?? "ProgressDeadlineExceeded" };
  }
  const replicas = deployment.desiredReplicas;
  const done =
    status.updatedReplicas === replicas &&
    status.availableReplicas === replicas &&
    status.replicas === replicas;
  return done ? { state: "complete" } : { state: "progressing" };
}

/**
 * What an ending write says about its notification: none delivered yet, and `leaseUntil`, the
 * instant until which the writing invocation is still reporting it (no one else re-sends before).
 */
export function noticeLease(leaseUntil: Date): NoticeState {
  return { sinks: {}, leaseUntil: leaseUntil.toISOString() };
}

/** The rollout of `digest` completed: start its bake window. Undefined when a newer rollout took over. */
export function planCompletion(
  deployment: DeploymentState,
  digest: string,
  now: Date,
  leaseUntil: Date = now,
): DeploymentPatch | undefined {
  const read = tryReadLedger(deployment.annotations);
  if (!read.ok) return undefined;
  const record = read.ledger.rollout;
  if (record?.digest !== digest || record.phase !== "progressing") return undefined;
  const baking: RolloutRecord = {
    ...record,
    phase: "baking",
    completedAt: now.toISOString(),
    notified: noticeLease(leaseUntil),
  };
  return {
    resourceVersion: deployment.resourceVersion,
    images: {},
    annotations: ledgerAnnotations(deployment.annotations, { ...read.ledger, rollout: baking }),
  };
}

/**
 * The rollout of `digest` failed and auto-rollback is off: stop watching it, leave the image. The
 * release's outcome is settled (failed) by the same write.
 */
export function planFailureRecord(
  deployment: DeploymentState,
  digest: string,
  now: Date = new Date(),
  leaseUntil: Date = now,
  reason?: string,
): DeploymentPatch | undefined {
  const read = tryReadLedger(deployment.annotations);
  if (!read.ok) return undefined;
  const record = read.ledger.rollout;
  if (record?.digest !== digest || record.phase !== "progressing") return undefined;
  return {
    resourceVersion: deployment.resourceVersion,
    images: {},
    annotations: ledgerAnnotations(deployment.annotations, {
      ...read.ledger,
      rollout: {
        ...record,
        phase: "failed",
        endedAt: now.toISOString(),
        ...(reason !== undefined ? { failure: reason } : {}),
        settledAt: now.toISOString(),
        notified: noticeLease(leaseUntil),
      },
    }),
  };
}

/**
 * Return the Deployment to its last known-good images and quarantine the digest that failed.
 * Possible while the last rollout is progressing, failed, or still inside its bake window. The
 * record stays, as `rolled_back` (settled as a failed release at once), with what the message
 * about it needs, so it can be sent again if this invocation cannot.
 */
export function planRollback(
  deployment: DeploymentState,
  reason: string,
  now: Date,
  options: { leaseUntil?: Date; quarantineError?: string } = {},
): RollbackDecision {
  const read = readOptIn(deployment);
  if (!read.ok) return refuse(read.refusal);
  const { settings, ledger } = read;
  if (settings.paused) return skip(PAUSED);
  const record = ledger.rollout;
  if (record === undefined || record.phase === "rolled_back")
    return skip("no rollout of the product to roll back");
  if (isBakeOver(record, settings.bakeSeconds, now)) {
    return skip(`rollout of ${shortDigest(record.digest)} finished its ${settings.bakeSeconds}s bake window`);
  }
  const good = ledger.lastKnownGood;
  if (good === undefined) return skip("no last known-good image recorded");
  const images = Object.fromEntries(
    Object.entries(good.images).filter(([name]) =>
      deployment.containers.some((container) => container.name === name),
    ),
  );
  const firstName = Object.keys(images)[0];
  if (firstName === undefined) return skip("last known-good containers no longer exist");
  const current = deployment.containers.find((container) => container.name === firstName)?.image ?? "";
  const rolledBack: RolloutRecord = {
    ...record,
    phase: "rolled_back",
    endedAt: now.toISOString(),
    settledAt: now.toISOString(),
    rollback: {
      reason,
      to: images,
      ...(options.quarantineError !== undefined ? { quarantineError: options.quarantineError } : {}),
    },
    notified: noticeLease(options.leaseUntil ?? now),
  };
  return {
    action: "rollback",
    patch: {
      resourceVersion: deployment.resourceVersion,
      images,
      annotations: {
        ...ledgerAnnotations(deployment.annotations, {
          quarantined: addQuarantined(ledger.quarantined, record.digest),
          ...(good.pushedAt ? { pushedAt: new Date(good.pushedAt) } : {}),
          lastKnownGood: good,
          rollout: rolledBack,
          // a rollout held by a gate is still the next one: the rollback does not forget it
          ...(ledger.pending ? { pending: ledger.pending } : {}),
        }),
        [Annotation.changeCause]: `rollback of ${record.tag} (${shortDigest(record.digest)}): ${reason}`,
      },
    },
    record: rolledBack,
    from: imageLabel(current),
    to: imageLabel(images[firstName] ?? ""),
  };
}
