// The writer's ValidatingAdmissionPolicy (k8s/base/admission/delivery-writer-policy.yaml) on the
// real apiserver, which the harness applies from the same file:
// - its field lists cover every field the apiserver's OpenAPI schema gives ObjectMeta,
//   DeploymentSpec, PodTemplateSpec, PodSpec and Container, so a field a future Kubernetes adds
//   fails this test instead of passing the policy unchecked;
// - as the writer (DELIVERY_KUBECONFIG): an image patch and a ledger write on an opted-in
//   Deployment pass; any other change is refused with the policy's message naming it;
// - as the reader (READER_KUBECONFIG): reads pass, patches are refused (by RBAC).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { KubernetesDeployments } from "../../../functions/provider/kubernetes/kubernetesDeployments.js";
import {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  deliveryKubeConfig,
  grantDeliveryAccess,
  grantReaderAccess,
  readerKubeConfig,
} from "../../harness/env.js";
import { eventually } from "../../harness/eventually.js";
import { ADMISSION_POLICY_FILE } from "../../harness/rbac.js";
import { KubectlError, kubectl } from "./kustomize.js";

const POLICY = "coworking-delivery-writer";

// ---------------------------------------------------------------------------------------------
// Coverage: the policy's field lists against the apiserver's schema

interface SchemaObject {
  $ref?: string;
  allOf?: SchemaObject[];
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
}

interface OpenApi {
  components: { schemas: Record<string, SchemaObject> };
}

/** The named schema a property points to (directly, through allOf, or as the items of a list). */
function target(api: OpenApi, property: SchemaObject | undefined): SchemaObject {
  const ref =
    property?.$ref ??
    property?.allOf?.[0]?.$ref ??
    property?.items?.$ref ??
    property?.items?.allOf?.[0]?.$ref;
  const name = ref?.replace("#/components/schemas/", "");
  const schema = name === undefined ? undefined : api.components.schemas[name];
  if (!schema?.properties) throw new Error(`no object schema behind ${JSON.stringify(property)}`);
  return schema;
}

/** The fields of each struct the policy must cover, from the apiserver's apps/v1 OpenAPI v3 document. */
function structs(api: OpenApi): Record<Struct, string[]> {
  const deployment = api.components.schemas["io.k8s.api.apps.v1.Deployment"];
  const meta = target(api, deployment?.properties?.metadata);
  const spec = target(api, deployment?.properties?.spec);
  const template = target(api, spec.properties?.template);
  const pod = target(api, template.properties?.spec);
  const container = target(api, pod.properties?.containers);
  const fields = (s: SchemaObject) => Object.keys(s.properties ?? {}).sort();
  return {
    ObjectMeta: fields(meta),
    DeploymentSpec: fields(spec),
    PodTemplateSpec: fields(template),
    PodSpec: fields(pod),
    Container: fields(container),
  };
}

type Struct = "ObjectMeta" | "DeploymentSpec" | "PodTemplateSpec" | "PodSpec" | "Container";

/**
 * How the policy compares each struct's fields one by one: `variables.new<X>.?f == variables.old<X>.?f`
 * for the Deployment's metadata, spec, pod template and pod spec, `c.?f == o.?f` for a container.
 */
const COMPARISONS: Record<Struct, RegExp> = {
  ObjectMeta: /variables\.newMeta\.\?(\w+) == variables\.oldMeta\.\?(\w+)/g,
  DeploymentSpec: /variables\.newSpec\.\?(\w+) == variables\.oldSpec\.\?(\w+)/g,
  PodTemplateSpec: /variables\.newTemplate\.\?(\w+) == variables\.oldTemplate\.\?(\w+)/g,
  PodSpec: /variables\.newPod\.\?(\w+) == variables\.oldPod\.\?(\w+)/g,
  Container: /\bc\.\?(\w+) == o\.\?(\w+)/g,
};

/**
 * Fields covered otherwise, each with the policy text that covers it (checked to be there), or
 * deliberately not compared, with why.
 */
