// CloudWatchAlarmStates against a stub client: one DescribeAlarms for the exact name, composite
// and metric alarms both; the state and its timestamps read as DescribeAlarms documents them;
// a missing alarm is undefined, a missing timestamp stays missing, AWS failures are typed.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchAlarmStates } from "../../../../functions/provider/cloudwatch/alarmStates.js";
import { PermissionDeniedError } from "../../../../functions/types/errors.js";

const NAME = "coworking-prod/coworking/api/health";

function stub(answer: () => unknown) {
  const sent: { name: string; input: unknown }[] = [];
  const client = new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  client.send = (async (command: { constructor: { name: string }; input: unknown }) => {
    sent.push({ name: command.constructor.name, input: command.input });
    return answer();
  }) as unknown as CloudWatchClient["send"];
  return { states: new CloudWatchAlarmStates(client), sent };
}

describe("CloudWatchAlarmStates", () => {
  it("describes the one alarm by name, composite and metric types, and reads its state and times", async () => {
    const { states, sent } = stub(() => ({
      MetricAlarms: [],
      CompositeAlarms: [
        {
          AlarmName: NAME,
          StateValue: "ALARM",
          StateReason: "cpu in ALARM",
          StateUpdatedTimestamp: new Date("2026-11-02T12:11:30Z"),
          StateTransitionedTimestamp: new Date("2026-11-02T12:11:00Z"),
        },
      ],
    }));
    expect(await states.current(NAME)).toEqual({
      name: NAME,
      value: "ALARM",
      reason: "cpu in ALARM",
      updatedAt: new Date("2026-11-02T12:11:30Z"),
      transitionedAt: new Date("2026-11-02T12:11:00Z"),
    });
    expect(sent).toEqual([
      {
        name: "DescribeAlarmsCommand",
        input: { AlarmNames: [NAME], AlarmTypes: ["CompositeAlarm", "MetricAlarm"] },
      },
    ]);
  });

  it("is undefined for an alarm CloudWatch does not have", async () => {
    const { states } = stub(() => ({ MetricAlarms: [], CompositeAlarms: [] }));
    expect(await states.current(NAME)).toBeUndefined();
  });

  it("leaves a timestamp CloudWatch did not give out, so the planner refuses rather than guesses", async () => {
    const { states } = stub(() => ({ MetricAlarms: [{ AlarmName: NAME, StateValue: "OK" }] }));
    expect(await states.current(NAME)).toEqual({ name: NAME, value: "OK", reason: "" });
  });

  it("fails on a state it does not know, and maps access denied onto the missing permission", async () => {
    const unknown = stub(() => ({ CompositeAlarms: [{ AlarmName: NAME, StateValue: "MAYBE" }] }));
    await expect(unknown.states.current(NAME)).rejects.toThrow("unknown state MAYBE");
    const denied = stub(() => {
      throw Object.assign(new Error("not authorized"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      });
    });
    const error = await denied.states.current(NAME).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(String(error)).toContain("cloudwatch:DescribeAlarms");
  });
});
