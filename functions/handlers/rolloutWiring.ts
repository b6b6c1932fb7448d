// The wiring every rollout function shares (onImagePush, reconcile, and the alarm handler's
// rollback): config, logger, metrics, notifier, clusters, ECR, the executor, the fleet and the
// reporter. Each function's own wiring.ts calls this once per cold start and adds what only it
// needs.
import { ECRClient } from "@aws-sdk/client-ecr";
import { createMetricsRecorder } from "../extension/metrics/recorders.js";
import type { Notifier } from "../extension/notification/notifier.js";
import { createNotifier } from "../extension/notification/sinks.js";
import type { Invocation } from "../lambda/handler.js";
import { EcrImageRegistry } from "../provider/ecr/ecrImageRegistry.js";
import { createClusterResolver } from "../provider/eks/clusterResolvers.js";
import { KubernetesDeployments } from "../provider/kubernetes/kubernetesDeployments.js";
import { invocationClock } from "../rollout/clock.js";
import type { InvocationClock } from "../rollout/executor.js";
import { RolloutExecutor } from "../rollout/executor.js";
import { Fleet } from "../rollout/fleet.js";
import type { OwnRegistry } from "../rollout/plan.js";
import type { DeploymentApi } from "../rollout/ports/deploymentApi.js";
import type { ImageRegistry } from "../rollout/ports/imageRegistry.js";
import { RolloutReporter } from "../rollout/report.js";
import { type Config, type Env, loadConfig } from "../shared/config.js";
import { createLogger, type Logger } from "../shared/logger.js";
import type { MetricsRecorder } from "../types/metricsRecorder.js";

/** Concurrent list calls (clusters × namespaces) per invocation. */
const LIST_CONCURRENCY = 10;

export interface RolloutRoot {
  config: Config;
  logger: Logger;
  metrics: MetricsRecorder;
  notifier: Notifier;
  ownRegistry: OwnRegistry;
  /** ECR of one account (the event's, or the one a container's repository names). */
  registry(account: string): ImageRegistry;
  /** The Deployments API of every configured cluster, reusing clients across warm invocations. */
  deploymentApis(): Promise<DeploymentApi[]>;
  executor: RolloutExecutor;
  fleet: Fleet;
  reporter: RolloutReporter;
}

export function composeRollout(serviceName: string, env: Env = process.env): RolloutRoot {
  const config = loadConfig(env);
  const logger = createLogger(serviceName);
  const metrics = createMetricsRecorder(config.metrics, serviceName);
  const notifier = createNotifier(config.notification, metrics, logger);
  const ownRegistry: OwnRegistry = { region: config.aws.region, accounts: config.aws.registryAccountIds };
  const ecr = new ECRClient({ region: config.aws.region });
  const registries = new Map<string, ImageRegistry>();
  const registry = (account: string): ImageRegistry => {
    let found = registries.get(account);
    if (!found) {
      found = new EcrImageRegistry(ecr, account);
      registries.set(account, found);
    }
    return found;
  };
  const resolver = createClusterResolver(config.clusters, config.aws);
  const apis = new Map<string, DeploymentApi>();
  const deploymentApis = async (): Promise<DeploymentApi[]> =>
    (await resolver.clusters()).map((target) => {
      let api = apis.get(target.name);
      if (!api) {
        api = new KubernetesDeployments(target);
        apis.set(target.name, api);
      }
      return api;
    });
  const executor = new RolloutExecutor({ registry, logger, ownRegistry });
  const fleet = new Fleet({
    apis: deploymentApis,
    namespaces: config.rollout.namespaces,
    concurrency: LIST_CONCURRENCY,
  });
  const reporter = new RolloutReporter({
    metrics,
    notifier,
    logger,
    costReferenceInstanceType: config.cost.referenceInstanceType,
  });
  return {
    config,
    logger,
    metrics,
    notifier,
    ownRegistry,
    registry,
    deploymentApis,
    executor,
    fleet,
    reporter,
  };
}

/** How long this invocation may watch rollouts: ROLLOUT_WAIT_SECONDS and what Lambda says remains. */
export function rolloutClock(root: RolloutRoot, invocation: Invocation): InvocationClock {
  const remainingMs = invocation.context ? invocation.remainingMs() : undefined;
  return invocationClock(invocation.startedAt, root.config.rollout.waitSeconds, remainingMs);
}
