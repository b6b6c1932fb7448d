// Brings the harness up and down: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok (fake EKS nodes), plus moto server, all on loopback ports, all state in one folder.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { stringify } from "yaml";
import { applyObjects } from "./apply.js";
import { HARNESS_REGION, type Harness, harnessEnvironment, MOTO_ACCOUNT_ID } from "./env.js";
import { freePorts, httpOk, httpsOk } from "./network.js";
import { createFakeNodes, FAKE_NODES, settledNodeCount } from "./nodes.js";
import { createPki, type Pki } from "./pki.js";
import {
  type Daemon,
  isRunning,
  processStartTime,
  recordedDaemons,
  startDaemon,
  stopRecordedDaemons,
  waitFor,
} from "./processes.js";
import { HarnessError, say } from "./progress.js";
import {
  APP_NAMESPACE,
  admissionPolicy,
  deliveryRbac,
  loadManifests,
  namespacedRbacOf,
  READER_GROUP,
  REPO_ROOT,
  WRITER_GROUP,
} from "./rbac.js";
import { BINARIES, CACHE_DIR, VERSIONS } from "./toolchain.js";
import { ensureVenv, venvDir } from "./venv.js";

const STATE_PREFIX = "coworking-harness-";
/** The folder `up` from the CLI records, so `env` and `down` find it without arguments. */
const CURRENT_POINTER = join(CACHE_DIR, "current-harness");
const SERVICE_CIDR = "10.0.0.0/24";
const POD_CIDR = "10.244.0.1/16";
const STAGES = join(REPO_ROOT, "tests", "harness", "kwok", "stages.yaml");

interface Owner {
  /** the process whose exit ends this harness (jest), or null for a harness started by hand */
  pid: number | null;
  /** its start time, so that a reused PID does not keep a dead owner's harness alive */
  startTime: string | null;
  startedAt: string;
}

interface Identity {
  user: string;
  groups: string[];
  token: string;
}

function identity(user: string, groups: string[]): Identity {
  return { user, groups, token: randomBytes(24).toString("hex") };
}

function tokenFile(identities: Identity[]): string {
  return `${identities.map((i, n) => `${i.token},${i.user},uid-${n},"${i.groups.join(",")}"`).join("\n")}\n`;
}

function kubeconfigYaml(server: string, caPem: string, who: Identity): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "harness",
        cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") },
      },
    ],
    users: [{ name: who.user, user: { token: who.token } }],
    contexts: [{ name: who.user, context: { cluster: "harness", user: who.user, namespace: "default" } }],
    "current-context": who.user,
  });
}

export async function missingBinaries(): Promise<string[]> {
  return Object.values(BINARIES).filter((path) => !existsSync(path));
}

/** Stops and removes harnesses left by runs whose owner died (an interrupted jest run). */
export async function cleanStaleHarnesses(): Promise<void> {
  const root = tmpdir();
  for (const entry of await readdir(root)) {
    if (!entry.startsWith(STATE_PREFIX)) continue;
    const dir = join(root, entry);
    let owner: Owner;
    try {
      owner = JSON.parse(await readFile(join(dir, "owner.json"), "utf8")) as Owner;
    } catch {
      // Being created right now, or left by a run that died before writing it.
      const age = Date.now() - ((await stat(dir).catch(() => null))?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000 && (await recordedDaemons(dir)).length === 0)
        await rm(dir, { recursive: true, force: true });
      continue;
    }
    const daemons = await recordedDaemons(dir);
    // Only what can be verified is cleaned: a record without a start time is left alone.
    if ((owner.pid !== null && !owner.startTime) || daemons.some((d) => !/^\d+$/.test(d.startTime))) continue;
    const ownerGone =
      owner.pid !== null && !(await isRunning({ pid: owner.pid, startTime: owner.startTime ?? "" }));
    // A harness started by hand is stale once all its processes died (a crash or a reboot).
    const allDead = daemons.length > 0 && (await Promise.all(daemons.map(isRunning))).every((r) => !r);
    if (!ownerGone && !allDead) continue;
    say(
      `cleaning up stale harness ${dir} (${ownerGone ? `owner ${owner.pid} is gone` : "its processes are gone"})`,
    );
    await down(dir);
  }
}

export interface UpOptions {
  /** the process whose exit makes this harness stale; omit for a harness started by hand */
  ownerPid?: number;
}

