// reportCost (hourly): what each cluster costs per hour, by node, namespace and Deployment, what
// is idle, and what could be saved. The result is the JSON `npm run invoke -- reportCost` prints;
// the figures also go out as EMF metrics in CoworkingDelivery.
import { inventoryFromKubernetes } from "../cost/inventory.js";
import { pricesToFetch } from "../cost/prices.js";
import {
  type ClusterReport,
  type CostResult,
  costMetrics,
  costResult,
  planClusterReport,
} from "../cost/report.js";
import { composeReportCost, type ReportCostRoot } from "./compose.js";

let root: ReportCostRoot | undefined;

export async function handler(_event: unknown): Promise<CostResult> {
  root ??= composeReportCost();
  return handleReportCost(root);
}

export async function handleReportCost(root: ReportCostRoot, now = new Date()): Promise<CostResult> {
  const reports: ClusterReport[] = [];
  for (const target of await root.clusters()) {
    // parse: the cluster as the Kubernetes API shows it
    const { inventory, problems } = inventoryFromKubernetes(target.name, await root.objects(target).read());
    // act (read): prices for what runs there and for the alternatives the advice weighs
    const { book, failures } = await root.prices.fetch(pricesToFetch(inventory), now);
    for (const failure of failures) root.logger.warn("price API failed; fallback prices used", { failure });
    // plan
    const report = planClusterReport(inventory, book, { production: root.isProduction(target.name) });
    report.cost.problems.unshift(...problems, ...failures);
    reports.push(report);
  }
  // report
  for (const point of costMetrics(reports))
    root.metrics.add(point.name, "None", point.value, point.dimensions);
  await root.metrics.flush();
  const result = costResult(reports, now);
  root.logger.info("cost reported", {
    clusterCostPerHour: result.clusterCostPerHour,
    idleCostPerHour: result.idleCostPerHour,
    savingsOpportunityPerMonth: result.savingsOpportunityPerMonth,
  });
  return result;
}
