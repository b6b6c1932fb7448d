// The stage's state table on the emulator (moto's DynamoDB at AWS_ENDPOINT_URL), with exactly the
// schema serverless/stateTable.yml deploys: pay-per-request, `pk` (S, hash) + `sk` (S, range),
// TTL on `expiresAt`. Each call creates a table of its own, so test files never share state.
import { randomBytes } from "node:crypto";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { harness } from "../harness/env.js";

export function stateTableClient(): DynamoDBClient {
  const { region, awsEndpoint } = harness();
  return new DynamoDBClient({ region, endpoint: awsEndpoint });
}

/** Creates a fresh state table and returns its name (what STATE_TABLE_NAME would say). */
export async function createStateTable(prefix = "coworking-test-state"): Promise<string> {
  const client = stateTableClient();
  const tableName = `${prefix}-${randomBytes(4).toString("hex")}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    }),
  );
  return tableName;
}

export async function deleteStateTable(tableName: string): Promise<void> {
  await stateTableClient().send(new DeleteTableCommand({ TableName: tableName }));
}
