// RefusalLog over the stage's state table: one item per refused annotation value of a Deployment,
// pk `refusal#<cluster>/<namespace>/<name>`, sk `<annotation>#<sha256 of the value>` (the value
// itself is never stored: it can be long, and it is the operator's), written with a condition so
// that only the first sighting counts. Items expire after 30 days: a refusal still unfixed a month
// later is reported again, as a reminder.
import { createHash } from "node:crypto";
import { type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { RefusalLog } from "../../rollout/ports/refusalLog.js";
import { refusalPartition, StateTable } from "./stateTable.js";

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = StateTable;
export const REFUSAL_TTL_SECONDS = 30 * 86_400;

export class RefusalTable implements RefusalLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async firstSeen(deployment: string, annotation: string, value: string): Promise<boolean> {
    const fingerprint = createHash("sha256").update(value).digest("hex");
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PK]: { S: refusalPartition(deployment) },
            [SK]: { S: `${annotation}#${fingerprint}` },
            [TTL]: { N: String(Math.floor(this.now() / 1000) + REFUSAL_TTL_SECONDS) },
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
      return true;
    } catch (error) {
      // Seen before: the condition failed. Anything else: report again rather than stay silent.
      return (error as Error).name !== "ConditionalCheckFailedException";
    }
  }
}
