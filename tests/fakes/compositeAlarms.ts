// FAKE. Not AWS. moto (5.2) implements CloudWatch metric alarms but answers PutCompositeAlarm
// with NotImplementedError, and has no other way to hold a composite alarm. This proxy stands in
// front of moto for CloudWatch only and adds exactly that: PutCompositeAlarm is kept here;
// DescribeAlarms gets the kept composites (AlarmNamePrefix / AlarmNames honoured) appended to
// moto's CompositeAlarms; SetAlarmState on a kept composite changes its state here; DeleteAlarms
// drops them here and forwards the rest. Every other request is forwarded to moto unchanged.
// Protocol: AWS JSON 1.0 (X-Amz-Target: GraniteServiceVersion20100801.<Operation>), which the SDK
// v3 CloudWatch client speaks; the CompositeAlarm fields are those DescribeAlarms documents,
// timestamps included (StateUpdatedTimestamp, StateTransitionedTimestamp,
// AlarmConfigurationUpdatedTimestamp), on the wire as epoch seconds as the JSON protocol has them.
// A composite is created in INSUFFICIENT_DATA, as CloudWatch creates it. Tests that need a state
// at an exact time (a late or out-of-order event) set it with `setState`, never by waiting.
// Tests point the SDK here with AWS_ENDPOINT_URL_CLOUDWATCH.
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
  StateValue: StateValue;
  StateReason: string;
  /** Any update of the state, even when StateValue stays the same. */
  StateUpdatedTimestamp: Date;
  /** The last change of StateValue. */
  StateTransitionedTimestamp: Date;
  AlarmConfigurationUpdatedTimestamp: Date;
  Tags: { Key: string; Value: string }[];
}

export type StateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface CompositeAlarmsFake {
  url: string;
  composites: Map<string, CompositeAlarm>;
  /**
   * Puts a kept composite into `value` at `at`, as CloudWatch's evaluation would: StateUpdatedTimestamp
   * is `at`; StateTransitionedTimestamp too when the value changes. Throws for an unknown alarm.
   */
  setState(name: string, value: StateValue, at: Date, reason?: string): void;
  close(): Promise<void>;
}

/** The JSON protocol's timestamp: epoch seconds. */
const epochSeconds = (date: Date) => date.getTime() / 1000;

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
  const setState = (name: string, value: StateValue, at: Date, reason = `set to ${value}`) => {
    const alarm = composites.get(name);
    if (!alarm) throw new Error(`FAKE: no composite alarm ${name}`);
    composites.set(name, {
      ...alarm,
      StateValue: value,
      StateReason: reason,
      StateUpdatedTimestamp: at,
      StateTransitionedTimestamp: value === alarm.StateValue ? alarm.StateTransitionedTimestamp : at,
    });
  };
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
        const now = new Date();
        const kept = composites.get(name);
        composites.set(name, {
          AlarmName: name,
          AlarmArn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`,
          ...(input.AlarmDescription ? { AlarmDescription: String(input.AlarmDescription) } : {}),
          AlarmRule: String(input.AlarmRule),
          ActionsEnabled: input.ActionsEnabled !== false,
          AlarmActions: (input.AlarmActions as string[] | undefined) ?? [],
          OKActions: (input.OKActions as string[] | undefined) ?? [],
          StateValue: kept?.StateValue ?? "INSUFFICIENT_DATA",
          StateReason: kept?.StateReason ?? "Unchecked: Initial alarm creation",
          StateUpdatedTimestamp: kept?.StateUpdatedTimestamp ?? now,
          StateTransitionedTimestamp: kept?.StateTransitionedTimestamp ?? now,
          AlarmConfigurationUpdatedTimestamp: now,
          Tags: kept?.Tags ?? (input.Tags as CompositeAlarm["Tags"] | undefined) ?? [],
        });
        reply(200, {});
        return;
      }
      if (operation === "SetAlarmState" && composites.has(String(input.AlarmName))) {
        const value = String(input.StateValue);
        if (value !== "OK" && value !== "ALARM" && value !== "INSUFFICIENT_DATA") {
          reply(400, { __type: "InvalidParameterValue", message: `StateValue ${value} is not valid` });
          return;
        }
        setState(String(input.AlarmName), value, new Date(), String(input.StateReason ?? ""));
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
        ...kept.map(({ Tags: _tags, ...alarm }) => ({
          ...alarm,
          StateUpdatedTimestamp: epochSeconds(alarm.StateUpdatedTimestamp),
          StateTransitionedTimestamp: epochSeconds(alarm.StateTransitionedTimestamp),
          AlarmConfigurationUpdatedTimestamp: epochSeconds(alarm.AlarmConfigurationUpdatedTimestamp),
        })),
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
    setState,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
