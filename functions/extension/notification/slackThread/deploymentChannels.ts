// The Slack channel each Deployment asks for (`rollout.coworking.dev/slack-channel`), read from
// the Deployment itself for the functions that reach the clusters, when a notification does not
// carry it. Cached a minute per Deployment, so a rollout's several messages cost one read. A
// value outside the channel grammar is said once (a warning naming the Deployment and the
// problem) and the release goes to the default channel: a display setting never stops a rollout.

import { readSlackChannel, SLACK_CHANNEL_ANNOTATION } from "../../../rollout/notifications.js";
import type { DeploymentApi } from "../../../rollout/ports/deploymentApi.js";
import type { Logger } from "../../../shared/logger.js";
import type { DeploymentRef } from "../../../types/notification.js";
import { deploymentKeyOf } from "./releaseState.js";

export const CHANNEL_CACHE_MS = 60_000;

export class DeploymentChannels {
  readonly #cache = new Map<string, { channel: string | undefined; at: number }>();
  readonly #warned = new Set<string>();

  constructor(
    private readonly apis: () => Promise<DeploymentApi[]>,
    private readonly logger: Pick<Logger, "warn">,
    private readonly now: () => number = Date.now,
  ) {}

  readonly channelOf = async (deployment: DeploymentRef): Promise<string | undefined> => {
    const key = deploymentKeyOf(deployment);
    const cached = this.#cache.get(key);
    if (cached && this.now() - cached.at < CHANNEL_CACHE_MS) return cached.channel;
    const api = (await this.apis()).find((candidate) => candidate.cluster === deployment.cluster);
    if (api === undefined) return undefined;
    const state = await api.get(deployment.namespace, deployment.name);
    const read = readSlackChannel(state.annotations);
    let channel: string | undefined;
    if ("problem" in read) {
      const value = state.annotations[SLACK_CHANNEL_ANNOTATION] ?? "";
      if (!this.#warned.has(`${key}\u0000${value}`)) {
        this.#warned.add(`${key}\u0000${value}`);
        this.logger.warn(
          "slack-channel annotation refused; the Deployment's releases go to the default channel",
          {
            deployment: key,
            value: value.slice(0, 100),
            problem: read.problem,
          },
        );
      }
    } else {
      channel = read.channel;
    }
    this.#cache.set(key, { channel, at: this.now() });
    return channel;
  };
}
