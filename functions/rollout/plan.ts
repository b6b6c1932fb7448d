// Pure planning: given an image and what the cluster says, decide what to write. No I/O here;
// the executor applies these decisions with optimistic concurrency and re-plans on conflict.

import {
  type Approval,
  type BlockCause,
  evaluateGates,
  type GateName,
  type GateVerdict,
  hasGates,
  type ScanFact,
  samePending,
  withApproval,
} from "./gates/evaluate.js";
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
  | Block
  | { action: "skip"; reason: string }
  | Refusal;

/**
 * A rollout planned but not started: a gate holds it (`pending` is the record to keep on the
 * ledger, `patch` writes it unless the same hold is recorded already), or the Deployment is in
 * dry-run mode (nothing is written; `pending` says what a gate would have done).
 */
export interface Hold {
  action: "hold";
  gate: GateName | "dry-run";
  from: string;
  to: string;
  pending?: PendingRecord;
  patch?: DeploymentPatch;
  /** dry-run: the gates would block it, and why. */
  blocked?: string;
}

/**
 * A gate refuses the release for good on this Deployment: the digest joins its quarantine (and,
 * for a scan finding, the stage's) and the held record is removed; nothing else is written.
 */
export interface Block {
  action: "block";
  cause: BlockCause;
  reason: string;
  pending: PendingRecord;
  scan?: ScanFact;
  from: string;
  to: string;
  patch: DeploymentPatch;
}

/** What planning is told besides the Deployment: the image's scan, an approval being given. */
export interface PlanFacts {
  scan?: ScanFact;
  approval?: Approval;
}

/** An operator's rollback: who asked, and whether the digest is quarantined too. */
export interface ManualRollback {
  by: string;
  quarantine: boolean;
  /** Only this release: a rollback asked for another one (a stale button) does nothing. */
  digest?: string;
}

export type RollbackDecision =
  | {
      action: "rollback";
      patch: DeploymentPatch;
      record: RolloutRecord;
      from: string;
      to: string;
      /** Whether the rolled-back digest is quarantined (always, unless an operator said otherwise). */
      quarantine: boolean;
    }
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

