// StateTableIdempotency (Powertools idempotency) against moto DynamoDB, on a table created with the
// exact schema the stage deploys (tests/support/stateTable.ts): the item as documented, the work
// done once per key however many invocations ask at once, the stored result returned to the later
// ones, a key released when the work fails or when its invocation's deadline passed, and the keys
// of two functions kept apart.
import { createHash } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  IDEMPOTENCY_RETENTION_SECONDS,
  StateTableIdempotency,
} from "../../../functions/lambda/idempotency.js";
import { createLogger } from "../../../functions/shared/logger.js";
import { createStateTable, deleteStateTable, stateTableClient } from "../../support/stateTable.js";

let tableName: string;
const client = stateTableClient();
const logger = createLogger("idempotency-test");

beforeAll(async () => {
  tableName = await createStateTable("coworking-idempotency-test");
});
afterAll(async () => {
  if (tableName) await deleteStateTable(tableName);
});

let keys = 0;
/** A key of its own per test, so tests never see each other's items. */
const uniqueKey = () => `pipeline-${process.pid}-${++keys}/exec-1/SUCCEEDED/1`;
const idempotency = (functionName = "testFunction") =>
  new StateTableIdempotency(client, tableName, functionName, logger);
const aMinute = () => 60_000;

/** Work that counts its runs and returns what it is given. */
function counted<T extends object>(value: T, delayMs = 0) {
  const work = async () => {
    work.runs++;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return value;
  };
  work.runs = 0;
  return work;
}

describe("StateTableIdempotency (moto DynamoDB)", () => {
  it("runs the work once; a later call gets the stored result; the item is documented", async () => {
    const key = uniqueKey();
    const detail = { event: "pipeline.succeeded", metrics: 1, delivered: ["slack"], failed: [] };
    const work = counted(detail);
    const before = Date.now();
    expect(await idempotency().once(key, work, aMinute)).toEqual({ kind: "ran", value: detail });
    expect(await idempotency().once(key, work, aMinute)).toEqual({ kind: "replayed", value: detail });
    expect(work.runs).toBe(1);

    const hash = createHash("md5").update(JSON.stringify(key)).digest("base64");
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: "idempotency#testFunction" }, sk: { S: `testFunction#${hash}` } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.status).toEqual({ S: "COMPLETED" });
    expect(Item?.data?.M).toEqual({
      event: { S: "pipeline.succeeded" },
      metrics: { N: "1" },
      delivered: { L: [{ S: "slack" }] },
      failed: { L: [] },
    });
    const expiresAt = Number(Item?.expiresAt?.N);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + IDEMPOTENCY_RETENTION_SECONDS - 1);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + IDEMPOTENCY_RETENTION_SECONDS + 1);
    // The in-progress hold ends at the invocation's deadline (epoch ms).
    const inProgressUntil = Number(Item?.in_progress_expiration?.N);
    expect(inProgressUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(inProgressUntil).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("of concurrent calls with one key, exactly one runs; the others are in progress or replayed", async () => {
    const key = uniqueKey();
    const work = counted({ n: 1 }, 300);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => idempotency().once(key, work, aMinute)),
    );
    expect(work.runs).toBe(1);
    expect(results.filter((result) => result.kind === "ran")).toEqual([{ kind: "ran", value: { n: 1 } }]);
    // The work takes 300 ms: the others asked while it ran.
    expect(results.filter((result) => result.kind === "in-progress").length).toBeGreaterThan(0);
    for (const result of results.filter((r) => r.kind !== "ran")) {
      expect([{ kind: "in-progress" }, { kind: "replayed", value: { n: 1 } }]).toContainEqual(result);
    }
  });

  it("releases the key when the work throws: the error propagates and the next call runs", async () => {
    const key = uniqueKey();
    const failure = new Error("PutMetricData: connect ECONNREFUSED");
    await expect(idempotency().once(key, () => Promise.reject(failure), aMinute)).rejects.toBe(failure);
    const work = counted({ n: 2 });
    expect(await idempotency().once(key, work, aMinute)).toEqual({ kind: "ran", value: { n: 2 } });
    expect(work.runs).toBe(1);
  });

  it("a key held by an invocation past its deadline is taken by the next one", async () => {
    const key = uniqueKey();
    let finish: (value: { n: number }) => void = () => undefined;
    const stuck = idempotency().once(
      key,
      () => new Promise<{ n: number }>((resolve) => (finish = resolve)),
      () => 200,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await idempotency().once(key, counted({ n: 3 }), aMinute)).toEqual({ kind: "in-progress" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const work = counted({ n: 4 });
    expect(await idempotency().once(key, work, aMinute)).toEqual({ kind: "ran", value: { n: 4 } });
    finish({ n: 3 });
    await stuck;
  });

  it("keeps two functions' keys apart, and stores the result as JSON", async () => {
    const key = uniqueKey();
    const withUndefined = { event: undefined, at: new Date("2026-11-30T10:00:00.000Z") };
    expect(await idempotency("functionA").once(key, counted(withUndefined), aMinute)).toEqual({
      kind: "ran",
      value: { at: "2026-11-30T10:00:00.000Z" },
    });
    expect(await idempotency("functionB").once(key, counted({ n: 5 }), aMinute)).toEqual({
      kind: "ran",
      value: { n: 5 },
    });
    expect(await idempotency("functionA").once(key, counted({ n: 6 }), aMinute)).toEqual({
      kind: "replayed",
      value: { at: "2026-11-30T10:00:00.000Z" },
    });
  });

  it("a table it cannot write: the call fails and the work does not run", async () => {
    const work = counted({ n: 7 });
    const missing = new StateTableIdempotency(client, `${tableName}-missing`, "testFunction", logger);
    await expect(missing.once(uniqueKey(), work, aMinute)).rejects.toThrow(/ResourceNotFound|not found/i);
    expect(work.runs).toBe(0);
  });
});
