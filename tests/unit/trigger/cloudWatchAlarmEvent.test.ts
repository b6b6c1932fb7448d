import { parseAlarmStateChange } from "../../../functions/trigger/cloudWatchAlarmEvent.js";
import { InvalidEventError } from "../../../functions/types/errors.js";

// Shape from the CloudWatch documentation's example "CloudWatch Alarm State Change" event.
const event = {
  version: "0",
  id: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
  "detail-type": "CloudWatch Alarm State Change",
  source: "aws.cloudwatch",
  account: "123456789012",
  time: "2026-11-02T10:02:00Z",
  region: "us-east-1",
  resources: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:coworking-prod/coworking/api/health"],
  detail: {
    alarmName: "coworking-prod/coworking/api/health",
    state: { value: "ALARM", reason: "child alarm in ALARM", timestamp: "2026-11-02T10:02:00.551+0000" },
    previousState: { value: "OK", reason: "", timestamp: "2026-11-02T09:00:00.000+0000" },
    configuration: { alarmRule: "ALARM(x)" },
  },
};

describe("parseAlarmStateChange", () => {
  it("reads name, states and CloudWatch's colon-less timestamps", () => {
    expect(parseAlarmStateChange(event)).toEqual({
      kind: "state-change",
      eventId: event.id,
      alarmName: "coworking-prod/coworking/api/health",
      alarmArn: event.resources[0],
      state: {
        value: "ALARM",
        reason: "child alarm in ALARM",
        timestamp: new Date("2026-11-02T10:02:00.551Z"),
      },
      previousState: { value: "OK", reason: "", timestamp: new Date("2026-11-02T09:00:00.000Z") },
    });
  });

  it("ignores alarms that are not coworking-", () => {
    const other = { ...event, detail: { ...event.detail, alarmName: "someone-elses" } };
    expect(parseAlarmStateChange(other)).toEqual({
      kind: "ignored",
      eventId: event.id,
      reason: "alarm someone-elses is not a coworking- alarm",
    });
  });

  it("rejects malformed events, naming the field", () => {
    const bad = { ...event, detail: { ...event.detail, state: { value: "RED", timestamp: "soon" } } };
    expect(() => parseAlarmStateChange(bad)).toThrow(InvalidEventError);
    expect(() => parseAlarmStateChange(bad)).toThrow(/detail\.state\.value/);
    expect(() => parseAlarmStateChange({ "detail-type": "ECR Image Action" })).toThrow(InvalidEventError);
  });
});
