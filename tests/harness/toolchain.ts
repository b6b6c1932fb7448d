// What the harness runs and where it is cached. The versions are passed to build.sh, so this
// file is the one place to bump them.
import { homedir } from "node:os";
import { join } from "node:path";

export const VERSIONS = {
  kubernetes: "v1.35.4",
  etcd: "v3.6.5",
  kwok: "v0.7.0",
  moto: "5.2.5",
  cfnLint: "1.58.0",
  /** shellcheck's binary, as a wheel (buildspec.yml's shell is checked with it). */
  shellcheckPy: "0.11.0.1",
  /** PostgreSQL 16 binaries as a wheel; the tests use its psql (the schema Job's client). */
  pgserver: "0.1.4",
  /** The open-source IaC scanner run over the template, the overlays and the Dockerfile. */
  checkov: "3.3.30",
} as const;

export const CACHE_DIR = process.env.COWORKING_CACHE ?? join(homedir(), ".cache", "coworking");
export const BIN_DIR = join(CACHE_DIR, "bin");

export const BINARIES = {
  etcd: join(BIN_DIR, `etcd-${VERSIONS.etcd}`),
  kubeApiserver: join(BIN_DIR, `kube-apiserver-${VERSIONS.kubernetes}`),
  kubeControllerManager: join(BIN_DIR, `kube-controller-manager-${VERSIONS.kubernetes}`),
  kubeScheduler: join(BIN_DIR, `kube-scheduler-${VERSIONS.kubernetes}`),
  kubectl: join(BIN_DIR, `kubectl-${VERSIONS.kubernetes}`),
  kwok: join(BIN_DIR, `kwok-${VERSIONS.kwok}`),
} as const;

/** The environment build.sh reads its versions from. */
export function buildScriptEnvironment(): Record<string, string> {
  return {
    K8S_VERSION: VERSIONS.kubernetes,
    ETCD_VERSION: VERSIONS.etcd,
    KWOK_VERSION: VERSIONS.kwok,
    COWORKING_CACHE: CACHE_DIR,
  };
}