function changeCause(candidate: ImageCandidate, approvedBy: string[] = []): string {
  const parts = [
    `rollout of ${candidate.repositoryName}:${candidate.tag} (${shortDigest(candidate.digest)})`,
  ];
  parts.push(candidate.trigger === "push" ? "on ECR push" : "by the reconciler");
  if (candidate.release) {
    parts.push(`pipeline ${candidate.release.pipeline} execution ${candidate.release.executionId}`);
    parts.push(`commit ${candidate.release.commit.slice(0, 12)}`);
  }
  if (approvedBy.length > 0) parts.push(`approved by ${approvedBy.join(", ")}`);
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
  facts: PlanFacts = {},
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
  const manualRollback = ledger.rollout?.phase === "rolled_back" ? ledger.rollout.rollback?.by : undefined;
  if (
    manualRollback !== undefined &&
    ledger.rollout !== undefined &&
    candidate.pushedAt.getTime() <= Date.parse(ledger.rollout.pushedAt)
  ) {
    return skip(
      `held at its known-good image since a manual rollback by ${manualRollback}: only an image pushed after ${ledger.rollout.tag} (${ledger.rollout.pushedAt}) rolls out`,
    );
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
  const labels = { from: imageLabel(first.image), to: imageLabel(image) };
  // An approval is for one held digest: if another release took its place, it approves nothing.
  if (facts.approval && ledger.pending?.digest !== candidate.digest) {
    return skip(`nothing of ${shortDigest(candidate.digest)} is pending approval any more`);
  }
  const gated = hasGates(settings.gates) || ledger.pending !== undefined;
  const gate: GateVerdict = gated
    ? evaluateGates(
        settings.gates,
        ledger.pending && facts.approval ? withApproval(ledger.pending, facts.approval) : ledger.pending,
        {
          repository,
          tag: candidate.tag,
          digest: candidate.digest,
          pushedAt: candidate.pushedAt,
          trigger: candidate.trigger,
          ...(candidate.release ? { release: candidate.release } : {}),
        },
        { now, ...(facts.scan ? { scan: facts.scan } : {}) },
      )
    : { verdict: "go", approvals: [] };
  if (settings.dryRun) {
    return {
      action: "hold",
      gate: "dry-run",
      ...labels,
      ...(gate.verdict === "go" ? {} : { pending: gate.pending }),
      ...(gate.verdict === "block" ? { blocked: gate.reason } : {}),
    };
  }
  if (gate.verdict === "hold") {
    const same = samePending(ledger.pending, gate.pending);
    return {
      action: "hold",
      gate: gate.pending.gate,
      ...labels,
      pending: gate.pending,
      ...(same
        ? {}
        : {
            patch: {
              resourceVersion: deployment.resourceVersion,
              images: {},
              annotations: ledgerAnnotations(deployment.annotations, { ...ledger, pending: gate.pending }),
            },
          }),
    };
  }
  if (gate.verdict === "block") {
    const { pending: _held, ...rest } = ledger;
    return {
      action: "block",
      cause: gate.cause,
      reason: gate.reason,
      pending: gate.pending,
      ...labels,
      ...(gate.scan ? { scan: gate.scan } : {}),
      patch: {
        resourceVersion: deployment.resourceVersion,
        images: {},
        annotations: ledgerAnnotations(deployment.annotations, {
          ...rest,
          quarantined: addQuarantined(ledger.quarantined, candidate.digest),
        }),
      },
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
    ...(gate.verdict === "go" && gate.approvals.length > 0
      ? { approvedBy: gate.approvals.map((approval) => approval.by) }
      : {}),
    ...(gate.verdict === "go" && gate.heldSince ? { heldSince: gate.heldSince } : {}),
    ...(gate.verdict === "go" && gate.heldAt ? { heldAt: gate.heldAt } : {}),
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
        [Annotation.changeCause]: changeCause(candidate, record.approvedBy),
      },
    },
    record,
    from: imageLabel(first.image),
    to: imageLabel(image),
    ...(settled ? { settled } : {}),
  };
}

/** What a held record waits for, in words. */
export function describePending(pending: PendingRecord): string {
  switch (pending.gate) {
    case "scan":
      return `waiting for the image's scan (blocks at ${pending.scanDeadline})`;
    case "approval":
      return `waiting for approval (${pending.approvals.length} so far; expires at ${pending.approvalDeadline})`;
    case "freeze":
      return `held by a change freeze until ${pending.until}`;
  }
}

/** What a hold means, for results and logs. */
export function describeHold(hold: Pick<Hold, "gate" | "pending" | "blocked">): string {
  const { gate, pending, blocked } = hold;
  if (gate === "dry-run") {
    const would = blocked ? `block (${blocked})` : pending ? describePending(pending) : "roll out";
    return `dry run: would ${would}; nothing written`;
  }
  const replacing = pending?.supersedes ? `, replacing the held ${shortDigest(pending.supersedes)}` : "";
  return `${pending ? describePending(pending) : "held"}${replacing}`;
}

/**
 * An approver rejects the held release: its record is removed and its digest joins the
 * Deployment's quarantine, so no run holds it again; a newer push is held or rolled out as usual.
 */
export function planRejection(
  deployment: DeploymentState,
  request: { by: string; digest?: string; reason?: string },
): Block | { action: "skip"; reason: string } | Refusal {
  const read = readOptIn(deployment);
  if (!read.ok) return refuse(read.refusal);
  const { ledger } = read;
  const pending = ledger.pending;
  if (pending === undefined) return skip("nothing is pending (already rolled out, rejected or replaced)");
  if (request.digest !== undefined && request.digest !== pending.digest) {
    return skip(`the pending release is ${shortDigest(pending.digest)}, not ${shortDigest(request.digest)}`);
  }
  const { pending: _held, ...rest } = ledger;
  const image = formatImageReference(pending.repository, pending.tag, pending.digest);
  const running = deployment.containers.find(
    (container) => parseImageReference(container.image).repository === pending.repository,
  );
  return {
    action: "block",
    cause: "rejected",
    reason: `rejected by ${request.by}${request.reason ? `: ${request.reason}` : ""}`,
    pending,
    from: imageLabel(running?.image ?? ""),
    to: imageLabel(image),
    patch: {
      resourceVersion: deployment.resourceVersion,
      images: {},
      annotations: ledgerAnnotations(deployment.annotations, {
        ...rest,
        quarantined: addQuarantined(ledger.quarantined, pending.digest),
      }),
    },
  };
}