async function createStateDir(ownerPid: number | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), STATE_PREFIX));
  const owner: Owner = {
    pid: ownerPid ?? null,
    startTime: ownerPid === undefined ? null : await processStartTime(ownerPid),
    startedAt: new Date().toISOString(),
  };
  await writeFile(join(dir, "owner.json"), JSON.stringify(owner));
  return dir;
}

export async function up(options: UpOptions = {}): Promise<Harness> {
  const missing = await missingBinaries();
  if (missing.length > 0) {
    throw new HarnessError(
      `harness binaries missing: ${missing.join(", ")}. Run \`npm run cluster -- build\` first.`,
    );
  }
  const venv = await venvDir();
  if (!existsSync(join(venv, "bin", "moto_server"))) {
    throw new HarnessError(`moto is not installed in ${venv}. Run \`npm run cluster -- build\` first.`);
  }
  await cleanStaleHarnesses();

  const dir = await createStateDir(options.ownerPid);
  say(`state folder ${dir}`);
  try {
    return await start(dir, venv);
  } catch (error) {
    say(`startup failed; logs are in ${join(dir, "logs")} (kept until \`npm run cluster -- down ${dir}\`)`);
    await stopRecordedDaemons(dir);
    throw error;
  }
}

async function start(dir: string, venv: string): Promise<Harness> {
  const [etcdPort = 0, etcdPeerPort = 0, apiPort = 0, cmPort = 0, schedulerPort = 0, motoPort = 0] =
    await freePorts(6);
  const server = `https://127.0.0.1:${apiPort}`;
  const awsEndpoint = `http://127.0.0.1:${motoPort}`;

  // moto is independent of the cluster: start it first, it takes a few seconds to import.
  const motoServer = join(venv, "bin", "moto_server");
  const moto = await startDaemon(dir, "moto", motoServer, ["-H", "127.0.0.1", "-p", String(motoPort)]);

  const etcd = await startDaemon(dir, "etcd", BINARIES.etcd, [
    "--name=harness",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-cluster=harness=http://127.0.0.1:${etcdPeerPort}`,
    "--unsafe-no-fsync", // test data: durability is not worth the disk latency
    "--log-level=warn",
  ]);

  const pkiDir = join(dir, "pki");
  await mkdir(pkiDir);
  const pki: Pki = await createPki(pkiDir);
  const caPem = await readFile(pki.caCert, "utf8");

  const admin = identity("admin", ["system:masters"]);
  // Two identities, as the EKS access entries map the Lambda roles: the writer (rollout functions)
  // and the reader (publishAlarms, reportCost).
  const delivery = identity("delivery", [WRITER_GROUP]);
  const reader = identity("delivery-reader", [READER_GROUP]);
  const controllerManager = identity("system:kube-controller-manager", []);
  const scheduler = identity("system:kube-scheduler", []);
  const kwokUser = identity("kwok", ["system:masters"]);
  const tokens = join(pkiDir, "tokens.csv");
  await writeFile(tokens, tokenFile([admin, delivery, reader, controllerManager, scheduler, kwokUser]), {
    mode: 0o600,
  });

  const kubeconfigs = join(dir, "kubeconfig");
  await mkdir(kubeconfigs);
  const kubeconfigOf = async (name: string, who: Identity): Promise<string> => {
    const path = join(kubeconfigs, `${name}.yaml`);
    await writeFile(path, kubeconfigYaml(server, caPem, who), { mode: 0o600 });
    return path;
  };
  const [
    adminKubeconfig,
    deliveryKubeconfig,
    readerKubeconfig,
    cmKubeconfig,
    schedulerKubeconfig,
    kwokKubeconfig,
  ] = await Promise.all([
    kubeconfigOf("admin", admin),
    kubeconfigOf("delivery", delivery),
    kubeconfigOf("delivery-reader", reader),
    kubeconfigOf("controller-manager", controllerManager),
    kubeconfigOf("scheduler", scheduler),
    kubeconfigOf("kwok", kwokUser),
  ]);

  await waitFor("etcd /health", () => httpOk(`http://127.0.0.1:${etcdPort}/health`), 30_000, [etcd]);
  say("etcd ready");

  const apiserver = await startDaemon(dir, "kube-apiserver", BINARIES.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${tokens}`,
    "--authorization-mode=Node,RBAC",
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    // The "kubernetes" Service cannot have a loopback endpoint; nothing in the harness needs it.
    "--endpoint-reconciler-type=none",
    "--allow-privileged=true",
    "--profiling=false",
  ]);
  await waitFor("kube-apiserver /readyz", () => httpsOk(`${server}/readyz`, caPem, admin.token), 60_000, [
    apiserver,
  ]);
  say(`kube-apiserver ${VERSIONS.kubernetes} ready at ${server}`);

  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);

  const [cm, sched, kwok] = await Promise.all([
    startDaemon(dir, "kube-controller-manager", BINARIES.kubeControllerManager, [
      `--kubeconfig=${cmKubeconfig}`,
      `--authentication-kubeconfig=${cmKubeconfig}`,
      `--authorization-kubeconfig=${cmKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${cmPort}`,
      "--controllers=*",
      "--use-service-account-credentials=true",
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      "--leader-elect=false",
      // Each controller's client QPS: at the default 20/30 the controllers need ~4 min to make
      // 1,000 Deployments Available and ~6 min to roll them out (the scale bench); at 200/400
      // about 30 s each, closer to a managed control plane.
      "--kube-api-qps=200",
      "--kube-api-burst=400",
    ]),
    startDaemon(dir, "kube-scheduler", BINARIES.kubeScheduler, [
      `--kubeconfig=${schedulerKubeconfig}`,
      `--authentication-kubeconfig=${schedulerKubeconfig}`,
      `--authorization-kubeconfig=${schedulerKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedulerPort}`,
      "--leader-elect=false",
    ]),
    startDaemon(dir, "kwok", BINARIES.kwok, [
      `--kubeconfig=${kwokKubeconfig}`,
      `--config=${STAGES}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      `--cidr=${POD_CIDR}`,
      "--node-ip=10.0.0.2",
      // Without leases kwok's nodes stop heartbeating and the node controller marks them
      // NotReady every ~50 s, which un-readies their pods mid-rollout (kwokctl sets 40 too).
      "--node-lease-duration-seconds=40",
    ]),
  ]);

  await prepareCluster(kc);
  await waitFor(
    `${FAKE_NODES.length} fake nodes Ready with their EKS capacity`,
    async () => (await settledNodeCount(kc)) === FAKE_NODES.length,
    30_000,
    [kwok],
  );
  say(`${FAKE_NODES.length} fake EKS nodes Ready (kwok ${VERSIONS.kwok})`);

  // Available needs all of them: controller-manager (ReplicaSet, pods), scheduler (binding), kwok (Ready).
  const writer = new KubeConfig();
  writer.loadFromFile(deliveryKubeconfig);
  await checkDeploymentGoesAvailable(kc, writer, [cm, sched, kwok, apiserver]);
  say(
    "a check Deployment went Available through ReplicaSets and kwok pods; the writer's admission policy is enforced",
  );

  await waitFor("moto server", () => httpOk(`${awsEndpoint}/moto-api/`), 60_000, [moto]);
  say(`moto ${VERSIONS.moto} ready at ${awsEndpoint}`);

  const h: Harness = {
    kubeconfig: adminKubeconfig,
    deliveryKubeconfig,
    readerKubeconfig,
    kubectl: BINARIES.kubectl,
    awsEndpoint,
    region: HARNESS_REGION,
    accountId: MOTO_ACCOUNT_ID,
    venv,
    dir,
  };
  await writeFile(join(dir, "harness.json"), JSON.stringify(h, null, 2));
  return h;
}

