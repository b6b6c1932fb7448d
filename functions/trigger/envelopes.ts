// The envelopes the functions' events arrive in, each written once, and the one way a zod
// refusal becomes an InvalidEventError:
// - EventBridge: every AWS service event (ECR, CodePipeline, CloudWatch alarms) and every
//   schedule, as documented in https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html;
//   `eventBridgeEnvelope` takes the detail-type, source and detail that make one kind of event.
// - the bare payload of a schedule rule with a constant `input` (reportCost's weekly run): the
//   rule delivers that JSON as the whole event, with no envelope and no id.
// - SNS: a topic subscription (publishAlarms, after a successful rollout), as documented in
//   https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html.
// Powertools Parser's EventBridgeEnvelope was considered: its schema takes account, region and time
// as any string, where these parsers refuse a malformed account id, region or timestamp by name.
import * as z from "zod";
import { InvalidEventError } from "../types/errors.js";

export const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit account id");
export const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region");
export const eventTime = z.iso.datetime({ offset: true });

interface EventBridgeParts<T extends z.ZodType, S extends z.ZodType, D extends z.ZodType> {
  "detail-type": T;
  source: S;
  detail: D;
}

/** The EventBridge envelope around one kind of event: its detail-type, source and detail. */
export function eventBridgeEnvelope<T extends z.ZodType, S extends z.ZodType, D extends z.ZodType>(
  parts: EventBridgeParts<T, S, D>,
) {
  return z.object({
    version: z.string(),
    id: z.string().min(1),
    "detail-type": parts["detail-type"],
    source: parts.source,
    account: accountId,
    time: eventTime,
    region: awsRegion,
    resources: z.array(z.string()),
    detail: parts.detail,
  });
}

/** Any EventBridge event, whatever it carries. */
export const anyEventBridgeEvent = eventBridgeEnvelope({
  "detail-type": z.string(),
  source: z.string(),
  detail: z.unknown(),
});

export const SCHEDULED_EVENT = "Scheduled Event";

/** What a schedule rule without `input` delivers: the envelope, an empty detail. */
export const scheduledEvent = eventBridgeEnvelope({
  "detail-type": z.literal(SCHEDULED_EVENT),
  source: z.literal("aws.events"),
  detail: z.looseObject({}),
});

/**
 * What a schedule rule with a constant `input` delivers: that JSON, as the whole event. The shape
 * lists the fields the function reads; anything else (an ordinary scheduled event included) passes.
 */
export function scheduleInput<const Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.looseObject(shape);
}

const snsRecord = z.looseObject({
  EventSource: z.literal("aws:sns"),
  EventSubscriptionArn: z.string(),
  Sns: z.looseObject({
    MessageId: z.string().min(1),
    TopicArn: z.string(),
    Subject: z.string().nullish(),
    Message: z.string(),
    Timestamp: z.string(),
    MessageAttributes: z
      .record(z.string(), z.looseObject({ Type: z.string(), Value: z.string() }))
      .optional(),
  }),
});

/** The SNS envelope: one record per message (Lambda delivers one at a time, the list allows more). */
export const snsEnvelope = z.looseObject({ Records: z.array(snsRecord).min(1) });

export type SnsRecord = z.infer<typeof snsRecord>;

/** How an event reached the function, for functions whose event content carries no instruction. */
export type Delivery =
  | { via: "eventbridge"; eventId: string; detailType: string; source: string }
  | { via: "sns"; eventId: string; topicArn: string; attributes: Record<string, string> }
  /** A bare payload: a schedule's constant input, or a direct invocation (npm run invoke, tests). */
  | { via: "direct" };

/** Names the envelope an event came in; never refuses anything. */
export function deliveryOf(event: unknown): Delivery {
  const eventBridge = anyEventBridgeEvent.safeParse(event);
  if (eventBridge.success) {
    const { id, source } = eventBridge.data;
    return { via: "eventbridge", eventId: id, detailType: eventBridge.data["detail-type"], source };
  }
  const sns = snsEnvelope.safeParse(event);
  const first = sns.success ? sns.data.Records[0] : undefined;
  if (first) {
    const attributes = Object.fromEntries(
      Object.entries(first.Sns.MessageAttributes ?? {}).map(([name, attribute]) => [name, attribute.Value]),
    );
    return { via: "sns", eventId: first.Sns.MessageId, topicArn: first.Sns.TopicArn, attributes };
  }
  return { via: "direct" };
}

const eventBridgeHead = z.looseObject({ id: z.string().optional(), "detail-type": z.string().optional() });

/**
 * The id and detail-type of what should be an EventBridge event, read before the full schema so
 * that a parser can pick the schema (or ignore the event) by detail-type. Throws InvalidEventError
 * when the event is not an object.
 */
export function eventBridgeHeadOf(event: unknown): { eventId: string; detailType?: string } {
  const head = eventBridgeHead.safeParse(event);
  if (!head.success) throw new InvalidEventError("event is not an object");
  const detailType = head.data["detail-type"];
  return { eventId: head.data.id ?? "unknown", ...(detailType !== undefined && { detailType }) };
}

/** "<field path>: <message>", the path dotted, "(event)" for the event as a whole. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  return `${pathOf(issue) ?? "(event)"}: ${issue.message}`;
}

function pathOf(issue: z.core.$ZodIssue): string | undefined {
  return issue.path.length === 0 ? undefined : issue.path.map(String).join(".");
}

/** The InvalidEventError for a zod refusal: "<refusal>: <issue>; <issue>", every issue, the first field. */
export function invalidEvent(refusal: string, error: z.ZodError): InvalidEventError {
  const issues = error.issues.map(formatIssue);
  const [first] = error.issues;
  return new InvalidEventError(
    `${refusal}: ${issues.join("; ")}`,
    issues,
    first === undefined ? undefined : pathOf(first),
  );
}

/** Validates with `schema`, or throws the InvalidEventError `invalidEvent` describes. */
export function parseWith<S extends z.ZodType>(schema: S, event: unknown, refusal: string): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw invalidEvent(refusal, parsed.error);
  return parsed.data;
}
