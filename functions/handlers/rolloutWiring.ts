// The wiring every rollout function shares (onImagePush, reconcile, and the alarm handler's
// rollback): config, logger, metrics, notifier, clusters, ECR, the stage's quarantine, the
// executor, the fleet and the reporter. Each function's own wiring.ts calls this once per cold
// start and adds what only it needs.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { createMetricsRecorder } from "../extension/metrics/recorders.js";
import type { Notifier } from "../extension/notification/notifier.js";
import { createNotifier } from "../extension/notification/sinks.js";
import { DeploymentChannels } from "../extension/notification/slackThread/deploymentChannels.js";
import type { Invocation } from "../lambda/handler.js";
import { QuarantineTable } from "../provider/dynamodb/quarantineTable.js";
import { RefusalTable } from "../provider/dynamodb/refusalTable.js";
import { DEFAULT_ECR_RETRY, EcrImageRegistry } from "../provider/ecr/ecrImageRegistry.js";
import { createClusterResolver } from "../provider/eks/clusterResolvers.js";
import {
  DEFAULT_KUBERNETES_OPTIONS,
  KubernetesDeployments,
} from "../provider/kubernetes/kubernetesDeployments.js";
import { invocationClock } from "../rollout/clock.js";
import { type DecisionActs, type DecisionRequest, decide } from "../rollout/decide.js";
import { type InvocationClock, RolloutExecutor } from "../rollout/executor.js";
import { Fleet } from "../rollout/fleet.js";
import type { OwnRegistry } from "../rollout/plan.js";
import type { DeploymentApi } from "../rollout/ports/deploymentApi.js";
import type { ImageRegistry } from "../rollout/ports/imageRegistry.js";
import type { QuarantineStore } from "../rollout/ports/quarantineStore.js";
import type { ScanFindings } from "../rollout/ports/scanFindings.js";
import type { ScanResults } from "../rollout/ports/scanResults.js";
import { RolloutReporter } from "../rollout/report.js";
import { type Config, type Env, loadConfig } from "../shared/config.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { InvocationDeadline } from "../shared/retry.js";
import { ConfigError } from "../types/errors.js";
import type { MetricsRecorder } from "../types/metricsRecorder.js";
import { composeScans } from "./scanWiring.js";

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
  /** The stage-wide quarantine (the state table), or none in local mode without a table. */
  quarantine: QuarantineStore;
  /** The image scans recorded for the stage (the state table), which the executor's scan gate reads. */
  scanResults: ScanResults;
  /** DescribeImageScanFindings of one registry (account). */
  scanFindings(registryId: string): ScanFindings;
  executor: RolloutExecutor;
  fleet: Fleet;
  reporter: RolloutReporter;
  /** The running invocation's deadline: the adapters' retries never wait past it. */
  deadline: InvocationDeadline;
  /** The root's one client of the state table, for any further store a function keeps there. */
  stateTable: DynamoDBClient;
}

/** The one decision path (rollout/decide.ts) over a root's fleet, executor and quarantine. */
export type DecisionPath = (
  request: DecisionRequest,
  clock: InvocationClock,
  defaultRegistryId: string,
) => Promise<DecisionActs>;

/** What onDecision and onSlackAction decide with: the same path, whichever door a decision came in by. */
export function decisionPath(root: Pick<RolloutRoot, "fleet" | "executor" | "quarantine">): DecisionPath {
  return (request, clock, defaultRegistryId) =>
    decide(
      request,
      { fleet: root.fleet, executor: root.executor, quarantine: root.quarantine, defaultRegistryId },
      clock,
    );
}

/** Local mode without a table: the ledger annotation of each Deployment is the only quarantine. */
const ledgerOnlyQuarantine: QuarantineStore = {
  isQuarantined: async () => false,
  quarantine: async () => undefined,
  list: async () => [],
  release: async () => undefined,
};

/** For a function that rolls nothing out or back (publishAlarms): asking it anything is a wiring bug. */
const noQuarantine: QuarantineStore = {
  isQuarantined: () => Promise.reject(new Error("this function has no quarantine store")),
  quarantine: () => Promise.reject(new Error("this function has no quarantine store")),
  list: () => Promise.reject(new Error("this function has no quarantine store")),
  release: () => Promise.reject(new Error("this function has no quarantine store")),
};

/**
 * The stage's quarantine: the state table (STATE_TABLE_NAME), required in EKS mode so a deployed
 * function without it fails at cold start; in local mode without it, the ledger annotation alone
 * quarantines, said once per cold start.
 */
