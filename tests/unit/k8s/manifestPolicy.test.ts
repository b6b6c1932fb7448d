// Every rule of the deployment policy fires on the one thing it guards, and only on that: the
// integration tests that run it over k8s/ are only as good as these rules.
import { readFileSync } from "node:fs";
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import {
  imageViolation,
  type KubeObject,
  parseManifests,
  plaintextSecretViolations,
  podSpecOf,
  workloadViolations,
} from "../../integration/k8s/manifestPolicy.js";

const fixture = readFileSync(new URL("fixtures/compliant-workloads.yaml", import.meta.url), "utf8");

/** Fresh copies of the compliant Deployment and Job, and their pod specs and first containers. */
function workloads() {
  const [deployment, job] = parseManifests(fixture) as [KubeObject, KubeObject];
  const deploymentPod = podSpecOf(deployment) as V1PodSpec;
  const jobPod = podSpecOf(job) as V1PodSpec;
  return {
    objects: [deployment, job],
    deploymentPod,
    api: deploymentPod.containers[0] as V1Container,
    jobPod,
    wait: jobPod.initContainers?.[0] as V1Container,
    migrate: jobPod.containers[0] as V1Container,
  };
}

describe("workloadViolations", () => {
  it("accepts the compliant fixture: a probed Deployment and a Job whose containers need no probes", () => {
    expect(workloadViolations(workloads().objects)).toEqual([]);
  });

  it("requires cpu and memory requests and limits on every container, init containers included", () => {
    const w = workloads();
    delete w.api.resources?.limits?.memory;
    delete w.wait.resources?.requests?.cpu;
    expect(workloadViolations(w.objects)).toEqual([
      "Deployment/api container api: no memory limit",
      "Job/migrate init container wait: no cpu request",
    ]);
  });

  it("requires liveness and readiness probes on long-running containers only", () => {
    const w = workloads();
    delete w.api.livenessProbe;
    delete w.api.readinessProbe;
    expect(workloadViolations(w.objects)).toEqual([
      "Deployment/api container api: no liveness probe",
      "Deployment/api container api: no readiness probe",
    ]);
  });

  it("requires non-root from the pod or the container, and rejects uid 0 even with runAsNonRoot", () => {
    const w = workloads();
    delete w.deploymentPod.securityContext?.runAsNonRoot;
    w.migrate.securityContext = { ...w.migrate.securityContext, runAsUser: 0 };
    expect(workloadViolations(w.objects)).toEqual([
      "Deployment/api container api: runAsNonRoot is not true",
      "Job/migrate container migrate: runAsUser is 0 (root)",
    ]);
  });

  it("a container-level runAsNonRoot satisfies the rule when the pod sets none", () => {
    const w = workloads();
    delete w.deploymentPod.securityContext?.runAsNonRoot;
    w.api.securityContext = { ...w.api.securityContext, runAsNonRoot: true };
    expect(workloadViolations(w.objects)).toEqual([]);
  });

  it("requires no privilege escalation, a read-only root filesystem, ALL capabilities dropped and seccomp", () => {
    const w = workloads();
    w.api.securityContext = { capabilities: { drop: ["NET_RAW"] } };
    delete w.jobPod.securityContext?.seccompProfile;
    expect(workloadViolations(w.objects)).toEqual([
      "Deployment/api container api: allowPrivilegeEscalation is not false",
      "Deployment/api container api: readOnlyRootFilesystem is not true",
      "Deployment/api container api: capabilities do not drop ALL",
      "Job/migrate init container wait: seccomp is not RuntimeDefault",
      "Job/migrate container migrate: seccomp is not RuntimeDefault",
    ]);
  });

  it("requires the service-account token to stay unmounted", () => {
    const w = workloads();
    delete w.jobPod.automountServiceAccountToken;
    expect(workloadViolations(w.objects)).toEqual(["Job/migrate: automountServiceAccountToken is not false"]);
  });

  it("finds pods in a CronJob's job template and ignores objects that run none", () => {
    const w = workloads();
    const cronJob: KubeObject = {
      kind: "CronJob",
      metadata: { name: "nightly" },
      spec: {
        jobTemplate: { spec: { template: { spec: { ...w.jobPod, automountServiceAccountToken: true } } } },
      },
    };
    const configMap: KubeObject = { kind: "ConfigMap", metadata: { name: "settings" } };
    expect(workloadViolations([cronJob, configMap])).toEqual([
      "CronJob/nightly: automountServiceAccountToken is not false",
    ]);
  });
});

describe("imageViolation", () => {
  it.each([
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/coworking-analytics:3f2c1ab", undefined],
    ["localhost:5000/app:1.2.3", undefined],
    [`repo/app@sha256:${"a".repeat(64)}`, undefined],
    ["postgres", "image postgres has no tag (means latest)"],
    ["localhost:5000/app", "image localhost:5000/app has no tag (means latest)"],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest",
      "image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest uses the latest tag",
    ],
    ["", "no image"],
  ])("%s", (image, expected) => {
    expect(imageViolation(image)).toBe(expected);
  });
});

describe("plaintextSecretViolations", () => {
  it("passes references to Secrets, secretName/secretKeyRef pointers and empty example values", () => {
    const files = [
      {
        path: "k8s/base/app.yaml",
        text: [
          "kind: Deployment",
          "spec:",
          "  template:",
          "    spec:",
          "      volumes: [{ name: certs, secret: { secretName: tls } }]",
          "      containers:",
          "        - env:",
          "            - name: DB_PASSWORD",
          "              valueFrom: { secretKeyRef: { name: postgres-credentials, key: POSTGRES_PASSWORD } }",
        ].join("\n"),
      },
      {
        path: "k8s/overlays/dev/postgres.env.example",
        text: "# set a password\nPOSTGRES_USER=coworking\nPOSTGRES_PASSWORD=\n",
      },
      {
        path: "k8s/overlays/dev/kustomization.yaml",
        text: "secretGenerator:\n  - name: creds\n    envs: [postgres.env]\n",
      },
    ];
    expect(plaintextSecretViolations(files)).toEqual([]);
  });

  it("flags Secret data, generator literals, literal env values, credential keys and filled env files", () => {
    const files = [
      {
        path: "a.yaml",
        text: "apiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData: { user: x }\n",
      },
      { path: "b.yaml", text: "secretGenerator:\n  - name: db\n    literals: [POSTGRES_PASSWORD=hunter2]\n" },
      {
        path: "c.yaml",
        text: "kind: Pod\nspec:\n  containers:\n    - env: [{ name: API_TOKEN, value: abc }]\n",
      },
      { path: "d.yaml", text: "config:\n  dbPassword: hunter2\n" },
      {
        path: "e.env.example",
        text: "# POSTGRES_PASSWORD=commented-out is fine\nPOSTGRES_PASSWORD='hunter2'\n",
      },
    ];
    expect(plaintextSecretViolations(files)).toEqual([
      "a.yaml: Secret db carries data in git",
      "b.yaml: generator literal POSTGRES_PASSWORD",
      "c.yaml: API_TOKEN has a literal value",
      "d.yaml: key dbPassword has a literal value",
      "e.env.example:2: POSTGRES_PASSWORD has a value",
    ]);
  });

  it("a Secret object without data (e.g. filled by an operator) is not a plaintext secret", () => {
    expect(
      plaintextSecretViolations([{ path: "s.yaml", text: "kind: Secret\nmetadata: { name: empty }\n" }]),
    ).toEqual([]);
  });
});
