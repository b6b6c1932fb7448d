// ScanResultsTable against moto DynamoDB, on a table created with the exact schema the stage
// deploys (tests/support/stateTable.ts): the item as documented (with its 30-day expiry), a
// result read back as it was recorded, the later scan kept whatever order the results arrive in
// (a conditional write), the partitions of two repositories and two registries kept apart, and an
// item this release cannot read reported, never taken for "no scan".
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  SCAN_RESULT_TTL_SECONDS,
  ScanResultsTable,
} from "../../../functions/provider/dynamodb/scanResultsTable.js";
import type { ScanFact } from "../../../functions/rollout/gates/evaluate.js";
import { severityCounts } from "../../../functions/rollout/gates/scan.js";
import type { RecordedScan } from "../../../functions/rollout/ports/scanResults.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "210987654321";
const digest = (seed: string) => `sha256:${seed.repeat(64).slice(0, 64)}`;
const NOW = Date.parse("2026-11-02T12:00:00.000Z");

const blocking: ScanFact = {
  status: "complete",
  counts: severityCounts({ CRITICAL: 1, HIGH: 2 }),
  topFindings: [
    {
      id: "CVE-2023-4911",
      package: "glibc",
      severity: "CRITICAL",
      link: "https://security-tracker.debian.org/tracker/CVE-2023-4911",
    },
    { id: "CVE-2024-6119", severity: "HIGH" },
  ],
  registryStatus: "COMPLETE",
};

const clean: ScanFact = {
  status: "complete",
  counts: severityCounts(),
  topFindings: [],
  registryStatus: "COMPLETE",
};

function result(repositoryName: string, overrides: Partial<RecordedScan> = {}): RecordedScan {
  return {
    registryId: ACCOUNT,
    repositoryName,
    digest: digest("a"),
    fact: blocking,
    at: new Date("2026-11-02T10:00:00.000Z"),
    source: "ecr-basic",
    ...overrides,
  };
}

let tableName: string;
const client = stateTableClient();
const table = () => new ScanResultsTable(client, tableName, { now: () => NOW });

beforeAll(async () => {
  tableName = await createStateTable("coworking-scan-results-test");
});
afterAll(async () => {
  if (tableName) await deleteStateTable(tableName);
});

describe("ScanResultsTable (moto DynamoDB)", () => {
  it("writes one item per digest: pk scan#<registry>/<repository>, sk the digest, expiring in 30 days", async () => {
    await table().record(result("coworking/analytics"));

    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `scan#${ACCOUNT}/coworking/analytics` }, sk: { S: digest("a") } },
      }),
    );
    expect(Item).toEqual({
      pk: { S: `scan#${ACCOUNT}/coworking/analytics` },
      sk: { S: digest("a") },
      source: { S: "ecr-basic" },
      scannedAtMs: { N: String(Date.parse("2026-11-02T10:00:00.000Z")) },
      fact: { S: expect.any(String) },
      expiresAt: { N: String(NOW / 1000 + SCAN_RESULT_TTL_SECONDS) },
    });
    expect(SCAN_RESULT_TTL_SECONDS).toBe(30 * 86_400);
    expect(JSON.parse(Item?.fact?.S ?? "")).toMatchObject({
      v: 1,
      status: "complete",
      registryStatus: "COMPLETE",
    });
  });

  it("reads a result back as it was recorded, strongly consistent, and undefined for an image without one", async () => {
    const inspector = result("coworking/read-back", {
      source: "inspector",
      fact: {
        ...blocking,
        unclassified: 3,
        registryStatus: "INITIAL_SCAN_COMPLETE",
        description: "The scan was completed successfully.",
      },
    });
    await table().record(inspector);

    expect(await table().get(ACCOUNT, "coworking/read-back", digest("a"))).toEqual(inspector);
    expect(await table().get(ACCOUNT, "coworking/read-back", digest("b"))).toBeUndefined();
  });

  it("keeps the later scan whatever order the results arrive in; a duplicate changes nothing", async () => {
    const repositoryName = "coworking/ordered";
    const older = result(repositoryName, { at: new Date("2026-11-02T10:00:00.000Z"), fact: blocking });
    const newer = result(repositoryName, {
      at: new Date("2026-11-02T10:05:00.000Z"),
      fact: clean,
      source: "registry",
    });

    await table().record(older);
    await table().record(newer);
    expect(await table().get(ACCOUNT, repositoryName, digest("a"))).toEqual(newer);

    // The older event arrives late (EventBridge delivers in any order): it must not win.
    await table().record(older);
    expect(await table().get(ACCOUNT, repositoryName, digest("a"))).toEqual(newer);

    // The same scan delivered again, even saying something else, leaves the first record.
    await table().record({ ...newer, fact: blocking });
    expect(await table().get(ACCOUNT, repositoryName, digest("a"))).toEqual(newer);
  });

  it("keeps repositories and registries apart", async () => {
    await table().record(result("coworking/apart"));

    expect(await table().get(ACCOUNT, "coworking/apart-other", digest("a"))).toBeUndefined();
    expect(await table().get(OTHER_ACCOUNT, "coworking/apart", digest("a"))).toBeUndefined();
    expect(await table().get(ACCOUNT, "coworking/apart", digest("a"))).toBeDefined();
  });

  it("reports an item it cannot read (another encoding version), naming it and the way out", async () => {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `scan#${ACCOUNT}/coworking/future` },
          sk: { S: digest("a") },
          source: { S: "ecr-basic" },
          scannedAtMs: { N: "1793613600000" },
          fact: { S: JSON.stringify({ v: 2, verdict: "pass" }) },
        },
      }),
    );

    await expect(table().get(ACCOUNT, "coworking/future", digest("a"))).rejects.toThrow(
      `the scan result of ${digest("a")} in ${tableName} (pk scan#${ACCOUNT}/coworking/future) cannot be read: fact v`,
    );
    await expect(table().get(ACCOUNT, "coworking/future", digest("a"))).rejects.toThrow(/delete the item/);
  });

  it("names the table and the operation when the table does not exist", async () => {
    const absent = new ScanResultsTable(client, `${tableName}-absent`);
    await expect(absent.get(ACCOUNT, "coworking/analytics", digest("a"))).rejects.toThrow(
      /ResourceNotFound|not found|non-existent|does not exist/i,
    );
    await expect(absent.record(result("coworking/analytics"))).rejects.toThrow(
      /ResourceNotFound|not found|non-existent|does not exist/i,
    );
  });
});