function quarantineStore(config: Config, logger: Logger, dynamo: DynamoDBClient): QuarantineStore {
  const tableName = config.rollout.stateTableName;
  if (tableName !== undefined) return new QuarantineTable(dynamo, tableName);
  if (config.clusters.mode === "eks") {
    throw new ConfigError(
      "invalid configuration: STATE_TABLE_NAME is required unless KUBECONFIG is set (the stage's state table, which holds the quarantine)",
    );
  }
  logger.warn(
    "STATE_TABLE_NAME is not set: quarantined digests are kept on each Deployment's ledger only, not for the whole stage",
  );
  return ledgerOnlyQuarantine;
}

export interface RolloutOptions {
  /** The function rolls out or back (onImagePush, reconcile, onAlarmStateChange): it needs the stage's quarantine. */
  quarantine: boolean;
}

export function composeRollout(
  serviceName: string,
  env: Env = process.env,
  options: RolloutOptions = { quarantine: false },
): RolloutRoot {
  const config = loadConfig(env);
  const logger = createLogger(serviceName);
  const metrics = createMetricsRecorder(config.metrics, serviceName);
  const deadline = new InvocationDeadline();
  // With Slack threads, a Deployment may send its releases to its own channel (docs/slack.md).
  const channels = config.notification.slackApp
    ? new DeploymentChannels(() => deploymentApis(), logger)
    : undefined;
  // One client of the state table for the root: the quarantine, refusals, scan results and release
  // threads share it (and its connections, credentials and retries).
  const dynamo = new DynamoDBClient({ region: config.aws.region });
  const notifier = createNotifier(config.notification, metrics, logger, {
    until: deadline.until,
    dynamo,
    ...(channels && { deploymentChannel: channels.channelOf }),
  });
  const ownRegistry: OwnRegistry = { region: config.aws.region, accounts: config.aws.registryAccountIds };
  // One retry mechanism (shared/retry.ts, within the invocation's time), not the SDK's own as well.
  const ecr = new ECRClient({ region: config.aws.region, maxAttempts: 1 });
  const registries = new Map<string, ImageRegistry>();
  const registry = (account: string): ImageRegistry => {
    let found = registries.get(account);
    if (!found) {
      found = new EcrImageRegistry(ecr, account, { ...DEFAULT_ECR_RETRY, until: deadline.until });
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
        api = new KubernetesDeployments(target, {
          ...DEFAULT_KUBERNETES_OPTIONS,
          retry: { ...DEFAULT_KUBERNETES_OPTIONS.retry, until: deadline.until },
        });
        apis.set(target.name, api);
      }
      return api;
    });
  const quarantine = options.quarantine ? quarantineStore(config, logger, dynamo) : noQuarantine;
  const { scanResults, scans, scanFindings } = composeScans(
    config,
    logger,
    ecr,
    deadline,
    options.quarantine,
    dynamo,
  );
  const executor = new RolloutExecutor({ registry, logger, ownRegistry, quarantine, scans });
  const fleet = new Fleet({
    apis: deploymentApis,
    namespaces: config.rollout.namespaces,
    concurrency: LIST_CONCURRENCY,
  });
  const tableName = config.rollout.stateTableName;
  const reporter = new RolloutReporter({
    metrics,
    notifier,
    logger,
    ...(tableName ? { refusals: new RefusalTable(dynamo, tableName) } : {}),
    costReferenceInstanceType: config.cost.referenceInstanceType,
    recordDelivery: async (deployment, delivery, delivered) => {
      const api = (await deploymentApis()).find((candidate) => candidate.cluster === deployment.cluster);
      if (api === undefined) return;
      await executor.recordNotified(
        api,
        deployment.namespace,
        deployment.name,
        delivery.release,
        delivery.event,
        delivered,
      );
    },
  });
  return {
    config,
    logger,
    metrics,
    notifier,
    ownRegistry,
    registry,
    deploymentApis,
    quarantine,
    scanResults,
    scanFindings,
    executor,
    fleet,
    reporter,
    deadline,
    stateTable: dynamo,
  };
}

/** How long this invocation may watch rollouts: ROLLOUT_WAIT_SECONDS and what Lambda says remains. */
export function rolloutClock(root: RolloutRoot, invocation: Invocation): InvocationClock {
  const remainingMs = invocation.context ? invocation.remainingMs() : undefined;
  const clock = invocationClock(invocation.startedAt, root.config.rollout.waitSeconds, remainingMs);
  root.deadline?.set(clock.deadline);
  return clock;
}
