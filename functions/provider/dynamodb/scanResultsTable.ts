// ScanResults over the stage's state table (AWS SDK v3, DynamoDB). One item per image, the latest
// scan reported for it: pk `scan#<registryId>/<repositoryName>`, sk `<digest>`, with
// - `source` (S): ecr-basic, inspector or registry;
// - `scannedAtMs` (N): when the scan ended, epoch milliseconds; the write is conditional on it
//   (no item yet, or an older one), so of results arriving in any order the latest stays and a
//   duplicate delivery changes nothing;
// - `fact` (S): the ScanFact as JSON, versioned (`"v":1`) and read through a schema: a value this
//   release cannot read (another version, a hand edit) is an error naming the item, never taken
//   for "no scan yet";
// - `expiresAt` (N): 30 days after the write, epoch seconds (the table's TTL attribute): after
//   that the reconciler asks the registry again.
// Reads are strongly consistent: a result recorded a moment ago by the scan event must count for
// the push being planned now.
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import type { ScanFact } from "../../rollout/gates/evaluate.js";
import { SEVERITIES, severityCounts } from "../../rollout/gates/scan.js";
import type { RecordedScan, ScanResults, ScanSource } from "../../rollout/ports/scanResults.js";
import { toDeliveryError } from "../aws/awsErrors.js";
import { StateTable, scanPartition } from "./stateTable.js";

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = StateTable;

/** How long a recorded scan is kept: long past any scan-timeout (at most 7 days). */
export const SCAN_RESULT_TTL_SECONDS = 30 * 86_400;

/** The encoding's version: a later release that changes it raises it, and this one refuses to misread. */
const FACT_VERSION = 1;

const SOURCES = ["ecr-basic", "inspector", "registry"] as const satisfies readonly ScanSource[];

const count = z.number().int().nonnegative();

const factSchema = z.object({
  v: z.literal(FACT_VERSION),
  status: z.enum(["complete", "in_progress", "failed", "unsupported"]),
  counts: z.partialRecord(z.enum(SEVERITIES), count),
  unclassified: count.optional(),
  topFindings: z.array(
    z.object({
      id: z.string(),
      package: z.string().optional(),
      severity: z.enum(SEVERITIES),
      link: z.string().optional(),
    }),
  ),
  registryStatus: z.string(),
  description: z.string().optional(),
});

export interface ScanResultsTableOptions {
  /** The clock of `expiresAt`; Date.now by default. */
  now?: () => number;
}

export class ScanResultsTable implements ScanResults {
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: ScanResultsTableOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async record(result: RecordedScan): Promise<void> {
    const scannedAtMs = result.at.getTime();
    if (!Number.isFinite(scannedAtMs)) throw new RangeError("a recorded scan needs a valid `at`");
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PK]: { S: scanPartition(result.registryId, result.repositoryName) },
            [SK]: { S: result.digest },
            source: { S: result.source },
            scannedAtMs: { N: String(scannedAtMs) },
            fact: { S: encodeFact(result.fact) },
            [TTL]: { N: String(Math.floor(this.now() / 1000) + SCAN_RESULT_TTL_SECONDS) },
          },
          // Only over nothing, or over an older result: the same or a later one already recorded stays.
          ConditionExpression: "attribute_not_exists(#pk) OR #scannedAtMs < :scannedAtMs",
          ExpressionAttributeNames: { "#pk": PK, "#scannedAtMs": "scannedAtMs" },
          ExpressionAttributeValues: { ":scannedAtMs": { N: String(scannedAtMs) } },
        }),
      );
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return;
      throw toDeliveryError(error, `dynamodb:PutItem on ${this.tableName}`);
    }
  }

  async get(registryId: string, repositoryName: string, digest: string): Promise<RecordedScan | undefined> {
    const pk = scanPartition(registryId, repositoryName);
    let item: Record<string, AttributeValue> | undefined;
    try {
      ({ Item: item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: pk }, [SK]: { S: digest } },
          ConsistentRead: true,
        }),
      ));
    } catch (error) {
      throw toDeliveryError(error, `dynamodb:GetItem on ${this.tableName}`);
    }
    if (item === undefined) return undefined;
    const unreadable = (problem: string) =>
      new Error(
        `the scan result of ${digest} in ${this.tableName} (${PK} ${pk}) cannot be read: ${problem}; delete the item to have the image's scan asked of the registry again`,
      );
    const source = item.source?.S;
    if (source === undefined || !(SOURCES as readonly string[]).includes(source)) {
      throw unreadable(`source must be one of ${SOURCES.join(", ")}`);
    }
    const scannedAtMs = Number(item.scannedAtMs?.N);
    if (item.scannedAtMs?.N === undefined || !Number.isFinite(scannedAtMs)) {
      throw unreadable("scannedAtMs must be a number (epoch milliseconds)");
    }
    const fact = decodeFact(item.fact?.S);
    if (typeof fact === "string") throw unreadable(fact);
    return {
      registryId,
      repositoryName,
      digest,
      fact,
      at: new Date(scannedAtMs),
      source: source as ScanSource,
    };
  }
}

function encodeFact(fact: ScanFact): string {
  return JSON.stringify({ v: FACT_VERSION, ...fact });
}

/** The fact, or what is wrong with it. */
function decodeFact(text: string | undefined): ScanFact | string {
  if (text === undefined) return "fact is missing";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "fact is not JSON";
  }
  const parsed = factSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `fact ${issue?.path.length ? `${issue.path.join(".")} ` : ""}${issue?.message ?? "has the wrong shape"}`;
  }
  const { v: _version, counts, unclassified, description, topFindings, ...rest } = parsed.data;
  return {
    ...rest,
    counts: severityCounts(counts),
    ...(unclassified !== undefined ? { unclassified } : {}),
    topFindings: topFindings.map((finding) => ({
      id: finding.id,
      ...(finding.package !== undefined ? { package: finding.package } : {}),
      severity: finding.severity,
      ...(finding.link !== undefined ? { link: finding.link } : {}),
    })),
    ...(description !== undefined ? { description } : {}),
  };
}
