// ReleaseThreadStore over the stage's state table (AWS SDK v3, DynamoDB): the records that keep
// one Slack thread per release and channel. Partition `release#<key>` (stateTable.ts):
//   sk `channel#<channel>`  the thread in that channel: `v` (version, every write is conditional
//                           on it), `channel`, `channelId`, `ts` (the parent's), `claimedAt`,
//                           `parent` and `steps` (JSON), `shown`;
//   sk `alias`              `target`: this key is another name of the release filed under it.
// Items expire 30 days after their last write (`expiresAt`): a release's thread is not
// continued after that, a new one begins. Reads are strongly consistent: a thread created a
// moment ago by another function must be found. Only GetItem, PutItem and Query are used.
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
} from "@aws-sdk/client-dynamodb";
import type {
  ParentState,
  PostedStep,
  ReleaseKeyRecord,
  ReleaseThread,
  ReleaseThreadStore,
} from "../../types/releaseThreads.js";
import { toDeliveryError } from "../aws/awsErrors.js";
import { releasePartition, StateTable } from "./stateTable.js";

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = StateTable;
export const RELEASE_THREAD_TTL_SECONDS = 30 * 86_400;
const CHANNEL_PREFIX = "channel#";
const ALIAS = "alias";

const isConditionFailure = (error: unknown) => (error as Error).name === "ConditionalCheckFailedException";

/** JSON written by this adapter, read back; anything unreadable (a hand edit) reads as empty. */
function readJson<T>(text: string | undefined, empty: T): T {
  if (text === undefined) return empty;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as T) : empty;
  } catch {
    return empty;
  }
}

export class ReleaseThreadTable implements ReleaseThreadStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  #expiresAt(): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + RELEASE_THREAD_TTL_SECONDS) };
  }

  async lookup(key: string): Promise<ReleaseKeyRecord> {
    const record: ReleaseKeyRecord = { channels: [] };
    try {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
          ExpressionAttributeValues: { ":pk": { S: releasePartition(key) } },
          ProjectionExpression: "#sk, target",
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const sk = item[SK]?.S ?? "";
          if (sk === ALIAS && item.target?.S) record.alias = item.target.S;
          else if (sk.startsWith(CHANNEL_PREFIX)) record.channels.push(sk.slice(CHANNEL_PREFIX.length));
        }
      }
    } catch (error) {
      throw toDeliveryError(error, `dynamodb:Query on ${this.tableName}`);
    }
    return record;
  }

  async alias(from: string, to: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PK]: { S: releasePartition(from) },
            [SK]: { S: ALIAS },
            target: { S: to },
            [TTL]: this.#expiresAt(),
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toDeliveryError(error, `dynamodb:PutItem on ${this.tableName}`);
    }
  }

  async get(key: string, channel: string): Promise<ReleaseThread | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: releasePartition(key) }, [SK]: { S: `${CHANNEL_PREFIX}${channel}` } },
          ConsistentRead: true,
        }),
      );
      return Item === undefined ? undefined : toThread(Item, key, channel);
    } catch (error) {
      throw toDeliveryError(error, `dynamodb:GetItem on ${this.tableName}`);
    }
  }

  async put(thread: ReleaseThread, expectedVersion: number): Promise<boolean> {
    const item: Record<string, AttributeValue> = {
      [PK]: { S: releasePartition(thread.key) },
      [SK]: { S: `${CHANNEL_PREFIX}${thread.channel}` },
      v: { N: String(expectedVersion + 1) },
      channel: { S: thread.channel },
      parent: { S: JSON.stringify(thread.parent) },
      steps: { S: JSON.stringify(thread.steps) },
      [TTL]: this.#expiresAt(),
    };
    if (thread.channelId !== undefined) item.channelId = { S: thread.channelId };
    if (thread.ts !== undefined) item.ts = { S: thread.ts };
    if (thread.claimedAt !== undefined) item.claimedAt = { N: String(thread.claimedAt) };
    if (thread.shown !== undefined) item.shown = { S: thread.shown };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ...(expectedVersion === 0
            ? {
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": PK },
              }
            : {
                ConditionExpression: "#v = :v",
                ExpressionAttributeNames: { "#v": "v" },
                ExpressionAttributeValues: { ":v": { N: String(expectedVersion) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw toDeliveryError(error, `dynamodb:PutItem on ${this.tableName}`);
    }
  }
}

function toThread(item: Record<string, AttributeValue>, key: string, channel: string): ReleaseThread {
  const number = (name: string) => {
    const text = item[name]?.N;
    const value = text === undefined ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const parent = readJson<ParentState>(item.parent?.S, { deployments: {} });
  return {
    key,
    channel,
    version: number("v") ?? 0,
    ...(item.channelId?.S !== undefined && { channelId: item.channelId.S }),
    ...(item.ts?.S !== undefined && { ts: item.ts.S }),
    ...(number("claimedAt") !== undefined && { claimedAt: number("claimedAt") }),
    parent: { ...parent, deployments: parent.deployments ?? {} },
    ...(item.shown?.S !== undefined && { shown: item.shown.S }),
    steps: readJson<Record<string, PostedStep>>(item.steps?.S, {}),
  };
}