/** The ledger write that removes `digest` from the Deployment's quarantine; undefined when it is not there. */
export function planUnquarantine(deployment: DeploymentState, digest: string): DeploymentPatch | undefined {
  const read = tryReadLedger(deployment.annotations);
  if (!read.ok || !read.ledger.quarantined.includes(digest)) return undefined;
  return {
    resourceVersion: deployment.resourceVersion,
    images: {},
    annotations: ledgerAnnotations(deployment.annotations, {
      ...read.ledger,
      quarantined: read.ledger.quarantined.filter((quarantined) => quarantined !== digest),
    }),
  };
}

/** Why a paused Deployment is left alone. */
export const PAUSED = `paused: ${Annotation.paused} is "true"; no automatic rollout, rollback or restore`;

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
  options: { leaseUntil?: Date; quarantineError?: string; manual?: ManualRollback } = {},
): RollbackDecision {
  const read = readOptIn(deployment);
  if (!read.ok) return refuse(read.refusal);
  const { settings, ledger } = read;
  const { manual } = options;
  // An operator's rollback is theirs to make: a pause, a freeze or a bake window do not stop it.
  if (settings.paused && manual === undefined) return skip(PAUSED);
  const record = ledger.rollout;
  if (record === undefined || record.phase === "rolled_back")
    return skip("no rollout of the product to roll back");
  if (manual?.digest !== undefined && manual.digest !== record.digest) {
    return skip(
      `the rollback is for ${shortDigest(manual.digest)}, and the release there now is ${shortDigest(record.digest)}`,
    );
  }
  if (manual === undefined && isBakeOver(record, settings.bakeSeconds, now)) {
    return skip(`rollout of ${shortDigest(record.digest)} finished its ${settings.bakeSeconds}s bake window`);
  }
  // Once a release has settled, the known-good images are its own: go back to what it replaced.
  const good: KnownGood | undefined =
    manual !== undefined && record.phase === "succeeded" ? { images: record.from } : ledger.lastKnownGood;
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
      ...(manual ? { by: manual.by } : {}),
    },
    notified: noticeLease(options.leaseUntil ?? now),
  };
  // An automatic rollback quarantines the digest and lowers the never-downgrade floor to the
  // known-good image. A manual one quarantines only when asked, and keeps the floor at the
  // rolled-back release: the reconciler then does not roll it out again, and a newer push does.
  const quarantine = manual === undefined || manual.quarantine;
  const floor =
    manual === undefined ? (good.pushedAt ? new Date(good.pushedAt) : undefined) : ledger.pushedAt;
  const cause = manual
    ? `manual rollback of ${record.tag} (${shortDigest(record.digest)}) by ${manual.by}: ${reason}`
    : `rollback of ${record.tag} (${shortDigest(record.digest)}): ${reason}`;
  return {
    action: "rollback",
    quarantine,
    patch: {
      resourceVersion: deployment.resourceVersion,
      images,
      annotations: {
        ...ledgerAnnotations(deployment.annotations, {
          quarantined: quarantine ? addQuarantined(ledger.quarantined, record.digest) : ledger.quarantined,
          ...(floor ? { pushedAt: floor } : {}),
          lastKnownGood: good,
          rollout: rolledBack,
          // a rollout held by a gate is still the next one: the rollback does not forget it
          ...(ledger.pending ? { pending: ledger.pending } : {}),
        }),
        [Annotation.changeCause]: cause,
      },
    },
    record: rolledBack,
    from: imageLabel(current),
    to: imageLabel(images[firstName] ?? ""),
  };
}
