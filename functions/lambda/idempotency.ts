// The skeleton's Idempotency (handler.ts, "Once per key") over the stage's state table, with the
// idempotency utility of Powertools for AWS Lambda: `makeIdempotent` around the work, and a
// DynamoDBPersistenceLayer on the table's own schema. Items: pk `idempotency#<function>` (one
// partition per function, stateTable.ts), sk `<function>#<md5 of the key>`, `status`
// (INPROGRESS, then COMPLETED), `data` (the stored result), `in_progress_expiration` (epoch ms)
// and `expiresAt` (epoch seconds, the table's TTL).
//
// Powertools writes the INPROGRESS item with a conditional PutItem before the work, so of two
// concurrent invocations exactly one gets it; after the work it sets COMPLETED and the result
// (UpdateItem); when the work throws, it deletes the item (DeleteItem), so the retry can do it.
// An INPROGRESS item holds its key only until the invocation's deadline (registerLambdaContext):
// an invocation that timed out does not block the key for the whole retention.
//
// POWERTOOLS_IDEMPOTENCY_DISABLED=true (a Powertools setting) turns all of this off: every
// delivery is then handled again. Nothing here sets it.
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context } from "aws-lambda";
import { toDeliveryError } from "../provider/aws/awsErrors.js";
import { idempotencyPartition, StateTable } from "../provider/dynamodb/stateTable.js";
import type { Config } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import { ConfigError } from "../types/errors.js";
import type { Idempotency, Once } from "./handler.js";

/** EventBridge retries an event for at most 24 hours; a key must outlive every redelivery. */
export const IDEMPOTENCY_RETENTION_SECONDS = 48 * 3600;
/** Lambda's longest timeout: the deadline of work run without one (tests, scripts). */
const LONGEST_INVOCATION_MS = 15 * 60_000;

type Work = () => Promise<object>;

/** Idempotency in the state table (STATE_TABLE_NAME), for one function. */
export class StateTableIdempotency implements Idempotency {
  readonly #config: IdempotencyConfig;
  readonly #run: (request: { key: string }, work: Work) => Promise<object>;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    functionName: string,
    private readonly logger: Pick<Logger, "error">,
  ) {
    this.#config = new IdempotencyConfig({
      // The key is exactly the string the handler names; a missing one is a bug, not "no key".
      eventKeyJmesPath: "key",
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: IDEMPOTENCY_RETENTION_SECONDS,
    });
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName,
      awsSdkV3Client: client,
      keyAttr: StateTable.partitionKey,
      sortKeyAttr: StateTable.sortKey,
      staticPkValue: idempotencyPartition(functionName),
      expiryAttr: StateTable.ttlAttribute,
    });
    this.#run = makeIdempotent((_request: { key: string }, work: Work) => work(), {
      persistenceStore,
      config: this.#config,
      // The sort key's prefix: the function's own name, not the deployed one, so that renaming
      // the stack does not forget what was handled.
      keyPrefix: functionName,
      dataIndexArgument: 0,
    });
  }

  async once<T extends object>(
    key: string,
    work: () => Promise<T>,
    remainingMs: () => number,
  ): Promise<Once<T>> {
    // What happened to the work decides what a Powertools error means.
    let ran = false;
    let done: { value: T } | undefined;
    let failed: { error: unknown } | undefined;
    const tracked = async (): Promise<T> => {
      ran = true;
      try {
        done = { value: asJson(await work()) };
        return done.value;
      } catch (error) {
        failed = { error };
        throw error;
      }
    };
    // Powertools reads the deadline when it writes the INPROGRESS item, synchronously within the
    // call below, so concurrent calls in one process each use their own.
    this.#config.registerLambdaContext(deadline(remainingMs));
    try {
      const value = (await this.#run({ key }, tracked)) as T;
      return ran ? { kind: "ran", value } : { kind: "replayed", value };
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) return { kind: "in-progress" };
      if (failed) {
        // The work's own error is what the invocation fails with; a key that could not be
        // released holds only until this invocation's deadline.
        if (error !== failed.error) {
          this.logger.error("idempotency key not released; a retry waits for this invocation's deadline", {
            key,
            error,
          });
        }
        throw failed.error;
      }
      if (done) {
        // Failing now would only make EventBridge retry work that is done. The INPROGRESS item
        // still holds the key until this invocation's deadline.
        this.logger.error(
          "idempotency key not recorded as done; a duplicate delivered after this invocation's deadline is handled again",
          { key, error },
        );
        return { kind: "ran", value: done.value };
      }
      // The key could not be taken or read: nothing was done, and the retry tries again.
      throw toDeliveryError(
        error instanceof Error && error.cause !== undefined ? error.cause : error,
        `dynamodb:PutItem/GetItem on ${this.tableName} (idempotency key ${key})`,
      );
    }
  }
}

/** Local mode without a state table: every delivery is handled again. */
export const noDeduplication: Idempotency = {
  async once(_key, work) {
    return { kind: "ran", value: asJson(await work()) };
  },
};

/**
 * A function's idempotency: the stage's state table (STATE_TABLE_NAME), required in EKS mode so a
 * deployed function without it fails at cold start; in local mode without it, duplicate
 * deliveries are handled again, said once per cold start.
 */
export function composeIdempotency(config: Config, functionName: string, logger: Logger): Idempotency {
  const tableName = config.rollout.stateTableName;
  if (tableName !== undefined) {
    return new StateTableIdempotency(
      new DynamoDBClient({ region: config.aws.region }),
      tableName,
      functionName,
      logger,
    );
  }
  if (config.clusters.mode === "eks") {
    throw new ConfigError(
      `invalid configuration: STATE_TABLE_NAME is required unless KUBECONFIG is set (the stage's state table, where ${functionName} remembers what it handled)`,
    );
  }
  logger.warn(
    `STATE_TABLE_NAME is not set: ${functionName} does not recognise duplicate deliveries; each one is handled again`,
  );
  return noDeduplication;
}

/** The result as it is stored (JSON), so that the first invocation returns what a replay would. */
function asJson<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * What Powertools reads from the Lambda context: the time left, bounded so that work run without
 * a deadline (Infinity) still releases its key at some point.
 */
function deadline(remainingMs: () => number): Context {
  return {
    getRemainingTimeInMillis: () => Math.min(remainingMs(), LONGEST_INVOCATION_MS),
  } as Pick<Context, "getRemainingTimeInMillis"> as Context;
}
