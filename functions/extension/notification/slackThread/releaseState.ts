// The pure part of a release's thread: which key a notification's release is filed under, which
// step of the release it is (so a retried delivery is recognised), and what the parent message
// shows after it. Steps arrive in any order (a pipeline's SUCCEEDED often after the rollout of the
// image it pushed), so the parent's state only moves forward: the furthest stage, and per
// Deployment the latest rollout and, within one rollout, the most telling phase.

import type {
  DeploymentRef,
  Notification,
  ReleaseContext,
  ReleasePhase,
  ReleaseStage,
} from "../../../types/notification.js";
import type { DeploymentMark, ParentState, ReleaseKeyRecord } from "../../../types/releaseThreads.js";

const STAGE_RANK: Record<ReleaseStage, number> = { build: 0, scan: 1, gate: 2, rollout: 3 };

/** Within one rollout of a Deployment, which phase tells more (and so wins over another). */
const DEPLOYMENT_RANK: Partial<Record<ReleasePhase | "replaced", number>> = {
  "dry-run": 0,
  held: 1,
  "rolling-out": 2,
  "rolled-out": 3,
  // A newer release took the Deployment over (markReplaced): a late copy of this one's success
  // must not bring its rollback back.
  replaced: 4,
  blocked: 5,
  failed: 5,
  "rolled-back": 6,
};

const PIPELINE_PHASES = new Set<ReleasePhase>(["building", "built", "build-failed", "build-stopped"]);

export const deploymentKeyOf = (deployment: DeploymentRef): string =>
  `${deployment.cluster}/${deployment.namespace}/${deployment.name}`;

/**
 * The key of one step of the release: the event, the Deployment it is about, and what tells two
 * occurrences apart (another gate, another attempt, another rollout of the same digest).
 */
export function stepId(notification: Notification): string {
  const release = notification.release;
  const deployment = notification.deployment ? deploymentKeyOf(notification.deployment) : "-";
  const parts = [notification.event, deployment, release?.occurrence ?? "", release?.gate ?? ""];
  // Only steps that have an episode get a fifth part, so the keys of every other step stay as stored.
  return [...parts, ...(release?.episode !== undefined ? [release.episode] : [])].join("|");
}

/** The events whose message is one reply edited as the rollout goes on, not a reply each. */
export const PROGRESS_EVENTS: ReadonlySet<string> = new Set(["rollout.started", "rollout.progress"]);

/** The one progress reply of a rollout of one Deployment. */
export function progressSlot(notification: Notification): string | undefined {
  if (!notification.deployment) return undefined;
  return ["progress", deploymentKeyOf(notification.deployment), notification.release?.occurrence ?? ""].join(
    "|",
  );
}

/** A failure or a rollback is shown in the channel too, not only in the thread. */
export function isBroadcast(notification: Notification): boolean {
  return notification.severity === "critical";
}

/**
 * The key a release is filed under, and the keys to record as its other names. An alias already
 * recorded is followed; else the first key that has threads; else the notification's own key.
 * Keys with nothing stored become aliases of that one, so the release keeps one thread whichever
 * of its names a later step knows.
 */
export function resolveKeys(
  release: Pick<ReleaseContext, "key" | "aliases">,
  records: ReadonlyMap<string, ReleaseKeyRecord>,
): { key: string; newAliases: string[] } {
  const keys = [release.key, ...(release.aliases ?? []).filter((key) => key !== release.key)];
  const record = (key: string): ReleaseKeyRecord => records.get(key) ?? { channels: [] };
  const aliased = keys.map((key) => record(key).alias).find((target) => target !== undefined);
  const threaded = keys.find((key) => record(key).channels.length > 0);
  const key = aliased ?? threaded ?? release.key;
  const newAliases = keys.filter(
    (candidate) =>
      candidate !== key && record(candidate).alias === undefined && record(candidate).channels.length === 0,
  );
  return { key, newAliases };
}

const epoch = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : at;
};

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined && entry !== ""),
  ) as Partial<T>;

export const emptyParent = (): ParentState => ({ deployments: {} });