/**
 * What the tests expect of any cluster: the fake nodes, the app namespace, both delivery groups'
 * RBAC and the writer's admission policy.
 */
export async function prepareCluster(kc: KubeConfig): Promise<void> {
  await Promise.all([createFakeNodes(kc), applyAppNamespaceAndRbac(kc)]);
}

/** The application namespace as k8s/ ships it, the delivery groups' RBAC and the writer's admission policy. */
async function applyAppNamespaceAndRbac(kc: KubeConfig): Promise<void> {
  const shippedNamespace = (await loadManifests()).find(
    (o) => o.kind === "Namespace" && o.metadata?.name === APP_NAMESPACE,
  );
  await applyObjects(kc, [
    shippedNamespace ?? { apiVersion: "v1", kind: "Namespace", metadata: { name: APP_NAMESPACE } },
  ]);
  await applyObjects(kc, await deliveryRbac());
  await applyObjects(kc, await admissionPolicy());
}

async function checkDeploymentGoesAvailable(
  kc: KubeConfig,
  writer: KubeConfig,
  daemons: Daemon[],
): Promise<void> {
  const namespace = "harness-check";
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const labels = { app: "check" };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: "check" },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "check", image: "registry.local/check:1" }] },
        },
      },
    },
  });
  await waitFor(
    "the check Deployment to become Available",
    async () => {
      const d = await apps.readNamespacedDeployment({ name: "check", namespace });
      return d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false;
    },
    45_000,
    daemons,
  );
  await waitForAdmissionPolicy(kc, writer, namespace, daemons);
  await core.deleteNamespace({ name: namespace });
}

