// Composition root of reportCost: clusters, the Kubernetes reader, the price sources and the
// metrics recorder, built once per cold start (the on-demand price cache lives as long).
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import type { PriceBookSource, UsageSource } from "../../cost/ports.js";
import { createMetricsRecorder } from "../../extension/metrics/recorders.js";
import { createNotifier } from "../../extension/notification/sinks.js";
import { ContainerInsightsUsage } from "../../provider/cloudwatch/containerInsightsUsage.js";
import type { ClusterTarget } from "../../provider/eks/clusterResolver.js";
import { createClusterResolver } from "../../provider/eks/clusterResolvers.js";
import { ClusterObjects } from "../../provider/kubernetes/clusterObjects.js";
import { OnDemandPrices } from "../../provider/pricing/onDemandPrices.js";
import { AwsPriceBookSource } from "../../provider/pricing/priceBookSource.js";
import { SpotPrices } from "../../provider/pricing/spotPrices.js";
import { type Config, type Env, loadConfig } from "../../shared/config.js";
import { createLogger, type Logger } from "../../shared/logger.js";
import type { MetricsRecorder } from "../../types/metricsRecorder.js";
import type { NotificationPublisher } from "../../types/notification.js";

export interface ReportCostRoot {
  config: Config;
  logger: Logger;
  metrics: MetricsRecorder;
  notifier: NotificationPublisher;
  clusters(): Promise<ClusterTarget[]>;
  objects(target: ClusterTarget): ClusterObjects;
  prices: PriceBookSource;
  /** Container Insights use ÷ request per Deployment, for the right-sizing advice. */
  usage: UsageSource;
  /** Production clusters get no spot advice. */
  isProduction(cluster: string): boolean;
}

export function composeReportCost(env: Env = process.env): ReportCostRoot {
  const config = loadConfig(env);
  const logger = createLogger("reportCost");
  const metrics = createMetricsRecorder(config.metrics, "reportCost");
  const resolver = createClusterResolver(config.clusters, config.aws);
  const onDemand = new OnDemandPrices(new PricingClient({ region: config.cost.pricingRegion }));
  const spot = new Map<string, SpotPrices>();
  const spotIn = (region: string) => {
    let prices = spot.get(region);
    if (!prices) {
      prices = new SpotPrices(new EC2Client({ region }));
      spot.set(region, prices);
    }
    return prices;
  };
  const production = config.cost.productionClusters;
  return {
    config,
    logger,
    metrics,
    notifier: createNotifier(config.notification, metrics, logger),
    clusters: () => resolver.clusters(),
    objects: (target) => new ClusterObjects(target),
    prices: new AwsPriceBookSource(onDemand, spotIn),
    usage: new ContainerInsightsUsage(new CloudWatchClient({})),
    isProduction: (cluster) => (production ? production.includes(cluster) : cluster.includes("prod")),
  };
}
