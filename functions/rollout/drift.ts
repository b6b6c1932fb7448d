// Pure planning of drift: a container runs another image than the one the ledger pinned (the
// last rollout's `to`, with what was adopted since, or the last known-good after a rollback or
// before any rollout), because someone changed it by hand (kubectl set image, a forced
// server-side apply of an overlay, another controller). The Deployment's managedFields say who
// and when. The operator's `rollout.coworking.dev/drift` decides:
// - adopt (default): the running image becomes the pinned one, a ledger write and nothing else;
//   the never-downgrade floor stays where it was, so the loop does not push the old image back;
// - restore: the pinned image is rolled back out, as a rollout (trigger `drift`) that is watched,
//   completed or rolled back like any other.
// While a rollout is in progress there is no drift to speak of.

import { parseImageReference } from "./imageReference.js";
import {
  Annotation,
  type Ledger,
  ledgerAnnotations,
  pinnedImages,
  type RolloutRecord,
  type Settings,
} from "./ledger.js";
import type { DeploymentPatch, DeploymentState, FieldChange } from "./model.js";
import { PAUSED } from "./plan.js";

export interface DriftedContainer {
  container: string;
  /** The image the ledger pinned. */
  pinned: string;
  /** The image running now. */
  running: string;
  /** Who last set the image, from managedFields, when the apiserver says. */
  changedBy?: FieldChange;
}

export type DriftDecision =
  | { action: "none" }
  | { action: "adopt"; drifted: DriftedContainer[]; patch: DeploymentPatch }
  | { action: "restore"; drifted: DriftedContainer[]; patch: DeploymentPatch; record: RolloutRecord }
  /** Seen, and not acted on: `reason` says why. */
  | { action: "report"; drifted: DriftedContainer[]; reason: string };

/** `manager (operation) at time`, how results and messages name who changed an image. */
export function describeChange(change: FieldChange | undefined): string {
  if (change === undefined) return "unknown (no managedFields)";
  return `${change.manager} (${change.operation})${change.time ? ` at ${change.time}` : ""}`;
}

/** The containers whose running image is not the pinned one. */
export function driftedContainers(deployment: DeploymentState, ledger: Ledger): DriftedContainer[] {
  const pinned = pinnedImages(ledger);
  if (pinned === undefined) return [];
  return deployment.containers.flatMap((container) => {
    const image = pinned[container.name];
    if (image === undefined || image === container.image) return [];
    const changedBy = deployment.imageChanges?.[container.name];
    return [
      {
        container: container.name,
        pinned: image,
        running: container.image,
        ...(changedBy ? { changedBy } : {}),
      },
    ];
  });
}

export function planDrift(
  deployment: DeploymentState,
  settings: Pick<Settings, "drift"> & Partial<Pick<Settings, "paused">>,
  ledger: Ledger,
  now: Date,
): DriftDecision {
  const drifted = driftedContainers(deployment, ledger);
  if (drifted.length === 0) return { action: "none" };
  const record = ledger.rollout;
  const by = drifted[0]?.changedBy;
  if (settings.drift === "adopt") {
    const running = Object.fromEntries(drifted.map((entry) => [entry.container, entry.running]));
    const next: Ledger =
      record === undefined || record.phase === "rolled_back"
        ? {
            ...ledger,
            lastKnownGood: {
              ...ledger.lastKnownGood,
              images: { ...ledger.lastKnownGood?.images, ...running },
            },
          }
        : {
            ...ledger,
            rollout: {
              ...record,
              adopted: {
                images: { ...record.adopted?.images, ...running },
                at: now.toISOString(),
                ...(by ? { by: describeChange(by) } : {}),
              },
            },
          };
    return {
      action: "adopt",
      drifted,
      patch: {
        resourceVersion: deployment.resourceVersion,
        images: {},
        annotations: ledgerAnnotations(deployment.annotations, next),
      },
    };
  }
  if (settings.paused) return { action: "report", drifted, reason: PAUSED };
  if (record?.phase === "failed") {
    return { action: "report", drifted, reason: "the pinned image is a failed rollout's: not restored" };
  }
  if (record?.phase === "baking") {
    return {
      action: "report",
      drifted,
      reason: "the release is still in its bake window: restored once it is settled",
    };
  }
  const first = drifted[0] as DriftedContainer;
  const reference = parseImageReference(first.pinned);
  if (reference.digest === undefined || reference.tag === undefined) {
    return {
      action: "report",
      drifted,
      reason: `the pinned image ${first.pinned} is not pinned as <repository>:<tag>@<digest>: not restored`,
    };
  }
  const pushedAt =
    record !== undefined && record.phase !== "rolled_back" && record.to[first.container] === first.pinned
      ? record.pushedAt
      : (ledger.lastKnownGood?.pushedAt ?? ledger.pushedAt?.toISOString());
  if (pushedAt === undefined) {
    return { action: "report", drifted, reason: "the pinned image's push time is unknown: not restored" };
  }
  const from = Object.fromEntries(drifted.map((entry) => [entry.container, entry.running]));
  const to = Object.fromEntries(drifted.map((entry) => [entry.container, entry.pinned]));
  const restore: RolloutRecord = {
    phase: "progressing",
    repository: reference.repository,
    tag: reference.tag,
    digest: reference.digest,
    pushedAt,
    startedAt: now.toISOString(),
    from,
    to,
    fromRequests: deployment.podRequests,
    generation: deployment.generation + 1,
    trigger: "drift",
  };
  // The pinned images are the known-good ones.
  const lastKnownGood =
    record === undefined || record.phase === "rolled_back"
      ? ledger.lastKnownGood
      : { images: pinnedImages(ledger) ?? {}, pushedAt: record.pushedAt };
  return {
    action: "restore",
    drifted,
    record: restore,
    patch: {
      resourceVersion: deployment.resourceVersion,
      images: to,
      annotations: {
        ...ledgerAnnotations(deployment.annotations, {
          ...ledger,
          rollout: restore,
          ...(lastKnownGood ? { lastKnownGood } : {}),
        }),
        [Annotation.changeCause]: `restore of ${reference.tag} after drift: ${describeChange(by)} changed ${first.container} to ${first.running}`,
      },
    },
  };
}
