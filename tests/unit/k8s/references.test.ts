// The reference check fires on each kind of reference a pod makes, and only where it does not
// resolve in the pod's namespace: the overlay and live-object tests are only as good as this.
import type { KubeObject } from "../../integration/k8s/manifestPolicy.js";
import { danglingReferences, objectsWithoutNamespace } from "../../integration/k8s/references.js";

const NS = "coworking";

function deployment(pod: Record<string, unknown>, namespace: string | null = NS): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", ...(namespace ? { namespace } : {}) },
    spec: { template: { spec: { containers: [{ name: "api", image: "api:1" }], ...pod } } },
  };
}
const object = (kind: string, name: string, namespace: string | null = NS, data?: Record<string, string>) =>
  ({
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...(data ? { data } : {}),
  }) as KubeObject;

const everyReference = deployment({
  serviceAccountName: "api",
  imagePullSecrets: [{ name: "pull" }],
  volumes: [
    { name: "tls", secret: { secretName: "tls" } },
    { name: "settings", configMap: { name: "settings" } },
    { name: "data", persistentVolumeClaim: { claimName: "data" } },
  ],
  containers: [
    {
      name: "api",
      image: "api:1",
      envFrom: [{ configMapRef: { name: "env" } }],
      env: [{ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
    },
  ],
});
const everyTarget = [
  object("ServiceAccount", "api"),
  object("Secret", "pull"),
  object("Secret", "tls"),
  object("ConfigMap", "settings"),
  object("PersistentVolumeClaim", "data"),
  object("ConfigMap", "env"),
  object("Secret", "db", NS, { password: "cGFzcw==" }),
];

it("resolves every kind of reference when each target is in the pod's namespace", () => {
  expect(danglingReferences([everyReference, ...everyTarget])).toEqual([]);
});

it.each(everyTarget.map((target) => [`${target.kind}/${target.metadata?.name}`, target] as const))(
  "reports a missing %s",
  (_, missing) => {
    const problems = danglingReferences([everyReference, ...everyTarget.filter((t) => t !== missing)]);
    expect(problems).toEqual([
      expect.stringContaining(
        `needs ${missing.kind} ${missing.metadata?.name} in coworking, and there is none`,
      ),
    ]);
  },
);

it("reports a target in another namespace, and one without a namespace, with where it is", () => {
  const pod = deployment({ containers: [{ name: "api", envFrom: [{ secretRef: { name: "db" } }] }] });
  expect(danglingReferences([pod, object("Secret", "db", "default")])).toEqual([
    "Deployment coworking/api (container api envFrom) needs Secret db in coworking, but it is in default",
  ]);
  expect(danglingReferences([pod, object("Secret", "db", null)])[0]).toMatch(
    /but it is in <the kubectl context's namespace>/,
  );
});

it("reports a key the Secret does not hold", () => {
  const targets = everyTarget.map((t) =>
    t.metadata?.name === "db" ? object("Secret", "db", NS, { user: "x" }) : t,
  );
  expect(danglingReferences([everyReference, ...targets])).toEqual([
    expect.stringContaining("reads key password that Secret db lacks"),
  ]);
});

it("skips optional references, the default ServiceAccount and a StatefulSet's own claim templates", () => {
  const optional = deployment({
    containers: [{ name: "api", envFrom: [{ secretRef: { name: "maybe", optional: true } }] }],
    volumes: [{ name: "c", configMap: { name: "maybe", optional: true } }],
  });
  const statefulSet: KubeObject = {
    kind: "StatefulSet",
    metadata: { name: "pg", namespace: NS },
    spec: {
      volumeClaimTemplates: [{ metadata: { name: "data" } }],
      template: {
        spec: {
          containers: [{ name: "pg" }],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    },
  };
  expect(danglingReferences([optional, statefulSet])).toEqual([]);
});

it("names namespaced objects that carry no namespace, and leaves cluster-scoped kinds alone", () => {
  const objects = [
    object("Secret", "db", null),
    object("StorageClass", "gp3", null),
    object("ConfigMap", "c"),
  ];
  expect(objectsWithoutNamespace(objects, new Set(["StorageClass"]))).toEqual(["Secret/db has no namespace"]);
});
