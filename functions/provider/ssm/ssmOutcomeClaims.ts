// OutcomeClaims in SSM Parameter Store: PutParameter with Overwrite=false either creates the
// parameter or fails with ParameterAlreadyExists, atomically. Nothing to provision (parameters
// appear under a prefix on demand), and claims older than EventBridge's longest retry window
// are swept on the way, so the prefix stays small (standard parameters are free, 10,000 max).
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  paginateGetParametersByPath,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import type { OutcomeClaims } from "../../pipeline/ports/outcomeClaims.js";
import type { Logger } from "../../shared/logger.js";
import { toDeliveryError } from "../aws/awsErrors.js";

export const CLAIMS_PREFIX = "/coworking/pipeline-outcomes";
/** EventBridge retries an event for at most 24 hours; a claim must outlive every redelivery. */
export const CLAIM_RETENTION_MS = 48 * 3_600_000;
const DELETE_BATCH = 10;

export class SsmOutcomeClaims implements OutcomeClaims {
  constructor(
    private readonly client: SSMClient,
    private readonly logger: Pick<Logger, "warn">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claim(key: string): Promise<boolean> {
    const name = parameterName(key);
    try {
      await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: this.now().toISOString(),
          Type: "String",
          Overwrite: false,
          Description: "coworking: this pipeline outcome was reported (dedupes at-least-once delivery)",
        }),
      );
    } catch (error) {
      if (error instanceof ParameterAlreadyExists) return false;
      throw toDeliveryError(error, `ssm:PutParameter on ${name}`);
    }
    // Keys start with the pipeline name (plan.ts), so each pipeline sweeps its own claims.
    await this.#sweep(name.slice(0, name.indexOf("/", CLAIMS_PREFIX.length + 1)));
    return true;
  }

  async release(key: string): Promise<void> {
    const name = parameterName(key);
    try {
      await this.client.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (error instanceof ParameterNotFound) return;
      throw toDeliveryError(error, `ssm:DeleteParameter on ${name}`);
    }
  }

  /** Deletes the claims of one pipeline past the retention window; best effort, a claim stands. */
  async #sweep(path: string): Promise<void> {
    const cutoff = this.now().getTime() - CLAIM_RETENTION_MS;
    const expired: string[] = [];
    try {
      for await (const page of paginateGetParametersByPath(
        { client: this.client },
        { Path: path, Recursive: true },
      )) {
        for (const parameter of page.Parameters ?? []) {
          if (parameter.Name && parameter.LastModifiedDate && parameter.LastModifiedDate.getTime() < cutoff) {
            expired.push(parameter.Name);
          }
        }
      }
      for (let start = 0; start < expired.length; start += DELETE_BATCH) {
        await this.client.send(
          new DeleteParametersCommand({ Names: expired.slice(start, start + DELETE_BATCH) }),
        );
      }
    } catch (error) {
      this.logger.warn("sweeping expired outcome claims failed; the next claim retries", { path, error });
    }
  }
}

/** SSM names allow [A-Za-z0-9_.-/]; pipeline names may also hold "@". */
export function parameterName(key: string): string {
  return `${CLAIMS_PREFIX}/${key.replace(/[^A-Za-z0-9_.\-/]/g, "_")}`;
}