const SPECIAL: Record<Struct, Record<string, { covered: string } | { ignored: string }>> = {
  ObjectMeta: {
    labels: { covered: "variables.changedLabels" },
    annotations: { covered: "variables.changedAnnotations" },
    name: { ignored: "immutable: an update names the object it changes" },
    namespace: { ignored: "immutable" },
    uid: { ignored: "immutable" },
    selfLink: { ignored: "never set by the apiserver since 1.20" },
    creationTimestamp: { ignored: "set by the apiserver, immutable" },
    resourceVersion: { ignored: "the optimistic-concurrency guard the writer sends" },
    generation: { ignored: "set by the apiserver" },
    managedFields: { ignored: "server-side apply bookkeeping, changed by every patch" },
    deletionTimestamp: { ignored: "set only through DELETE, which the policy refuses" },
    deletionGracePeriodSeconds: { ignored: "set only through DELETE, which the policy refuses" },
  },
  DeploymentSpec: {
    template: { covered: "variables.newTemplate" },
  },
  PodTemplateSpec: {
    spec: { covered: "variables.newPod" },
  },
  PodSpec: {
    containers: {
      covered: "variables.newPod.containers.map(c, c.name) == variables.oldPod.containers.map(c, c.name)",
    },
  },
  Container: {
    image: { ignored: "the one field the writer may change" },
    name: { covered: "variables.oldPod.containers.filter(o, o.name == c.name)" },
  },
};

/** Every expression of the policy (variables, validations, messages), as one text. */
async function policyText(file = ADMISSION_POLICY_FILE): Promise<string> {
  const docs = parseAllDocuments(await readFile(file, "utf8")).map((d) => d.toJS());
  const policy = docs.find((d) => d?.kind === "ValidatingAdmissionPolicy") as {
    spec: {
      variables: { expression: string }[];
      validations: { expression: string; messageExpression?: string }[];
    };
  };
  return [
    ...policy.spec.variables.map((v) => v.expression),
    ...policy.spec.validations.flatMap((v) => [v.expression, v.messageExpression ?? ""]),
  ].join("\n");
}

/** What the policy fails to cover, one line per field; empty when every field is covered. */
function coverageGaps(text: string, schema: Record<Struct, string[]>): string[] {
  const gaps: string[] = [];
  for (const struct of Object.keys(COMPARISONS) as Struct[]) {
    const compared = new Set<string>();
    for (const [match, left, right] of text.matchAll(COMPARISONS[struct])) {
      if (left !== right) gaps.push(`${struct}: "${match}" compares two different fields`);
      compared.add(left as string);
    }
    const fields = new Set(schema[struct]);
    for (const field of fields) {
      const special = SPECIAL[struct][field];
      if (compared.has(field)) continue;
      if (special && "covered" in special && text.includes(special.covered)) continue;
      if (special && "ignored" in special) continue;
      gaps.push(`${struct}.${field} is not compared by the policy`);
    }
    // A misspelt field would compare "absent" with "absent" and never refuse anything.
    for (const field of compared) {
      if (!fields.has(field))
        gaps.push(`${struct}: the policy compares "${field}", which the schema does not have`);
    }
  }
  return gaps;
}