/** Whether `next` replaces `current` as where one Deployment stands. */
function replaces(current: DeploymentMark, next: DeploymentMark): boolean {
  const a = current.occurrence ?? "";
  const b = next.occurrence ?? "";
  // A later rollout of the same release (the digest rolled out again) starts over.
  if (b !== a) return b > a;
  const rank = (phase: string) => DEPLOYMENT_RANK[phase as ReleasePhase | "replaced"] ?? 0;
  return rank(next.phase) >= rank(current.phase);
}

/** Where a Deployment stood before a newer release replaced it there: nothing left to decide. */
const REPLACEABLE = new Set(["held", "rolling-out", "rolled-out"]);

/**
 * The parent's state of a release that a newer one replaced on `deployment`: that Deployment no
 * longer runs it (its rollback is no longer offered). A failure or a rollback stays as it was.
 */
export function markReplaced(state: ParentState, deployment: string): ParentState {
  const current = state.deployments[deployment];
  if (current === undefined || !REPLACEABLE.has(current.phase)) return state;
  const { gate: _gate, ...rest } = current;
  return { ...state, deployments: { ...state.deployments, [deployment]: { ...rest, phase: "replaced" } } };
}

/** The parent's state after one more step. Pure; merging the same step twice changes nothing. */
export function mergeParent(state: ParentState, notification: Notification): ParentState {
  const release = notification.release;
  if (!release) return state;
  const facts = defined({
    repository: release.repository,
    tag: release.tag,
    digest: release.digest,
    pipeline: release.pipeline,
    executionId: release.executionId,
    executionUrl: release.executionUrl,
    buildUrl: release.buildUrl,
    commit: release.commit,
    commitSummary: release.commitSummary,
    commitUrl: release.commitUrl,
  });
  const next: ParentState = { ...state, ...facts, deployments: { ...state.deployments } };
  const stage = state.stage as ReleaseStage | undefined;
  if (stage === undefined || STAGE_RANK[release.stage] > STAGE_RANK[stage]) next.stage = release.stage;
  if (PIPELINE_PHASES.has(release.phase)) {
    // A late STARTED never hides the outcome of the same execution.
    if (!(release.phase === "building" && state.pipelinePhase !== undefined))
      next.pipelinePhase = release.phase;
  } else if (notification.deployment) {
    const key = deploymentKeyOf(notification.deployment);
    const current = state.deployments[key];
    const mark: DeploymentMark = {
      phase: release.phase,
      ...(release.gate !== undefined && { gate: release.gate }),
      ...(release.occurrence !== undefined && { occurrence: release.occurrence }),
    };
    if (current === undefined || replaces(current, mark)) next.deployments[key] = mark;
  }
  const started = epoch(release.startedAt);
  if (started !== undefined && (state.startedAt === undefined || started < state.startedAt)) {
    next.startedAt = started;
  }
  const ended = epoch(release.endedAt);
  if (ended !== undefined && (state.endedAt === undefined || ended > state.endedAt)) next.endedAt = ended;
  return next;
}

