// QuarantineTable's requests, against a stub client: the key and item shapes, the condition that
// keeps the first failure, strongly consistent reads, and AWS failures mapped onto typed errors.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { QuarantineTable } from "../../../../functions/provider/dynamodb/quarantineTable.js";
import { PermissionDeniedError, TransientError } from "../../../../functions/types/errors.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

function stub(answer: (command: { constructor: { name: string }; input: unknown }) => unknown) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  // A real client (the SDK's paginators insist on one) whose send never leaves the process.
  const client = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  client.send = (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    sent.push({ name: command.constructor.name, input: command.input });
    return answer(command);
  }) as unknown as DynamoDBClient["send"];
  return { client, sent };
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe("QuarantineTable", () => {
  it("looks a digest up by its key, consistently", async () => {
    const { client, sent } = stub(() => ({ Item: { sk: { S: DIGEST } } }));
    expect(await new QuarantineTable(client, "state").isQuarantined("123456789012", "team/api", DIGEST)).toBe(
      true,
    );
    expect(sent).toEqual([
      {
        name: "GetItemCommand",
        input: expect.objectContaining({
          TableName: "state",
          Key: { pk: { S: "quarantine#123456789012/team/api" }, sk: { S: DIGEST } },
          ConsistentRead: true,
        }),
      },
    ]);
  });

  it("writes the documented item under a condition that keeps the first failure, and no expiresAt", async () => {
    const { client, sent } = stub(() => {
      throw awsError("ConditionalCheckFailedException", 400);
    });
    await new QuarantineTable(client, "state").quarantine({
      registryId: "123456789012",
      repositoryName: "api",
      digest: DIGEST,
      reason: "alarm",
      deployment: "prod/coworking/api",
      at: new Date("2026-11-02T10:00:00.000Z"),
    });
    expect(sent[0]?.input).toMatchObject({
      Item: {
        pk: { S: "quarantine#123456789012/api" },
        sk: { S: DIGEST },
        reason: { S: "alarm" },
        deployment: { S: "prod/coworking/api" },
        quarantinedAt: { S: "2026-11-02T10:00:00.000Z" },
      },
      ConditionExpression: "attribute_not_exists(#pk)",
    });
    expect(sent[0]?.input.Item).not.toHaveProperty("expiresAt");
  });

  it("maps access denied and throttling onto typed errors naming the operation", async () => {
    const denied = new QuarantineTable(
      stub(() => Promise.reject(awsError("AccessDeniedException", 400))).client,
      "state",
    );
    await expect(denied.isQuarantined("123456789012", "api", DIGEST)).rejects.toThrow(PermissionDeniedError);
    const busy = new QuarantineTable(
      stub(() => Promise.reject(awsError("ThrottlingException", 400))).client,
      "state",
    );
    await expect(busy.list("123456789012", "api")).rejects.toThrow(TransientError);
    await expect(busy.list("123456789012", "api")).rejects.toThrow("dynamodb:Query on state");
  });
});
