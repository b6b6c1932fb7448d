import * as z from "zod";
import {
  deliveryOf,
  eventBridgeEnvelope,
  eventBridgeHeadOf,
  invalidEvent,
  parseWith,
  scheduledEvent,
} from "../../../functions/trigger/envelopes.js";
import { InvalidEventError } from "../../../functions/types/errors.js";

const scheduled = {
  version: "0",
  id: "89d1a02d-5ec7-412e-82f5-13505f849b41",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-01-12T06:00:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/coworking-dev-publishAlarms"],
  detail: {},
};

const snsMessage = {
  Records: [
    {
      EventVersion: "1.0",
      EventSource: "aws:sns",
      EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:coworking-dev-notifications:2bcfbf39",
      Sns: {
        Type: "Notification",
        MessageId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        TopicArn: "arn:aws:sns:us-east-1:123456789012:coworking-dev-notifications",
        Subject: null,
        Message: '{"event":"rollout.succeeded"}',
        Timestamp: "2026-01-12T06:00:00.000Z",
        MessageAttributes: { event: { Type: "String", Value: "rollout.succeeded" } },
      },
    },
  ],
};

describe("the EventBridge envelope", () => {
  const thing = eventBridgeEnvelope({
    "detail-type": z.literal("Thing Happened"),
    source: z.literal("aws.thing"),
    detail: z.looseObject({ size: z.number() }),
  });

  it("checks the envelope fields by name, then the detail", () => {
    const event = {
      ...scheduled,
      "detail-type": "Thing Happened",
      source: "aws.thing",
      account: "12",
      region: "Mars",
      time: "yesterday",
      detail: { size: "big" },
    };
    let error: unknown;
    try {
      parseWith(thing, event, "not a thing event");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).issues).toEqual([
      "account: must be a 12-digit account id",
      expect.stringMatching(/^time: /),
      "region: must be an AWS region",
      expect.stringMatching(/^detail\.size: /),
    ]);
    expect((error as InvalidEventError).field).toBe("account");
    expect((error as InvalidEventError).message).toMatch(/^not a thing event: account: must be a 12-digit/);
  });

  it("accepts a scheduled event", () => {
    expect(parseWith(scheduledEvent, scheduled, "not a schedule").id).toBe(scheduled.id);
  });
});

describe("invalidEvent", () => {
  it("names the event as a whole when the refusal has no path", () => {
    const parsed = z.object({ a: z.string() }).safeParse("text");
    if (parsed.success) throw new Error("expected a refusal");
    const error = invalidEvent("not an object event", parsed.error);
    expect(error.issues).toEqual([expect.stringMatching(/^\(event\): /)]);
    expect(error.field).toBeUndefined();
  });
});

describe("eventBridgeHeadOf", () => {
  it("reads the id and detail-type before the schema, and refuses a non-object", () => {
    expect(eventBridgeHeadOf(scheduled)).toEqual({ eventId: scheduled.id, detailType: "Scheduled Event" });
    expect(eventBridgeHeadOf({})).toEqual({ eventId: "unknown" });
    expect(() => eventBridgeHeadOf("text")).toThrow(new InvalidEventError("event is not an object"));
  });
});

describe("deliveryOf", () => {
  it("names EventBridge, SNS and direct deliveries", () => {
    expect(deliveryOf(scheduled)).toEqual({
      via: "eventbridge",
      eventId: scheduled.id,
      detailType: "Scheduled Event",
      source: "aws.events",
    });
    expect(deliveryOf(snsMessage)).toEqual({
      via: "sns",
      eventId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
      topicArn: "arn:aws:sns:us-east-1:123456789012:coworking-dev-notifications",
      attributes: { event: "rollout.succeeded" },
    });
    expect(deliveryOf({ notifyAdvice: true })).toEqual({ via: "direct" });
    expect(deliveryOf(undefined)).toEqual({ via: "direct" });
  });
});
