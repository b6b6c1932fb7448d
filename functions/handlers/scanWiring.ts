// The scan gate's wiring, shared by the rollout functions (rolloutWiring.ts) and onImageScan: where
// scan results are recorded (the stage's state table), the ScanFacts the executor plans with (the
// table first, then ECR when the caller allows it), and ECR's DescribeImageScanFindings per
// registry. One store per composition root, so in local mode without a table the scan event's
// result and the executor that plans with it share the same memory.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { ScanResultsTable } from "../provider/dynamodb/scanResultsTable.js";
import { DEFAULT_ECR_RETRY } from "../provider/ecr/ecrImageRegistry.js";
import { EcrScanFindings } from "../provider/ecr/ecrScanFindings.js";
import { EcrScanFacts } from "../provider/ecr/scanFacts.js";
import type { ScanFacts } from "../rollout/ports/scanFacts.js";
import type { ScanFindings } from "../rollout/ports/scanFindings.js";
import { MemoryScanResults, type ScanResults } from "../rollout/ports/scanResults.js";
import type { Config } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import type { InvocationDeadline } from "../shared/retry.js";
import { ConfigError } from "../types/errors.js";

export interface ScanWiring {
  /** The recorded scans: the state table, or memory in local mode without one. */
  scanResults: ScanResults;
  /** What the executor's scan gate plans with. */
  scans: ScanFacts;
  /** DescribeImageScanFindings of one registry (account), retried within the invocation's time. */
  scanFindings(registryId: string): ScanFindings;
}

/** For a function that rolls nothing out (publishAlarms): asking it a scan is a wiring bug. */
const noScanResults: ScanResults = {
  record: () => Promise.reject(new Error("this function has no scan results store")),
  get: () => Promise.reject(new Error("this function has no scan results store")),
};

function scanResultsStore(
  config: Config,
  logger: Logger,
  needed: boolean,
  dynamo: DynamoDBClient,
): ScanResults {
  if (!needed) return noScanResults;
  const tableName = config.rollout.stateTableName;
  if (tableName !== undefined) return new ScanResultsTable(dynamo, tableName);
  if (config.clusters.mode === "eks") {
    throw new ConfigError(
      "invalid configuration: STATE_TABLE_NAME is required unless KUBECONFIG is set (the stage's state table, which holds the scan results)",
    );
  }
  logger.warn(
    "STATE_TABLE_NAME is not set: image scan results are kept for this process only; a scan reported before its push is not kept for the push",
  );
  return new MemoryScanResults();
}

/**
 * `needed`: the function plans rollouts (onImagePush, reconcile, onAlarmStateChange, onImageScan).
 * `ecr` is the root's client (maxAttempts 1: the one retry mechanism is shared/retry.ts).
 */
export function composeScans(
  config: Config,
  logger: Logger,
  ecr: ECRClient,
  deadline: InvocationDeadline,
  needed: boolean,
  /** The root's client of the state table (created lazily: constructing one makes no request). */
  dynamo: DynamoDBClient,
): ScanWiring {
  const scanResults = scanResultsStore(config, logger, needed, dynamo);
  const readers = new Map<string, ScanFindings>();
  const scanFindings = (registryId: string): ScanFindings => {
    let found = readers.get(registryId);
    if (!found) {
      found = new EcrScanFindings(ecr, registryId, {
        retry: { ...DEFAULT_ECR_RETRY, until: deadline.until },
      });
      readers.set(registryId, found);
    }
    return found;
  };
  return { scanResults, scans: new EcrScanFacts(scanResults, scanFindings, { logger }), scanFindings };
}
