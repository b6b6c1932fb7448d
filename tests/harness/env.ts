// The harness contract every integration test codes against. The running harness is described
// entirely by environment variables, set by the jest global setup or by
// `eval "$(npm run -s cluster -- env)"`, so tests never need to know how it was started.

/** Where the running harness is. Every field is a path or URL on this machine. */
export interface Harness {
  /** kubeconfig of the admin identity (group system:masters). */
  kubeconfig: string;
  /**
   * kubeconfig of the writer identity (user delivery, group coworking:delivery-writer): the
   * rollout functions (onImagePush, reconcile, onAlarmStateChange), which patch Deployments.
   */
  deliveryKubeconfig: string;
  /**
   * kubeconfig of the reader identity (user delivery-reader, group coworking:delivery-reader):
   * publishAlarms and reportCost, which only read.
   */
  readerKubeconfig: string;
  /** a kubectl binary whose version matches the server. */
  kubectl: string;
  /** the AWS emulator (moto server), e.g. http://127.0.0.1:41234. */
  awsEndpoint: string;
  region: string;
  /** moto's default account. */
  accountId: string;
  /** the Python virtualenv holding moto and cfn-lint (bin/cfn-lint inside). */
  venv: string;
  /** the harness state folder (logs/, kubeconfigs, certificates); removed by `down`. */
  dir: string;
}

/** The environment variable that carries each field of the Harness. */
export const HARNESS_VARIABLES = {
  kubeconfig: "KUBECONFIG",
  deliveryKubeconfig: "DELIVERY_KUBECONFIG",
  readerKubeconfig: "READER_KUBECONFIG",
  kubectl: "KUBECTL",
  awsEndpoint: "AWS_ENDPOINT_URL",
  region: "AWS_REGION",
  accountId: "HARNESS_ACCOUNT_ID",
  venv: "HARNESS_VENV",
  dir: "HARNESS_DIR",
} as const satisfies Record<keyof Harness, string>;

export const HARNESS_REGION = "us-east-1";
export const MOTO_ACCOUNT_ID = "123456789012";

/**
 * The full environment for a harness: its variables plus the dummy credentials the AWS SDK needs
 * to sign requests to moto (moto accepts any).
 */
export function harnessEnvironment(h: Harness): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, variable] of Object.entries(HARNESS_VARIABLES)) {
    env[variable] = h[field as keyof Harness];
  }
  env.AWS_ACCESS_KEY_ID = "test";
  env.AWS_SECRET_ACCESS_KEY = "test";
  env.AWS_DEFAULT_REGION = h.region;
  return env;
}

/** The running harness; throws, naming the fix, when none is up. */
export function harness(env: NodeJS.ProcessEnv = process.env): Harness {
  const defaults: Partial<Record<keyof Harness, string>> = {
    region: HARNESS_REGION,
    accountId: MOTO_ACCOUNT_ID,
  };
  const missing: string[] = [];
  const found: Partial<Harness> = {};
  for (const [field, variable] of Object.entries(HARNESS_VARIABLES) as [keyof Harness, string][]) {
    const value = env[variable] || defaults[field];
    if (value) found[field] = value;
    else missing.push(variable);
  }
  if (missing.length > 0) {
    throw new Error(
      `The test harness is not up: ${missing.join(", ")} not set. ` +
        "Run the integration tests through jest (its global setup starts the harness: " +
        "`npm run test:jest -- --selectProjects integration`), or start it by hand with " +
        '`npm run cluster -- up && eval "$(npm run -s cluster -- env)"`. ' +
        "See tests/README.md.",
    );
  }
  return found as Harness;
}

// The helpers most integration tests need next to harness(), importable from the same place.
export {
  adminKubeConfig,
  createNamespace,
  deleteNamespace,
  deliveryKubeConfig,
  grantDeliveryAccess,
  grantReaderAccess,
  readerKubeConfig,
} from "./kube.js";
