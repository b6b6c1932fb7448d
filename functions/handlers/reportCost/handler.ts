// reportCost (hourly): what each cluster costs per hour, by node, namespace and Deployment, what
// is idle, and what could be saved. The result is the JSON `npm run invoke -- reportCost` prints;
// the figures also go out as EMF metrics in CoworkingDelivery. The weekly run (input
// { "notifyAdvice": true }) also sends the savings advice to the notification sinks.
import { adviceNotification } from "../../cost/adviceNotification.js";
import { deploymentsIn, inventoryFromKubernetes } from "../../cost/inventory.js";
import { pricesToFetch } from "../../cost/prices.js";
import {
  type ClusterReport,
  type CostResult,
  costMetrics,
  costResult,
  planClusterReport,
} from "../../cost/report.js";
import { parseCostSchedule } from "../../trigger/costSchedule.js";
import { composeReportCost, type ReportCostRoot } from "./wiring.js";

let root: ReportCostRoot | undefined;

export async function handler(event: unknown): Promise<CostResult> {
  root ??= composeReportCost();
  return handleReportCost(event, root);
}

export async function handleReportCost(
  event: unknown,
  root: ReportCostRoot,
  now = new Date(),
): Promise<CostResult> {
  const run = parseCostSchedule(event);
  const reports: ClusterReport[] = [];
  for (const target of await root.clusters()) {
    // parse: the cluster as the Kubernetes API shows it
    const { inventory, problems } = inventoryFromKubernetes(target.name, await root.objects(target).read());
    // act (read): prices for what runs there and for the alternatives the advice weighs
    const { book, failures } = await root.prices.fetch(pricesToFetch(inventory), now);
    const usage = await root.usage
      .usage(target.name, deploymentsIn(inventory), now)
      .catch((error: unknown) => {
        failures.push(`Container Insights usage: ${(error as Error).message}`);
        return new Map();
      });
    // plan
    const report = planClusterReport(inventory, book, { production: root.isProduction(target.name), usage });
    for (const failure of failures) root.logger.warn("source failed; fallback used", { failure });
    report.cost.problems.unshift(...problems, ...failures);
    reports.push(report);
  }
  // report
  for (const point of costMetrics(reports))
    root.metrics.add(point.name, "None", point.value, point.dimensions);
  await root.metrics.flush();
  const result = costResult(reports, now);
  if (run.notifyAdvice) await root.notifier.notify(adviceNotification(result));
  root.logger.info("cost reported", {
    clusterCostPerHour: result.clusterCostPerHour,
    idleCostPerHour: result.idleCostPerHour,
    savingsOpportunityPerMonth: result.savingsOpportunityPerMonth,
  });
  return result;
}
