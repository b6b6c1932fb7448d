// QuarantineTable against moto DynamoDB, on a table created with the exact schema the stage
// deploys (tests/support/stateTable.ts): the item as documented, idempotent quarantine that keeps
// the first failure, strongly consistent reads, a listing per repository that pages, and the
// partitions of two repositories (or two registries) kept apart.
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { QuarantineTable } from "../../../functions/provider/dynamodb/quarantineTable.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "210987654321";
const digest = (seed: string) => `sha256:${seed.repeat(64).slice(0, 64)}`;

let tableName: string;
const client = stateTableClient();

beforeAll(async () => {
  tableName = await createStateTable("coworking-quarantine-test");
});
afterAll(async () => {
  if (tableName) await deleteStateTable(tableName);
});

describe("QuarantineTable (moto DynamoDB)", () => {
  it("writes one item per digest: pk quarantine#<registry>/<repository>, sk the digest, no expiry", async () => {
    const table = new QuarantineTable(client, tableName);
    const at = new Date("2026-11-02T10:00:00.000Z");
    await table.quarantine({
      registryId: ACCOUNT,
      repositoryName: "coworking/analytics",
      digest: digest("a"),
      reason: "ReplicaSet api-1 has timed out progressing",
      deployment: "prod/coworking/analytics",
      at,
    });

    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `quarantine#${ACCOUNT}/coworking/analytics` }, sk: { S: digest("a") } },
      }),
    );
    expect(Item).toEqual({
      pk: { S: `quarantine#${ACCOUNT}/coworking/analytics` },
      sk: { S: digest("a") },
      reason: { S: "ReplicaSet api-1 has timed out progressing" },
      deployment: { S: "prod/coworking/analytics" },
      quarantinedAt: { S: "2026-11-02T10:00:00.000Z" },
    });
    expect(await table.isQuarantined(ACCOUNT, "coworking/analytics", digest("a"))).toBe(true);
    expect(await table.isQuarantined(ACCOUNT, "coworking/analytics", digest("b"))).toBe(false);
  });

  it("keeps the first failure when the same digest is quarantined again (another cluster, a retry)", async () => {
    const table = new QuarantineTable(client, tableName);
    const entry = {
      registryId: ACCOUNT,
      repositoryName: "coworking/first",
      digest: digest("c"),
      reason: "first failure",
      deployment: "prod/coworking/api",
      at: new Date("2026-11-02T10:00:00.000Z"),
    };
    await table.quarantine(entry);
    await table.quarantine({ ...entry, reason: "second failure", deployment: "staging/coworking/api" });

    expect(await table.list(ACCOUNT, "coworking/first")).toEqual([entry]);
  });

  it("lists a repository's digests only, and keeps registries apart", async () => {
    const table = new QuarantineTable(client, tableName);
    const base = {
      reason: "alarm",
      deployment: "prod/coworking/api",
      at: new Date("2026-11-03T00:00:00.000Z"),
    };
    const digests = Array.from({ length: 30 }, (_, index) => digest(index.toString(16).padStart(2, "0")));
    for (const quarantined of digests) {
      await table.quarantine({
        ...base,
        registryId: ACCOUNT,
        repositoryName: "coworking/many",
        digest: quarantined,
      });
    }
    await table.quarantine({
      ...base,
      registryId: ACCOUNT,
      repositoryName: "coworking/many-other",
      digest: digest("f"),
    });
    await table.quarantine({
      ...base,
      registryId: OTHER_ACCOUNT,
      repositoryName: "coworking/many",
      digest: digest("e"),
    });

    const listed = await table.list(ACCOUNT, "coworking/many");
    expect(new Set(listed.map((entry) => entry.digest))).toEqual(new Set(digests));
    expect(
      listed.every((entry) => entry.registryId === ACCOUNT && entry.repositoryName === "coworking/many"),
    ).toBe(true);
    expect(await table.isQuarantined(OTHER_ACCOUNT, "coworking/many", digests[0] ?? "")).toBe(false);
    expect(await table.list(ACCOUNT, "coworking/none")).toEqual([]);
  });

  it("reads an item written by hand with attributes missing: the digest still counts", async () => {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: `quarantine#${ACCOUNT}/coworking/by-hand` }, sk: { S: digest("d") } },
      }),
    );
    const table = new QuarantineTable(client, tableName);
    expect(await table.isQuarantined(ACCOUNT, "coworking/by-hand", digest("d"))).toBe(true);
    expect(await table.list(ACCOUNT, "coworking/by-hand")).toEqual([
      {
        registryId: ACCOUNT,
        repositoryName: "coworking/by-hand",
        digest: digest("d"),
        reason: "",
        deployment: "",
        at: new Date(0),
      },
    ]);
  });

  it("names the table and the operation when the table does not exist", async () => {
    const table = new QuarantineTable(client, `${tableName}-absent`);
    await expect(table.isQuarantined(ACCOUNT, "coworking/analytics", digest("a"))).rejects.toThrow(
      /ResourceNotFound|not found|non-existent|does not exist/i,
    );
  });
});
