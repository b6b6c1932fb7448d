import type { V1Deployment } from "@kubernetes/client-node";
import {
  toDeploymentState,
  toStrategicMergePatch,
} from "../../../../functions/provider/kubernetes/deploymentState.js";

describe("deployment state mapping", () => {
  it("reads what planning needs, including the Progressing condition", () => {
    const deployment: V1Deployment = {
      metadata: {
        name: "api",
        namespace: "coworking",
        resourceVersion: "42",
        generation: 3,
        annotations: { a: "b" },
      },
      spec: {
        replicas: 2,
        selector: {},
        template: {
          spec: {
            containers: [
              { name: "api", image: "repo/api:1", resources: { requests: { cpu: "250m", memory: "384Mi" } } },
              { name: "sidecar", image: "repo/sidecar:1", resources: { requests: { cpu: "250m" } } },
            ],
          },
        },
      },
      status: {
        observedGeneration: 3,
        replicas: 3,
        updatedReplicas: 1,
        availableReplicas: 2,
        conditions: [
          { type: "Available", status: "True" },
          { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "timed out" },
        ],
      },
    };
    expect(toDeploymentState("prod", deployment)).toEqual({
      cluster: "prod",
      namespace: "coworking",
      name: "api",
      resourceVersion: "42",
      generation: 3,
      desiredReplicas: 2,
      annotations: { a: "b" },
      containers: [
        { name: "api", image: "repo/api:1" },
        { name: "sidecar", image: "repo/sidecar:1" },
      ],
      podRequests: { cpuCores: 0.5, memoryGiB: 0.375 },
      status: {
        observedGeneration: 3,
        replicas: 3,
        updatedReplicas: 1,
        availableReplicas: 2,
        progressingReason: "ProgressDeadlineExceeded",
        progressingMessage: "timed out",
      },
    });
  });

  it("writes a strategic merge patch guarded by resourceVersion, containers merged by name", () => {
    expect(
      toStrategicMergePatch({
        resourceVersion: "42",
        images: { api: "repo/api:2@sha256:x" },
        annotations: { k: "v", gone: null },
      }),
    ).toEqual({
      metadata: { resourceVersion: "42", annotations: { k: "v", gone: null } },
      spec: { template: { spec: { containers: [{ name: "api", image: "repo/api:2@sha256:x" }] } } },
    });
    expect(toStrategicMergePatch({ resourceVersion: "43", images: {}, annotations: { k: "v" } })).toEqual({
      metadata: { resourceVersion: "43", annotations: { k: "v" } },
    });
  });
});
