// ReleaseThreadTable against moto DynamoDB, on the stage's table schema: a release's thread per
// channel under `release#<key>`, every write conditional on the version read (so two invocations
// never both create a thread or both post a step), aliases written once, items that expire 30 days
// after their last write.
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import {
  RELEASE_THREAD_TTL_SECONDS,
  ReleaseThreadTable,
} from "../../../functions/provider/dynamodb/releaseThreads.js";
import type { ReleaseThread } from "../../../functions/types/releaseThreads.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";

let tableName: string;
const client = stateTableClient();
const NOW = Date.parse("2026-11-23T10:00:00.000Z");
const EXECUTION = "0f5a7c3e-2b1d-4e8f-9a6b-3c4d5e6f7a8b";
const IMAGE_KEY = `coworking/analytics@sha256:${"4f2a91c0".repeat(8)}`;

beforeAll(async () => {
  tableName = await createStateTable("coworking-release-threads-test");
});
afterAll(async () => {
  if (tableName) await deleteStateTable(tableName);
});

const thread = (channel: string, change: Partial<ReleaseThread> = {}): ReleaseThread => ({
  key: EXECUTION,
  channel,
  version: 0,
  parent: { deployments: {} },
  steps: {},
  ...change,
});

describe("ReleaseThreadTable (moto DynamoDB)", () => {
  it("stores a thread per channel, read back as written, with one winner per version", async () => {
    const table = new ReleaseThreadTable(client, tableName, () => NOW);
    expect(await table.get(EXECUTION, "#deploys")).toBeUndefined();

    // Two invocations claim the parent of a new release: one wins.
    const claim = thread("#deploys", { claimedAt: NOW });
    expect(await table.put(claim, 0)).toBe(true);
    expect(await table.put({ ...claim, claimedAt: NOW + 1 }, 0)).toBe(false);

    const posted: ReleaseThread = {
      ...claim,
      channelId: "C0DEPLOYS01",
      ts: "1767225600.000100",
      claimedAt: undefined,
      shown: "abc",
      parent: {
        deployments: {
          "prod/coworking/analytics": { phase: "rolled-out", occurrence: "2026-11-23T10:05:42.000Z" },
        },
        commit: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
        stage: "rollout",
        startedAt: NOW,
      },
      steps: {
        "rollout.succeeded|prod/coworking/analytics|x|": {
          state: "posted",
          at: NOW,
          ts: "1767225600.000200",
        },
      },
    };
    expect(await table.put(posted, 1)).toBe(true);
    // A writer that read version 1 too is refused: it must read again.
    expect(await table.put({ ...posted, shown: "stale" }, 1)).toBe(false);

    const read = await table.get(EXECUTION, "#deploys");
    const { claimedAt: _claimedAt, ...expected } = posted;
    expect(read).toEqual({ ...expected, version: 2 });

    await table.put(thread("C0TEAM0001"), 0);
    expect(await table.lookup(EXECUTION)).toEqual({ channels: ["#deploys", "C0TEAM0001"] });
  });

  it("records an alias once, and finds it", async () => {
    const table = new ReleaseThreadTable(client, tableName, () => NOW);
    expect(await table.alias(IMAGE_KEY, EXECUTION)).toBe(true);
    expect(await table.alias(IMAGE_KEY, "another-execution")).toBe(false);
    expect(await table.lookup(IMAGE_KEY)).toEqual({ alias: EXECUTION, channels: [] });
    expect(await table.lookup("nothing-here")).toEqual({ channels: [] });
  });

  it("keeps its items under release#<key>, expiring 30 days after the last write", async () => {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: `release#${EXECUTION}` } },
      }),
    );
    expect(Items.map((item) => item.sk?.S).sort()).toEqual(["channel##deploys", "channel#C0TEAM0001"]);
    for (const item of Items) expect(Number(item.expiresAt?.N)).toBe(NOW / 1000 + RELEASE_THREAD_TTL_SECONDS);
  });
});
