// RefusalTable against moto DynamoDB, on the stage's table schema: the first sighting of a
// Deployment's bad annotation value is new, the same again is not, another value or another
// Deployment is; the value is stored only as a hash, and the item expires after 30 days.
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { REFUSAL_TTL_SECONDS, RefusalTable } from "../../../functions/provider/dynamodb/refusalTable.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";

let tableName: string;
const client = stateTableClient();
const NOW = Date.parse("2026-11-02T10:00:00.000Z");

beforeAll(async () => {
  tableName = await createStateTable("coworking-refusal-test");
});
afterAll(async () => {
  if (tableName) await deleteStateTable(tableName);
});

describe("RefusalTable (moto DynamoDB)", () => {
  it("is new once per Deployment, annotation and value", async () => {
    const log = new RefusalTable(client, tableName, () => NOW);
    const annotation = "rollout.coworking.dev/bake-seconds";
    expect(await log.firstSeen("prod/coworking/api", annotation, "five")).toBe(true);
    expect(await log.firstSeen("prod/coworking/api", annotation, "five")).toBe(false);
    expect(await log.firstSeen("prod/coworking/api", annotation, "six")).toBe(true);
    expect(await log.firstSeen("prod/coworking/worker", annotation, "five")).toBe(true);

    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "refusal#prod/coworking/api" } },
      }),
    );
    expect(Items).toHaveLength(2);
    for (const item of Items ?? []) {
      expect(item.sk?.S).toMatch(/^rollout\.coworking\.dev\/bake-seconds#[0-9a-f]{64}$/);
      expect(JSON.stringify(item)).not.toContain("five");
      expect(Number(item.expiresAt?.N)).toBe(NOW / 1000 + REFUSAL_TTL_SECONDS);
    }
  });

  it("says new when the table cannot be written: a repeated message beats a lost one", async () => {
    const log = new RefusalTable(client, `${tableName}-missing`, () => NOW);
    expect(await log.firstSeen("prod/coworking/api", "rollout.coworking.dev/policy", "x")).toBe(true);
  });
});
