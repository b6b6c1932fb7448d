// QuarantineStore over the stage's state table (AWS SDK v3, DynamoDB). One item per quarantined
// digest: pk `quarantine#<registryId>/<repositoryName>`, sk `<digest>`, with reason, deployment
// and quarantinedAt (ISO 8601); no expiresAt, so it never expires. Reads are strongly consistent:
// a digest quarantined a moment ago in another cluster must already count.
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
} from "@aws-sdk/client-dynamodb";
import type { QuarantineEntry, QuarantineStore } from "../../rollout/ports/quarantineStore.js";
import { toDeliveryError } from "../aws/awsErrors.js";
import { quarantinePartition, StateTable } from "./stateTable.js";

const { partitionKey: PK, sortKey: SK } = StateTable;

export class QuarantineTable implements QuarantineStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async isQuarantined(registryId: string, repositoryName: string, digest: string): Promise<boolean> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: quarantinePartition(registryId, repositoryName) }, [SK]: { S: digest } },
          ConsistentRead: true,
          ProjectionExpression: "#sk",
          ExpressionAttributeNames: { "#sk": SK },
        }),
      );
      return Item !== undefined;
    } catch (error) {
      throw toDeliveryError(error, `dynamodb:GetItem on ${this.tableName}`);
    }
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PK]: { S: quarantinePartition(entry.registryId, entry.repositoryName) },
            [SK]: { S: entry.digest },
            reason: { S: entry.reason },
            deployment: { S: entry.deployment },
            quarantinedAt: { S: entry.at.toISOString() },
          },
          // The first failure stays on record; a second rollback of the same digest changes nothing.
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return;
      throw toDeliveryError(error, `dynamodb:PutItem on ${this.tableName}`);
    }
  }

  async release(
    registryId: string,
    repositoryName: string,
    digest: string,
  ): Promise<QuarantineEntry | undefined> {
    try {
      const answer = await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: {
            [PK]: { S: quarantinePartition(registryId, repositoryName) },
            [SK]: { S: digest },
          },
          ReturnValues: "ALL_OLD",
        }),
      );
      return answer.Attributes ? toEntry(answer.Attributes, registryId, repositoryName) : undefined;
    } catch (error) {
      throw toDeliveryError(error, `dynamodb:DeleteItem on ${this.tableName}`);
    }
  }

  async list(registryId: string, repositoryName: string): Promise<QuarantineEntry[]> {
    const entries: QuarantineEntry[] = [];
    try {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": PK },
          ExpressionAttributeValues: { ":pk": { S: quarantinePartition(registryId, repositoryName) } },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) entries.push(toEntry(item, registryId, repositoryName));
      }
    } catch (error) {
      throw toDeliveryError(error, `dynamodb:Query on ${this.tableName}`);
    }
    return entries;
  }
}

/** An item as an entry; an attribute missing (an item written by hand) reads as empty, the digest still counts. */
function toEntry(
  item: Record<string, AttributeValue>,
  registryId: string,
  repositoryName: string,
): QuarantineEntry {
  const text = (name: string) => item[name]?.S ?? "";
  const at = new Date(text("quarantinedAt"));
  return {
    registryId,
    repositoryName,
    digest: text(SK),
    reason: text("reason"),
    deployment: text("deployment"),
    at: Number.isNaN(at.getTime()) ? new Date(0) : at,
  };
}