describe("the policy's field lists against the apiserver's OpenAPI v3 schema for apps/v1", () => {
  let schema: Record<Struct, string[]>;
  let text: string;

  beforeAll(async () => {
    schema = structs(JSON.parse(await kubectl(["get", "--raw", "/openapi/v3/apis/apps/v1"])) as OpenApi);
    text = await policyText();
  });

  it("finds the structs and their familiar fields in the schema", () => {
    expect(schema.DeploymentSpec).toEqual(expect.arrayContaining(["replicas", "template", "strategy"]));
    expect(schema.PodSpec).toEqual(expect.arrayContaining(["containers", "volumes", "serviceAccountName"]));
    expect(schema.Container).toEqual(expect.arrayContaining(["image", "command", "env"]));
  });

  it("covers every field of ObjectMeta, DeploymentSpec, PodTemplateSpec, PodSpec and Container", () => {
    expect(coverageGaps(text, schema)).toEqual([]);
  });

  it("would fail for a field the policy forgot, and for a misspelt one", () => {
    const forgot = text.replace("c.?env == o.?env", "true");
    expect(coverageGaps(forgot, schema)).toEqual(["Container.env is not compared by the policy"]);
    const newField = { ...schema, PodSpec: [...schema.PodSpec, "futureField"] };
    expect(coverageGaps(text, newField)).toEqual(["PodSpec.futureField is not compared by the policy"]);
    const misspelt = text.replace("c.?env == o.?env", "c.?envv == o.?envv");
    expect(coverageGaps(misspelt, schema)).toEqual([
      "Container.env is not compared by the policy",
      'Container: the policy compares "envv", which the schema does not have',
    ]);
  });

  it("type-checks against the Deployment schema without warnings", async () => {
    // The apiserver's type checker fills status.typeChecking shortly after the policy is written.
    const policy = await eventually(
      "the policy's type checking",
      async () =>
        JSON.parse(await kubectl(["get", "validatingadmissionpolicy", POLICY, "-o", "json"])) as {
          metadata: { generation: number };
          status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: unknown[] } };
        },
      (p) => p.status?.observedGeneration === p.metadata.generation && p.status.typeChecking !== undefined,
    );
    expect(policy.status?.typeChecking?.expressionWarnings ?? []).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Behaviour: the writer and the reader on a real apiserver

const namespace = `admission-${randomBytes(3).toString("hex")}`;
const ENABLED = "rollout.coworking.dev/enabled";
const strategicMerge = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function deployment(name: string, optedIn: boolean): V1Deployment {
  const labels = { app: name };
  return {
    metadata: {
      name,
      labels: { ...labels, ...(optedIn ? { [ENABLED]: "true" } : {}) },
      annotations: {
        "rollout.coworking.dev/policy": "semver",
        "rollout.coworking.dev/bake-seconds": "60",
        "rollout.coworking.dev/rollout": '{"phase":"baking"}',
      },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "api",
              image: "registry.local/api:1.0.0",
              command: ["/api"],
              env: [{ name: "MODE", value: "a" }],
            },
            { name: "proxy", image: "registry.local/proxy:1.0.0" },
          ],
        },
      },
    },
  };
}

interface Outcome {
  code: number;
  message: string;
}

async function outcome(request: Promise<unknown>): Promise<Outcome> {
  try {
    await request;
    return { code: 200, message: "" };
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body: unknown = error.body;
    const parsed =
      typeof body === "string" ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
    return { code: error.code, message: parsed?.message ?? String(body) };
  }
}

/** A refusal by the policy (not by RBAC), with the policy's own message. */
function refusedByPolicy(result: Outcome, message: RegExp | string): void {
  expect(result.code).toBe(403);
  expect(result.message).toContain(`ValidatingAdmissionPolicy '${POLICY}'`);
  expect(result.message).toMatch(message);
}

const writerApps = () => deliveryKubeConfig().makeApiClient(AppsV1Api);
const patch = (name: string, body: object, type = strategicMerge) =>
  outcome(writerApps().patchNamespacedDeployment({ name, namespace, body }, type));
const adminApps = () => adminKubeConfig().makeApiClient(AppsV1Api);

beforeAll(async () => {
  await createNamespace(namespace);
  await grantDeliveryAccess(namespace);
  await grantReaderAccess(namespace);
  await adminApps().createNamespacedDeployment({ namespace, body: deployment("opted-in", true) });
  await adminApps().createNamespacedDeployment({ namespace, body: deployment("bystander", false) });
  // The harness waited for the policy to be enforced; the RoleBindings just applied take effect at once.
  await eventually(
    "the writer's grant in the test namespace",
    () => outcome(writerApps().readNamespacedDeployment({ name: "opted-in", namespace })),
    (o) => o.code === 200,
  );
});

afterAll(async () => {
  await deleteNamespace(namespace);
});