/**
 * The policy is enforced once the apiserver's informers have seen it and its binding (usually
 * within a second): until then the writer could patch anything its RBAC allows. Probed with a
 * dry-run patch, as the writer, of the (not opted-in) check Deployment.
 */
async function waitForAdmissionPolicy(
  kc: KubeConfig,
  writer: KubeConfig,
  namespace: string,
  daemons: Daemon[],
): Promise<void> {
  await applyObjects(kc, await namespacedRbacOf(WRITER_GROUP, namespace));
  const apps = writer.makeApiClient(AppsV1Api);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  let refusal = "";
  await waitFor(
    "the writer's ValidatingAdmissionPolicy to refuse a patch",
    async () => {
      try {
        await apps.patchNamespacedDeployment(
          { name: "check", namespace, dryRun: "All", body: { spec: { replicas: 2 } } },
          mergePatch,
        );
        return false;
      } catch (error) {
        const body: unknown = error instanceof ApiException ? error.body : "";
        refusal = typeof body === "string" ? body : JSON.stringify(body);
        return refusal.includes("ValidatingAdmissionPolicy");
      }
    },
    15_000,
    daemons,
  );
  // A rule that fails to evaluate also refuses (failurePolicy Fail), but for the wrong reason.
  if (refusal.includes("resulted in error")) {
    throw new HarnessError(
      `the writer's admission policy (k8s/base/admission) fails to evaluate: ${refusal}`,
    );
  }
}

/**
 * An existing cluster and AWS emulator (HARNESS_EXTERNAL=1): KUBECONFIG, DELIVERY_KUBECONFIG,
 * READER_KUBECONFIG and AWS_ENDPOINT_URL come from the environment, KUBECTL defaults to the kubectl on PATH; only a
 * scratch folder and the virtualenv (for cfn-lint) are provided, and nothing is started.
 */
export async function external(options: UpOptions = {}): Promise<Harness> {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new HarnessError(`HARNESS_EXTERNAL=1 needs ${name} set; see tests/README.md.`);
    return value;
  };
  const kubeconfig = need("KUBECONFIG");
  const deliveryKubeconfig = need("DELIVERY_KUBECONFIG");
  const readerKubeconfig = need("READER_KUBECONFIG");
  const awsEndpoint = need("AWS_ENDPOINT_URL");
  await cleanStaleHarnesses();
  const dir = await createStateDir(options.ownerPid);
  return {
    kubeconfig,
    deliveryKubeconfig,
    readerKubeconfig,
    kubectl: process.env.KUBECTL || "kubectl",
    awsEndpoint,
    region: process.env.AWS_REGION || HARNESS_REGION,
    accountId: process.env.HARNESS_ACCOUNT_ID || MOTO_ACCOUNT_ID,
    venv: await ensureVenv(),
    dir,
  };
}

/** Stops every process recorded in `dir` and removes the folder. Safe on a half-started or stale run. */
export async function down(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await stopRecordedDaemons(dir);
  await rm(dir, { recursive: true, force: true });
  if (existsSync(CURRENT_POINTER) && (await readFile(CURRENT_POINTER, "utf8")).trim() === dir) {
    await rm(CURRENT_POINTER, { force: true });
  }
}

export async function recordCurrent(dir: string): Promise<void> {
  await mkdir(CACHE_DIR, { recursive: true });
  await writeFile(CURRENT_POINTER, `${dir}\n`);
}

/** The harness folder named by HARNESS_DIR, else the one `up` last recorded. */
export async function currentDir(): Promise<string> {
  if (process.env.HARNESS_DIR) return process.env.HARNESS_DIR;
  if (existsSync(CURRENT_POINTER)) return (await readFile(CURRENT_POINTER, "utf8")).trim();
  throw new HarnessError(
    "no harness is up (HARNESS_DIR unset and none recorded). Run `npm run cluster -- up`.",
  );
}

export async function readHarness(dir: string): Promise<Harness> {
  try {
    return JSON.parse(await readFile(join(dir, "harness.json"), "utf8")) as Harness;
  } catch {
    throw new HarnessError(`no running harness in ${dir}. Run \`npm run cluster -- up\`.`);
  }
}

export function exportLines(h: Harness): string {
  return Object.entries(harnessEnvironment(h))
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'`)
    .join("\n");
}
