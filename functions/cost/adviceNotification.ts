// The weekly savings advice as one notification (rendered by every sink like any other).
import type { Notification } from "../types/notification.js";
import type { CostResult } from "./report.js";

/** The advice lines a message carries; the rest is summed in the total. */
export const ADVICE_LINES = 8;

const usd = (value: number) => `$${value.toFixed(2)}`;

export function adviceNotification(result: CostResult): Notification {
  const top = result.advice.slice(0, ADVICE_LINES);
  const more = result.advice.length - top.length;
  const lines = top.map((a) => `• ${usd(a.savingsPerMonth)}/month (${a.kind}, ${a.cluster}): ${a.message}`);
  if (more > 0) lines.push(`… and ${more} more`);
  return {
    event: "cost.advice",
    severity: "info",
    title: `Clusters cost ${usd(result.clusterCostPerHour)}/h; up to ${usd(result.savingsOpportunityPerMonth)}/month could be saved`,
    facts: [
      { label: "Cost per hour", value: usd(result.clusterCostPerHour) },
      { label: "Idle per hour", value: usd(result.idleCostPerHour) },
      { label: "Spot saves per hour", value: usd(result.spotSavingsPerHour) },
      { label: "Savings opportunity", value: `${usd(result.savingsOpportunityPerMonth)}/month` },
    ],
    ...(lines.length > 0 ? { detail: lines.join("\n") } : { detail: "No savings advice this week." }),
  };
}