describe("the writer (DELIVERY_KUBECONFIG) on an opted-in Deployment", () => {
  it("may patch a container's image, as a rollout does", async () => {
    const image = `registry.local/api:1.1.0@sha256:${"ab".repeat(32)}`;
    const result = await patch("opted-in", {
      spec: { template: { spec: { containers: [{ name: "api", image }] } } },
    });
    expect(result).toEqual({ code: 200, message: "" });
    const stored = await adminApps().readNamespacedDeployment({ name: "opted-in", namespace });
    expect(stored.spec?.template.spec?.containers.map((c) => c.image)).toEqual([
      image,
      "registry.local/proxy:1.0.0",
    ]);
  });

  it("may write the ledger (status.rollout.coworking.dev/*, change-cause) and remove a legacy ledger key", async () => {
    const result = await patch("opted-in", {
      metadata: {
        annotations: {
          "status.rollout.coworking.dev/rollout": '{"phase":"progressing"}',
          "status.rollout.coworking.dev/last-known-good": '{"images":{}}',
          "kubernetes.io/change-cause": "push registry.local/api:1.1.0",
          "rollout.coworking.dev/rollout": null,
        },
      },
    });
    expect(result).toEqual({ code: 200, message: "" });
    const stored = await adminApps().readNamespacedDeployment({ name: "opted-in", namespace });
    expect(stored.metadata?.annotations).toMatchObject({
      "status.rollout.coworking.dev/rollout": '{"phase":"progressing"}',
      "rollout.coworking.dev/policy": "semver",
    });
    expect(stored.metadata?.annotations?.["rollout.coworking.dev/rollout"]).toBeUndefined();
  });

  it("lets the product's own adapter write a rollout (image, ledger, change-cause, legacy keys removed)", async () => {
    const api = new KubernetesDeployments({ name: "harness", kubeConfig: deliveryKubeConfig() });
    const image = `registry.local/api:1.2.0@sha256:${"cd".repeat(32)}`;
    // Guarded by resourceVersion: the Deployment controller's status writes of the previous
    // rollout may land between the read and the patch (409), as for the product, which re-reads.
    const after = await eventually(
      "a patch that is not overtaken by a status update",
      async () => {
        const before = await api.get(namespace, "opted-in");
        return await api.patch(namespace, "opted-in", {
          resourceVersion: before.resourceVersion,
          images: { api: image },
          annotations: {
            "status.rollout.coworking.dev/rollout": '{"v":1,"phase":"progressing"}',
            "status.rollout.coworking.dev/pushed-at": '{"v":1,"at":"2025-01-01T00:00:00Z"}',
            "kubernetes.io/change-cause": "push registry.local/api:1.2.0",
            "rollout.coworking.dev/pushed-at": null,
            "rollout.coworking.dev/quarantined": null,
          },
        });
      },
      () => true,
      10_000,
    );
    expect(after.containers.find((c) => c.name === "api")?.image).toBe(image);
    expect(after.annotations["rollout.coworking.dev/policy"]).toBe("semver");
  });

  it.each([
    [
      "command",
      { containers: [{ name: "api", command: ["/bin/sh"] }] },
      "spec.template.spec.containers[api].command",
    ],
    [
      "env",
      { containers: [{ name: "api", env: [{ name: "MODE", value: "b" }] }] },
      "spec.template.spec.containers[api].env",
    ],
    ["volumes", { volumes: [{ name: "scratch", emptyDir: {} }] }, "spec.template.spec.volumes"],
    ["serviceAccountName", { serviceAccountName: "admin" }, "spec.template.spec.serviceAccountName"],
  ])("is refused changing the pod's %s, the message naming the field", async (_, podSpec, field) => {
    const result = await patch("opted-in", { spec: { template: { spec: podSpec } } });
    refusedByPolicy(result, /may only change container images; this request changes: .*/);
    expect(result.message).toContain(field);
  });

  it("is refused changing replicas", async () => {
    refusedByPolicy(
      await patch("opted-in", { spec: { replicas: 5 } }, mergePatch),
      /this request changes: spec\.replicas$/,
    );
  });

  it("is refused an image change smuggled in with another field, and adding a container", async () => {
    refusedByPolicy(
      await patch("opted-in", {
        spec: {
          template: {
            spec: { containers: [{ name: "api", image: "registry.local/api:9", args: ["--debug"] }] },
          },
        },
      }),
      /this request changes: spec\.template\.spec\.containers\[api\]\.args$/,
    );
    refusedByPolicy(
      await patch("opted-in", {
        spec: { template: { spec: { containers: [{ name: "shell", image: "registry.local/shell:1" }] } } },
      }),
      /may not add, remove, rename or reorder containers/,
    );
  });

  it.each([
    ["rollout.coworking.dev/policy", "any"],
    ["rollout.coworking.dev/bake-seconds", "0"],
    ["rollout.coworking.dev/probe", "x"],
    ["rollout.coworking.dev/pushed-at", "2020-01-01T00:00:00Z"],
  ])("is refused setting the operator's (or a legacy) annotation %s", async (key, value) => {
    refusedByPolicy(
      await patch("opted-in", { metadata: { annotations: { [key]: value } } }, mergePatch),
      new RegExp(`operator settings stay as the operator set them; this request changes: ${key}$`),
    );
  });

  it("is refused removing an operator annotation, or its own opt-in label", async () => {
    refusedByPolicy(
      await patch(
        "opted-in",
        { metadata: { annotations: { "rollout.coworking.dev/bake-seconds": null } } },
        mergePatch,
      ),
      /this request changes: rollout\.coworking\.dev\/bake-seconds$/,
    );
    refusedByPolicy(
      await patch("opted-in", { metadata: { labels: { [ENABLED]: null } } }, mergePatch),
      /may not change labels; this request changes: rollout\.coworking\.dev\/enabled$/,
    );
  });
});

