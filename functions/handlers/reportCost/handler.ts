// reportCost (hourly): what each cluster costs per hour, by node, namespace and Deployment, what
// is idle, and what could be saved. The result is the JSON `npm run invoke -- reportCost` prints;
// the figures also go out as EMF metrics in CoworkingDelivery. The weekly run (input
// { "notifyAdvice": true }) also sends the savings advice to the notification sinks.
import { adviceNotification } from "../../cost/adviceNotification.js";
import { deploymentsIn } from "../../cost/inventory.js";
import { pricesToFetch } from "../../cost/prices.js";
import {
  type ClusterReport,
  type CostResult,
  costMetrics,
  costResult,
  planClusterReport,
} from "../../cost/report.js";
import { defineHandler, type HandlerResult, type Invocation } from "../../lambda/handler.js";
import { inventoryFromKubernetes } from "../../provider/kubernetes/kubernetesInventory.js";
import { type CostRun, parseCostSchedule } from "../../trigger/costSchedule.js";
import { composeReportCost, type ReportCostRoot } from "./wiring.js";

export type ReportCostResult = HandlerResult<CostResult>;

interface CostReports {
  run: CostRun;
  reports: ClusterReport[];
  result: CostResult;
}

const reportCost = defineHandler(
  {
    name: "reportCost",

    // parse: the hourly scheduled event, or the weekly run's bare input { "notifyAdvice": true }
    parse: (event: unknown): CostRun => parseCostSchedule(event),
    eventId: (run: CostRun) => run.eventId,

    // plan: per cluster, its objects as the Kubernetes API shows them, the prices for what runs
    // there and for the alternatives the advice weighs, and the use of each Deployment's requests
    async plan(run: CostRun, root: ReportCostRoot, invocation: Invocation): Promise<CostReports> {
      const now = new Date(invocation.startedAt);
      const reports: ClusterReport[] = [];
      for (const target of await root.clusters()) {
        const { inventory, problems } = inventoryFromKubernetes(
          target.name,
          await root.objects(target).read(),
        );
        const { book, failures } = await root.prices.fetch(pricesToFetch(inventory), now);
        const usage = await root.usage
          .usage(target.name, deploymentsIn(inventory), now)
          .catch((error: unknown) => {
            failures.push(`Container Insights usage: ${(error as Error).message}`);
            return new Map();
          });
        const report = planClusterReport(inventory, book, {
          production: root.isProduction(target.name),
          usage,
        });
        for (const failure of failures) root.logger.warn("source failed; fallback used", { failure });
        report.cost.problems.unshift(...problems, ...failures);
        reports.push(report);
      }
      return { run, reports, result: costResult(reports, now) };
    },

    // act: the weekly run tells the notification sinks the savings advice
    async act(costs: CostReports, root: ReportCostRoot): Promise<CostReports> {
      if (costs.run.notifyAdvice) await root.notifier.notify(adviceNotification(costs.result));
      return costs;
    },

    // report: the figures as metrics (flushed by the skeleton), the totals in the log
    report({ reports, result }: CostReports, root: ReportCostRoot): CostResult {
      for (const point of costMetrics(reports))
        root.metrics.add(point.name, "None", point.value, point.dimensions);
      root.logger.info("cost reported", {
        clusterCostPerHour: result.clusterCostPerHour,
        idleCostPerHour: result.idleCostPerHour,
        savingsOpportunityPerMonth: result.savingsOpportunityPerMonth,
      });
      return result;
    },
  },
  () => composeReportCost(),
);

export const handler = reportCost.handler;

export function handleReportCost(event: unknown, root: ReportCostRoot): Promise<ReportCostResult> {
  return reportCost.handle(root, event);
}
