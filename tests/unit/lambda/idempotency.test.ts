// Which idempotency a function gets from its configuration: the stage's state table when
// STATE_TABLE_NAME is set; without it, a deployed (EKS mode) function fails at cold start, and in
// local mode (KUBECONFIG) duplicates are handled again, which is said once.
import {
  composeIdempotency,
  noDeduplication,
  StateTableIdempotency,
} from "../../../functions/lambda/idempotency.js";
import { loadConfig } from "../../../functions/shared/config.js";
import type { Logger } from "../../../functions/shared/logger.js";
import { ConfigError } from "../../../functions/types/errors.js";

const base = { AWS_REGION: "us-east-1" };

function recordingLogger() {
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) } as unknown as Logger;
  return { logger, warnings };
}

describe("composeIdempotency", () => {
  it("uses the state table when STATE_TABLE_NAME is set", () => {
    const { logger, warnings } = recordingLogger();
    const config = loadConfig({
      ...base,
      EKS_CLUSTERS: "prod",
      STATE_TABLE_NAME: "coworking-delivery-dev-state",
    });
    expect(composeIdempotency(config, "onPipelineEvent", logger)).toBeInstanceOf(StateTableIdempotency);
    expect(warnings).toEqual([]);
  });

  it("fails at cold start in EKS mode without STATE_TABLE_NAME", () => {
    const { logger } = recordingLogger();
    const config = loadConfig({ ...base, EKS_CLUSTERS: "prod" });
    expect(() => composeIdempotency(config, "onPipelineEvent", logger)).toThrow(ConfigError);
    expect(() => composeIdempotency(config, "onPipelineEvent", logger)).toThrow(
      "STATE_TABLE_NAME is required unless KUBECONFIG is set",
    );
  });

  it("in local mode without STATE_TABLE_NAME, handles every delivery and says so once", async () => {
    const { logger, warnings } = recordingLogger();
    const config = loadConfig({ ...base, KUBECONFIG: "/tmp/kubeconfig" });
    const idempotency = composeIdempotency(config, "onPipelineEvent", logger);
    expect(idempotency).toBe(noDeduplication);
    expect(warnings).toEqual([
      "STATE_TABLE_NAME is not set: onPipelineEvent does not recognise duplicate deliveries; each one is handled again",
    ]);
    let runs = 0;
    const work = async () => ({ run: ++runs, dropped: undefined });
    expect(await idempotency.once("key", work, () => 1000)).toEqual({ kind: "ran", value: { run: 1 } });
    expect(await idempotency.once("key", work, () => 1000)).toEqual({ kind: "ran", value: { run: 2 } });
  });
});
