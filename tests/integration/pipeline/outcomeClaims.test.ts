// SSM Parameter Store as the claim of "this outcome was reported", against the moto emulator.
import { randomUUID } from "node:crypto";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SsmOutcomeClaims } from "../../../functions/provider/ssm/ssmOutcomeClaims.js";
import type { Logger } from "../../../functions/shared/logger.js";
import "../../harness/env.js";

const ssm = new SSMClient({});
const logger = { warn: (() => undefined) as Logger["warn"] };

describe("SsmOutcomeClaims", () => {
  it("grants a key once, even to concurrent callers, and again after release", async () => {
    const claims = new SsmOutcomeClaims(ssm, logger);
    const key = `pipeline-${randomUUID()}/exec-1/SUCCEEDED/1`;
    const first = await Promise.all([claims.claim(key), claims.claim(key), claims.claim(key)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await claims.claim(key)).toBe(false);
    await claims.release(key);
    expect(await claims.claim(key)).toBe(true);
    await claims.release(`${key}-never-claimed`);
  });

  it("sweeps a pipeline's claims once they are past EventBridge's retry window", async () => {
    const pipeline = `pipeline-${randomUUID()}`;
    const claims = new SsmOutcomeClaims(ssm, logger);
    expect(await claims.claim(`${pipeline}/exec-1/FAILED/1`)).toBe(true);
    expect(await claims.claim(`${pipeline}/exec-1/FAILED/1`)).toBe(false);

    const twoDaysLater = new SsmOutcomeClaims(ssm, logger, () => new Date(Date.now() + 49 * 3_600_000));
    expect(await twoDaysLater.claim(`${pipeline}/exec-2/SUCCEEDED/1`)).toBe(true);
    // exec-1's claim was swept; another pipeline's claims are left alone.
    expect(await claims.claim(`${pipeline}/exec-1/FAILED/1`)).toBe(true);
  });

  it("claims keys whose pipeline name holds characters SSM names do not allow (@)", async () => {
    const claims = new SsmOutcomeClaims(ssm, logger);
    const key = `team@pipeline-${randomUUID()}/exec-1/FAILED/1`;
    expect(await claims.claim(key)).toBe(true);
    expect(await claims.claim(key)).toBe(false);
  });
});
