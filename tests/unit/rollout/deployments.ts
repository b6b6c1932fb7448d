// Builders for the Deployment states the planners see. They represent an opted-in Deployment
// `api` in namespace `coworking` of cluster `prod`, running image 1.0.0 of the `api` repository
// in account 123456789012 / us-east-1, with one extra `sidecar` container from another registry;
// together they request 300m CPU and 512Mi per pod.
import { Annotation, encodePushedAt } from "../../../functions/rollout/ledger.js";
import type { DeploymentState } from "../../../functions/rollout/model.js";
import type { ImageCandidate } from "../../../functions/rollout/plan.js";

export const ACCOUNT = "123456789012";
export const REGISTRY = { region: "us-east-1", accounts: [ACCOUNT] };
export const REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api";
export const digest = (seed: string): string => `sha256:${seed.repeat(64).slice(0, 64)}`;
export const RUNNING = `${REPOSITORY}:1.0.0@${digest("a")}`;
export const RUNNING_PUSHED_AT = "2026-11-01T10:00:00.000Z";

export function deployment(
  overrides: Partial<DeploymentState> = {},
  annotations: Record<string, string> = {},
): DeploymentState {
  return {
    cluster: "prod",
    namespace: "coworking",
    name: "api",
    resourceVersion: "100",
    generation: 7,
    desiredReplicas: 2,
    annotations: { [Annotation.pushedAt]: encodePushedAt(RUNNING_PUSHED_AT), ...annotations },
    containers: [
      { name: "api", image: RUNNING },
      { name: "sidecar", image: "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0" },
    ],
    podRequests: { cpuCores: 0.3, memoryGiB: 0.5 },
    status: { observedGeneration: 7, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
    ...overrides,
  };
}

export function candidate(overrides: Partial<ImageCandidate> = {}): ImageCandidate {
  return {
    account: ACCOUNT,
    region: "us-east-1",
    repositoryName: "api",
    tag: "1.1.0",
    digest: digest("b"),
    pushedAt: new Date("2026-11-02T10:00:00.000Z"),
    trigger: "push",
    ...overrides,
  };
}
