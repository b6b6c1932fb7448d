// SlackNonces over the stage's state table: one item per verified Slack request, pk
// `slack-nonce#<timestamp>`, sk `<signature>`, written only if absent, so the second time the same
// signed request arrives (a replay, inside the 5 minutes its timestamp verifies in) the condition
// fails and it is refused. The item expires through TTL after the window has passed.
import { type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { SlackNonces } from "../../trigger/slackAction.js";
import { toDeliveryError } from "../aws/awsErrors.js";
import { StateTable, slackNoncePartition } from "./stateTable.js";

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = StateTable;

export class SlackNonceTable implements SlackNonces {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(timestamp: string, signature: string, expiresAtSeconds: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PK]: { S: slackNoncePartition(timestamp) },
            [SK]: { S: signature },
            [TTL]: { N: String(expiresAtSeconds) },
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      // Not knowing whether it was seen is not "first seen": the caller fails rather than act twice.
      throw toDeliveryError(error, `dynamodb:PutItem on ${this.tableName}`);
    }
  }
}

/**
 * Local mode without a state table: the claims of this process only (npm run invoke, tests).
 * TTL is checked on each claim, so the map holds at most the last few minutes' requests.
 */
export class MemorySlackNonces implements SlackNonces {
  readonly #claimed = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(timestamp: string, signature: string, expiresAtSeconds: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.now() / 1000);
    for (const [key, expires] of this.#claimed) if (expires <= nowSeconds) this.#claimed.delete(key);
    const key = `${timestamp}:${signature}`;
    if (this.#claimed.has(key)) return false;
    this.#claimed.set(key, expiresAtSeconds);
    return true;
  }
}
