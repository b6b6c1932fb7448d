// FAKE. Not AWS. moto (5.2) implements CloudWatch metric alarms but answers PutCompositeAlarm
// with NotImplementedError, and has no other way to hold a composite alarm. This proxy stands in
// front of moto for CloudWatch only and adds exactly that: PutCompositeAlarm is kept here;
// DescribeAlarms gets the kept composites (AlarmNamePrefix / AlarmNames honoured) appended to
// moto's CompositeAlarms; DeleteAlarms drops them here and forwards the rest. Every other request
// is forwarded to moto unchanged. Protocol: AWS JSON 1.0 (X-Amz-Target:
// GraniteServiceVersion20100801.<Operation>), which the SDK v3 CloudWatch client speaks; the
// CompositeAlarm fields are those DescribeAlarms documents. Tests point the SDK here with
// AWS_ENDPOINT_URL_CLOUDWATCH.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface CompositeAlarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmRule: string;
  ActionsEnabled: boolean;
  AlarmActions: string[];
  OKActions: string[];
  StateValue: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  Tags: { Key: string; Value: string }[];
}

export interface CompositeAlarmsFake {
  url: string;
  composites: Map<string, CompositeAlarm>;
  close(): Promise<void>;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801.";

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startCompositeAlarmsFake(
  motoUrl: string,
  accountId: string,
  region: string,
): Promise<CompositeAlarmsFake> {
  const composites = new Map<string, CompositeAlarm>();
  const forward = async (request: IncomingMessage, body: Buffer) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        ([name]) => !["host", "content-length", "connection"].includes(name),
      ),
    ) as Record<string, string>;
    const response = await fetch(`${motoUrl}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers,
      body,
    });
    return {
      status: response.status,
      type: response.headers.get("content-type") ?? "",
      text: await response.text(),
    };
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const operation = String(request.headers["x-amz-target"] ?? "").replace(TARGET_PREFIX, "");
    const input = operation ? (JSON.parse(body.toString() || "{}") as Record<string, unknown>) : {};
    const reply = (status: number, payload: unknown, type = "application/x-amz-json-1.0") => {
      response.writeHead(status, { "content-type": type });
      response.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    };
    try {
      if (operation === "PutCompositeAlarm") {
        const name = String(input.AlarmName);
        composites.set(name, {
          AlarmName: name,
          AlarmArn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`,
          ...(input.AlarmDescription ? { AlarmDescription: String(input.AlarmDescription) } : {}),
          AlarmRule: String(input.AlarmRule),
          ActionsEnabled: input.ActionsEnabled !== false,
          AlarmActions: (input.AlarmActions as string[] | undefined) ?? [],
          OKActions: (input.OKActions as string[] | undefined) ?? [],
          StateValue: composites.get(name)?.StateValue ?? "INSUFFICIENT_DATA",
          Tags: composites.get(name)?.Tags ?? (input.Tags as CompositeAlarm["Tags"] | undefined) ?? [],
        });
        reply(200, {});
        return;
      }
      if (operation === "DeleteAlarms") {
        const names = (input.AlarmNames as string[] | undefined) ?? [];
        const rest = names.filter((name) => !composites.has(name));
        for (const name of names) composites.delete(name);
        if (rest.length === 0) {
          reply(200, {});
          return;
        }
        const forwarded = await forward(request, Buffer.from(JSON.stringify({ ...input, AlarmNames: rest })));
        reply(forwarded.status, forwarded.text, forwarded.type);
        return;
      }
      const forwarded = await forward(request, body);
      if (operation !== "DescribeAlarms" || forwarded.status !== 200) {
        reply(forwarded.status, forwarded.text, forwarded.type);
        return;
      }
      const prefix = input.AlarmNamePrefix as string | undefined;
      const names = input.AlarmNames as string[] | undefined;
      const types = (input.AlarmTypes as string[] | undefined) ?? ["MetricAlarm"];
      const kept = [...composites.values()].filter(
        (alarm) =>
          types.includes("CompositeAlarm") &&
          (prefix === undefined || alarm.AlarmName.startsWith(prefix)) &&
          (names === undefined || names.length === 0 || names.includes(alarm.AlarmName)),
      );
      const answer = JSON.parse(forwarded.text || "{}") as { CompositeAlarms?: unknown[] };
      answer.CompositeAlarms = [
        ...(answer.CompositeAlarms ?? []),
        ...kept.map(({ Tags: _tags, ...alarm }) => alarm),
      ];
      reply(200, answer);
    } catch (error) {
      reply(500, { __type: "InternalServiceFault", message: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    composites,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
