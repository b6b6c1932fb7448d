import { doraMetricsForRolloutOutcome } from "../../../functions/pipeline/dora.js";

const deployment = { cluster: "prod", namespace: "coworking", name: "analytics-api" };
const perDeployment = { Deployment: "prod/coworking/analytics-api" };
const total = { Deployment: "all" };

describe("doraMetricsForRolloutOutcome", () => {
  it("counts a completed rollout as a deployment, a change that did not fail, and its lead time", () => {
    const points = doraMetricsForRolloutOutcome({
      kind: "completed",
      deployment,
      completedAt: new Date("2026-11-23T10:20:00Z"),
      commitCreatedAt: new Date("2026-11-23T09:40:00Z"),
    });
    expect(points).toEqual([
      { name: "DeploymentFrequency", unit: "Count", value: 1, dimensions: perDeployment },
      { name: "DeploymentFrequency", unit: "Count", value: 1, dimensions: total },
      { name: "ChangeFailureRate", unit: "None", value: 0, dimensions: perDeployment },
      { name: "ChangeFailureRate", unit: "None", value: 0, dimensions: total },
      { name: "LeadTimeForChanges", unit: "Seconds", value: 2400, dimensions: perDeployment },
      { name: "LeadTimeForChanges", unit: "Seconds", value: 2400, dimensions: total },
    ]);
  });

  it("has no lead time when the image's commit is unknown or from the future", () => {
    const names = (commitCreatedAt?: Date) =>
      doraMetricsForRolloutOutcome({
        kind: "completed",
        deployment,
        completedAt: new Date("2026-11-23T10:20:00Z"),
        ...(commitCreatedAt && { commitCreatedAt }),
      }).map((point) => point.name);
    expect(names()).not.toContain("LeadTimeForChanges");
    expect(names(new Date("2026-11-23T11:00:00Z"))).not.toContain("LeadTimeForChanges");
  });

  it("counts a rollback as a failed change", () => {
    expect(doraMetricsForRolloutOutcome({ kind: "rolled_back", deployment })).toEqual([
      { name: "ChangeFailureRate", unit: "None", value: 1, dimensions: perDeployment },
      { name: "ChangeFailureRate", unit: "None", value: 1, dimensions: total },
    ]);
  });

  it("measures time to restore from the failure to healthy again", () => {
    expect(
      doraMetricsForRolloutOutcome({
        kind: "restored",
        deployment,
        failedAt: new Date("2026-11-23T10:21:00Z"),
        healthyAt: new Date("2026-11-23T10:25:30Z"),
      }),
    ).toEqual([
      { name: "TimeToRestore", unit: "Seconds", value: 270, dimensions: perDeployment },
      { name: "TimeToRestore", unit: "Seconds", value: 270, dimensions: total },
    ]);
  });
});
