// The three EventBridge detail-types CodePipeline emits, exactly as AWS documents them
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html).
// Parsing turns an event into a typed state change, or an "ignored" verdict with the reason to
// log (another pipeline, a state this product does not know). Malformed events throw.
import * as z from "zod";
import { InvalidEventError } from "../types/errors.js";
import { eventBridgeEnvelope, eventBridgeHeadOf, parseWith } from "./envelopes.js";

export const PIPELINE_EXECUTION_STATE_CHANGE = "CodePipeline Pipeline Execution State Change";
export const STAGE_EXECUTION_STATE_CHANGE = "CodePipeline Stage Execution State Change";
export const ACTION_EXECUTION_STATE_CHANGE = "CodePipeline Action Execution State Change";

const PIPELINE_STATES = [
  "STARTED",
  "STOPPING",
  "STOPPED",
  "SUCCEEDED",
  "SUPERSEDED",
  "FAILED",
  "RESUMED",
  "CANCELED",
] as const;
const STAGE_STATES = [
  "STARTED",
  "STOPPING",
  "STOPPED",
  "SUCCEEDED",
  "FAILED",
  "RESUMED",
  "CANCELED",
] as const;
const ACTION_STATES = ["STARTED", "SUCCEEDED", "FAILED", "ABANDONED", "CANCELED"] as const;

export type PipelineState = (typeof PIPELINE_STATES)[number];
export type StageState = (typeof STAGE_STATES)[number];
export type ActionState = (typeof ACTION_STATES)[number];

const source = z.literal("aws.codepipeline");

// Common to every detail-type. `state` stays a plain string here: an unknown state is
// ignored with a logged reason, not rejected, so that a new AWS state never pages anyone.
const commonDetail = {
  pipeline: z.string().min(1).max(100),
  "execution-id": z.string().min(1),
  state: z.string().min(1),
  /** The pipeline structure's version (a number in every documented sample). */
  version: z.number(),
  "pipeline-execution-attempt": z.number().optional(),
};

const executionTrigger = z.looseObject({
  "trigger-type": z.string(),
  "trigger-detail": z.string().optional(),
});

const executionResult = z.looseObject({
  "external-execution-url": z.string().optional(),
  "external-execution-summary": z.string().optional(),
  "external-execution-id": z.string().optional(),
  "error-code": z.string().optional(),
});

const pipelineEventSchema = eventBridgeEnvelope({
  "detail-type": z.literal(PIPELINE_EXECUTION_STATE_CHANGE),
  source,
  detail: z.looseObject({
    ...commonDetail,
    "execution-trigger": executionTrigger.optional(),
    "start-time": z.iso.datetime({ offset: true }).optional(),
    "execution-result": executionResult.optional(),
  }),
});

const stageEventSchema = eventBridgeEnvelope({
  "detail-type": z.literal(STAGE_EXECUTION_STATE_CHANGE),
  source,
  detail: z.looseObject({ ...commonDetail, stage: z.string().min(1) }),
});

const actionEventSchema = eventBridgeEnvelope({
  "detail-type": z.literal(ACTION_EXECUTION_STATE_CHANGE),
  source,
  detail: z.looseObject({
    ...commonDetail,
    stage: z.string().min(1),
    action: z.string().min(1),
    region: z.string().optional(),
    type: z.looseObject({
      owner: z.string(),
      provider: z.string(),
      category: z.string(),
      version: z.string(),
    }),
    "execution-result": executionResult.optional(),
  }),
});

interface ChangeBase {
  eventId: string;
  account: string;
  region: string;
  pipeline: string;
  executionId: string;
  /** 1 for the first run of an execution id, then one more per retry of a failed stage. */
  attempt: number;
  eventTime: Date;
}

export interface PipelineExecutionChange extends ChangeBase {
  kind: "pipeline";
  state: PipelineState;
  /** e.g. "Webhook", "StartPipelineExecution"; documented on STARTED events. */
  triggerType?: string;
  triggerDetail?: string;
  /** The execution's start, when the event carries it. */
  startTime?: Date;
}