export interface ReleaseSummary {
  /** Repository name, else the pipeline's name. */
  service: string;
  /** The tag, unless it is the commit (the buildspec's tags), which the commit part shows. */
  version?: string;
  commit?: string;
  commitSummary?: string;
  stage?: string;
  /** The verdict, as words, and the emoji that leads it. */
  verdict: string;
  icon: string;
  /** Shown once nothing is under way any more. */
  durationMs?: number;
  /** The release is over (every Deployment ended, or the build did). */
  settled: boolean;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** The repository's name without its registry, e.g. `coworking/analytics`. */
export function repositoryName(repository: string | undefined): string | undefined {
  if (repository === undefined) return undefined;
  const slash = repository.indexOf("/");
  return slash < 0 ? repository : repository.slice(slash + 1);
}

/** What the parent line says about the release as it stands. */
export function summarise(state: ParentState): ReleaseSummary {
  const name = repositoryName(state.repository);
  const service = name?.slice(name.lastIndexOf("/") + 1) ?? state.pipeline ?? "release";
  const version =
    state.tag === undefined || state.tag === state.commit
      ? undefined
      : /^[0-9a-f]{40}$/.test(state.tag)
        ? state.tag.slice(0, 12)
        : state.tag;
  const replaced = Object.values(state.deployments).filter((mark) => mark.phase === "replaced").length;
  const marks = Object.entries(state.deployments).filter(
    ([, mark]) => mark.phase !== "dry-run" && mark.phase !== "replaced",
  );
  const count = (phase: string) => marks.filter(([, mark]) => mark.phase === phase).length;
  const total = marks.length;
  const only = total === 1 ? marks[0]?.[0] : undefined;
  const on = (n: number) => (only !== undefined ? `on ${only}` : `on ${n} of ${total} Deployments`);
  const live = count("rolled-out");
  const alsoLive = live > 0 ? ` (live on ${live})` : "";
  const under = count("held") + count("rolling-out");
  const pipeline = state.pipelinePhase;
  let icon: string;
  let verdict: string;
  if (count("rolled-back") > 0) {
    icon = ":rotating_light:";
    verdict = `rolled back ${on(count("rolled-back"))}${alsoLive}`;
  } else if (count("failed") > 0) {
    icon = ":x:";
    verdict = `failed ${on(count("failed"))}${alsoLive}`;
  } else if (count("blocked") > 0) {
    icon = ":no_entry:";
    verdict = `blocked ${on(count("blocked"))}${alsoLive}`;
  } else if (pipeline === "build-failed" && total === 0) {
    icon = ":x:";
    verdict = "build failed";
  } else if (pipeline === "build-stopped" && total === 0) {
    icon = ":black_square_for_stop:";
    verdict = "pipeline stopped";
  } else if (count("held") > 0) {
    const gates = [
      ...new Set(marks.filter(([, mark]) => mark.phase === "held").map(([, mark]) => mark.gate ?? "a gate")),
    ];
    icon = ":hourglass_flowing_sand:";
    verdict = `held at ${gates.join(", ")} ${on(count("held"))}`;
  } else if (count("rolling-out") > 0) {
    icon = ":arrows_counterclockwise:";
    verdict = `rolling out ${only !== undefined ? `to ${only}` : `(${live} of ${total} Deployments done)`}`;
  } else if (total > 0 && live === total) {
    icon = ":white_check_mark:";
    verdict = only !== undefined ? `live on ${only}` : `live on ${plural(total, "Deployment")}`;
    if (replaced > 0) verdict += ` (replaced by a newer release on ${replaced})`;
  } else if (total === 0 && replaced > 0) {
    icon = ":fast_forward:";
    verdict = `replaced by a newer release${replaced > 1 ? ` on ${plural(replaced, "Deployment")}` : ""}`;
  } else if (pipeline === "building") {
    icon = ":hammer_and_wrench:";
    verdict = "building";
  } else if (pipeline === "built") {
    icon = ":package:";
    verdict = "built, waiting for its rollout";
  } else if (Object.keys(state.deployments).length > 0) {
    icon = ":memo:";
    verdict = "dry run only";
  } else {
    icon = ":information_source:";
    verdict = "under way";
  }
  const settled =
    under === 0 && pipeline !== "building" && (total > 0 || replaced > 0 || pipeline !== undefined);
  const durationMs =
    settled &&
    state.startedAt !== undefined &&
    state.endedAt !== undefined &&
    state.endedAt >= state.startedAt
      ? state.endedAt - state.startedAt
      : undefined;
  return {
    service,
    ...(version !== undefined && { version }),
    ...(state.commit !== undefined && { commit: state.commit }),
    ...(state.commitSummary !== undefined && { commitSummary: state.commitSummary }),
    ...(state.stage !== undefined && { stage: state.stage }),
    verdict,
    icon,
    ...(durationMs !== undefined && { durationMs }),
    settled,
  };
}

export type Decision = "approve" | "reject" | "rollback";

/** The Deployments and the decisions the parent's buttons offer for each, in a stable order. */
export function decisions(state: ParentState): { deployment: string; actions: Decision[] }[] {
  const open: { deployment: string; actions: Decision[] }[] = [];
  for (const [deployment, mark] of Object.entries(state.deployments).sort(([a], [b]) => a.localeCompare(b))) {
    if (mark.phase === "held") {
      open.push({ deployment, actions: mark.gate === "approval" ? ["approve", "reject"] : ["reject"] });
    } else if (mark.phase === "rolled-out") {
      open.push({ deployment, actions: ["rollback"] });
    }
  }
  return open;
}