describe("the writer on anything else", () => {
  it("is refused patching a Deployment that is not opted in, even its image", async () => {
    refusedByPolicy(
      await patch("bystander", {
        spec: { template: { spec: { containers: [{ name: "api", image: "registry.local/api:2" }] } } },
      }),
      /Deployment bystander is not opted in to the delivery loop/,
    );
  });

  it("is refused adding the opt-in label", async () => {
    refusedByPolicy(
      await patch("bystander", { metadata: { labels: { [ENABLED]: "true" } } }, mergePatch),
      /Deployment bystander is not opted in/,
    );
  });

  it("is refused creating and deleting Deployments: by RBAC, and by the policy itself", async () => {
    const created = await outcome(
      writerApps().createNamespacedDeployment({ namespace, body: deployment("new", true) }),
    );
    expect(created.code).toBe(403);
    expect(created.message).toMatch(/cannot create resource "deployments"/);
    const deleted = await outcome(writerApps().deleteNamespacedDeployment({ name: "opted-in", namespace }));
    expect(deleted.code).toBe(403);
    expect(deleted.message).toMatch(/cannot delete resource "deployments"/);

    // The policy refuses them too, should RBAC ever grant more: the writer group together with
    // system:masters (impersonated by the admin), which RBAC lets do anything.
    const asWriterWithEverything = [
      "--as=policy-probe",
      "--as-group=system:masters",
      "--as-group=coworking:delivery-writer",
      "-n",
      namespace,
    ];
    const refusal = async (args: string[], input?: string) => {
      const error = await kubectl([...args, ...asWriterWithEverything], input ? { input } : {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KubectlError);
      return (error as KubectlError).stderr;
    };
    const body = JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", ...deployment("new", true) });
    expect(await refusal(["create", "--dry-run=server", "-f", "-"], body)).toMatch(
      /ValidatingAdmissionPolicy 'coworking-delivery-writer'.*may not CREATE a Deployment/,
    );
    expect(await refusal(["delete", "deployment/opted-in", "--dry-run=server"])).toMatch(
      /ValidatingAdmissionPolicy 'coworking-delivery-writer'.*may not DELETE a Deployment/,
    );
    expect(await refusal(["scale", "deployment/opted-in", "--replicas=3", "--dry-run=server"])).toMatch(
      /may not update deployments\/scale/,
    );
  });

  it("is refused reading Secrets (RBAC)", async () => {
    const core = deliveryKubeConfig().makeApiClient(CoreV1Api);
    const secrets = await outcome(core.listNamespacedSecret({ namespace }));
    expect(secrets.code).toBe(403);
    expect(secrets.message).toMatch(/cannot list resource "secrets"/);
  });
});

describe("the reader (READER_KUBECONFIG)", () => {
  it("lists Deployments in its namespace and reads nodes", async () => {
    const apps = readerKubeConfig().makeApiClient(AppsV1Api);
    const list = await apps.listNamespacedDeployment({ namespace, labelSelector: `${ENABLED}=true` });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["opted-in"]);
    const nodes = await readerKubeConfig().makeApiClient(CoreV1Api).listNode();
    expect(nodes.items.length).toBeGreaterThan(0);
  });

  it("cannot patch a Deployment, not even its ledger", async () => {
    const apps = readerKubeConfig().makeApiClient(AppsV1Api);
    const result = await outcome(
      apps.patchNamespacedDeployment(
        {
          name: "opted-in",
          namespace,
          body: { metadata: { annotations: { "status.rollout.coworking.dev/x": "y" } } },
        },
        mergePatch,
      ),
    );
    expect(result.code).toBe(403);
    expect(result.message).toMatch(/cannot patch resource "deployments"/);
  });
});