export interface StageExecutionChange extends ChangeBase {
  kind: "stage";
  state: StageState;
  stage: string;
}

export interface ActionExecutionChange extends ChangeBase {
  kind: "action";
  state: ActionState;
  stage: string;
  action: string;
  /** e.g. "Build" for CodeBuild. */
  category: string;
  provider: string;
  summary?: string;
}

export type CodePipelineChange = PipelineExecutionChange | StageExecutionChange | ActionExecutionChange;

export interface IgnoredPipelineEvent {
  kind: "ignored";
  eventId: string;
  reason: string;
}

export type CodePipelineEventVerdict = CodePipelineChange | IgnoredPipelineEvent;

const schemas = {
  [PIPELINE_EXECUTION_STATE_CHANGE]: pipelineEventSchema,
  [STAGE_EXECUTION_STATE_CHANGE]: stageEventSchema,
  [ACTION_EXECUTION_STATE_CHANGE]: actionEventSchema,
} as const;

function isKnown<const S extends readonly string[]>(states: S, state: string): state is S[number] {
  return states.includes(state);
}

/**
 * Validates a CodePipeline event and keeps only the configured pipelines. Throws
 * InvalidEventError for anything that is not one of the three documented detail-types.
 */
export function parseCodePipelineEvent(
  event: unknown,
  pipelines: readonly string[],
): CodePipelineEventVerdict {
  const { eventId, detailType } = eventBridgeHeadOf(event);
  if (detailType === undefined || !(detailType in schemas)) {
    throw new InvalidEventError(
      `not a CodePipeline state-change event: detail-type ${JSON.stringify(detailType)}`,
      [],
      "detail-type",
    );
  }
  const data = parseWith(
    schemas[detailType as keyof typeof schemas],
    event,
    `malformed "${detailType}" event`,
  );
  const { detail } = data;
  const ignored = (reason: string): IgnoredPipelineEvent => ({ kind: "ignored", eventId, reason });
  if (!pipelines.includes(detail.pipeline)) {
    return ignored(
      `pipeline ${detail.pipeline} is not configured (PIPELINES=${pipelines.join(",") || "none"})`,
    );
  }
  const base: ChangeBase = {
    eventId,
    account: data.account,
    region: data.region,
    pipeline: detail.pipeline,
    executionId: detail["execution-id"],
    attempt: detail["pipeline-execution-attempt"] ?? 1,
    eventTime: new Date(data.time),
  };
  const unknownState = (level: string) => ignored(`unknown ${level} state ${detail.state}`);
  if (data["detail-type"] === PIPELINE_EXECUTION_STATE_CHANGE) {
    if (!isKnown(PIPELINE_STATES, detail.state)) return unknownState("pipeline execution");
    const trigger = data.detail["execution-trigger"];
    const startTime = data.detail["start-time"];
    return {
      ...base,
      kind: "pipeline",
      state: detail.state,
      ...(trigger && { triggerType: trigger["trigger-type"] }),
      ...(trigger?.["trigger-detail"] && { triggerDetail: trigger["trigger-detail"] }),
      ...(startTime && { startTime: new Date(startTime) }),
    };
  }
  if (data["detail-type"] === STAGE_EXECUTION_STATE_CHANGE) {
    if (!isKnown(STAGE_STATES, detail.state)) return unknownState("stage execution");
    return { ...base, kind: "stage", state: detail.state, stage: data.detail.stage };
  }
  if (!isKnown(ACTION_STATES, detail.state)) return unknownState("action execution");
  const summary = data.detail["execution-result"]?.["external-execution-summary"];
  return {
    ...base,
    kind: "action",
    state: detail.state,
    stage: data.detail.stage,
    action: data.detail.action,
    category: data.detail.type.category,
    provider: data.detail.type.provider,
    ...(summary && { summary }),
  };
}
