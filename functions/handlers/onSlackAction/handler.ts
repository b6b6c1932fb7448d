// onSlackAction: a click on a release thread's Approve, Reject or Roll back button. Two kinds of
// invocation reach it (functions/trigger/slackAction.ts says why the second can be trusted):
//
// 1. Slack's interactivity request, through the function's public URL (auth NONE: Slack's
//    signature is the authentication). Within Slack's 3 seconds, and in this order: the request
//    is verified (the signing secret, the 5-minute window, then claimed once, so a replay is
//    refused), the click is parsed, the clicking user is checked against SLACK_APPROVERS. A user
//    who is not an approver is told so in a message only they see, and nothing else happens. An
//    approver's click is handed to an asynchronous invocation of this same function, and Slack
//    gets its answer at once:
//      200 (empty) the click was taken (acted on, or refused to a non-approver in Slack);
//      401 not Slack's (no, a wrong or a stale signature, or no signing secret configured), or a
//          replay of a request already taken; 405 not a POST; 400 a signed body that is not a
//          button click of a release thread, naming the field.
// 2. The verified click, sent by the function to itself: the same decision path as `npm run
//    approve` / `npm run rollback` (rollout/decide.ts) with `by: slack:<user id>`, reported like
//    every rollout outcome (notifications included), then the clicked message is redrawn without
//    its buttons and with who did what; a click that changed nothing (a second click finds nothing
//    pending) is answered in the message's thread instead, and leaves the first answer standing.
//
// In local mode (npm run invoke, tests) there is no second invocation: the decision is carried out
// in-process before the URL's answer, and that answer's result carries it.
import type { Context } from "aws-lambda";
import {
  type ButtonAction,
  type ButtonValue,
  parseButtonValue,
} from "../../extension/notification/slackThread/buttons.js";
import { defineHandler, type HandlerResult } from "../../lambda/handler.js";
import type { DecisionActs } from "../../rollout/decide.js";
import { tryReadLedger } from "../../rollout/ledger.js";
import type { Skipped } from "../../rollout/outcome.js";
import type { DeploymentReport } from "../../rollout/report.js";
import { formatTarget } from "../../trigger/decisionRequest.js";
import {
  isFunctionUrlEvent,
  isMarkedEvent,
  MAX_REQUEST_AGE_SECONDS,
  nonceOf,
  parseSlackClick,
  parseSlackRequest,
  parseVerifiedClick,
  REPLAY_FIELD,
  SIGNATURE_FIELD,
  SLACK_METHOD_FIELD,
  type SlackClick,
  type SlackDecision,
  type SlackRequest,
  slackDecision,
  TIMESTAMP_FIELD,
  type VerifiedSlackClick,
  verifiedEvent,
  verifySlackSignature,
} from "../../trigger/slackAction.js";
import { InvalidEventError } from "../../types/errors.js";
import { type DecisionSummary, type FunctionUrlResponse, summarize } from "../onDecision/handler.js";
import { rolloutClock } from "../rolloutWiring.js";
import { approversUnknownText, decisionLine, notAllowedText, withDecision } from "./messages.js";
import { composeOnSlackAction, type OnSlackActionRoot } from "./wiring.js";

/** A claim outlives the window in which its request could verify again (either side of now). */
export const NONCE_TTL_SECONDS = 2 * MAX_REQUEST_AGE_SECONDS;
/** Above this, the clicked message's blocks are left out of the verified click (the thread gets the answer). */
const MAX_CARRIED_BLOCKS_BYTES = 128 * 1024;
/** The refusals answered 401: not Slack's, or Slack's once already. */
const UNAUTHENTICATED = new Set([SIGNATURE_FIELD, TIMESTAMP_FIELD, REPLAY_FIELD]);

type Click = SlackClick<ButtonValue>;

type Input =
  | { kind: "request"; request: SlackRequest }
  | { kind: "verified"; verified: VerifiedSlackClick; click: Click };

type Plan =
  | { kind: "refuse"; click: Click; why: "not an approver" | "approvers unknown"; problem?: string }
  | { kind: "hand-over"; request: SlackRequest; click: Click; decision: SlackDecision }
  | { kind: "decide"; verified: VerifiedSlackClick; click: Click; decision: SlackDecision };

type Done =
  | { kind: "refused"; click: Click; why: string; problem?: string }
  | { kind: "handed-over"; click: Click; decision: SlackDecision; local?: SlackActionResult }
  | {
      kind: "decided";
      verified: VerifiedSlackClick;
      click: Click;
      decision: SlackDecision;
      acts: DecisionActs;
    };

/** What the invocation did: `answer` says which of the three. */
export interface SlackActionDetail {
  answer: "refused" | "handed-over" | "decided";
  user: string;
  action: ButtonAction;
  target: string;
  /** refused: why nothing was done. */
  why?: string;
  /** decided: the decision as carried out, and per Deployment what came of it. */
  decision?: DecisionSummary;
  deployments?: DeploymentReport[];
  failures?: string[];
  /** decided: how Slack was told (the clicked message redrawn, a reply in its thread, or not at all). */
  slack?: "updated" | "replied" | "not told";
  /** handed-over in local mode: the decision, carried out in this process. */
  decided?: SlackActionResult;
}

export type SlackActionResult = HandlerResult<SlackActionDetail>;

/**
 * The URL's answer: Slack needs only the status (200 with an empty body); a refusal says why, for
 * whoever sent it. In local mode the decision was carried out before the answer, which then
 * carries it, for `npm run invoke` to print.
 */
export function httpResponse(result: SlackActionResult): FunctionUrlResponse {
  if (result.outcome === "handled")
    return result.decided === undefined
      ? { statusCode: 200, headers: {}, body: "" }
      : { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result) };
  const headers: Record<string, string> = { "content-type": "application/json" };
  let statusCode = 400;
  if (result.outcome === "rejected" && result.field !== undefined && UNAUTHENTICATED.has(result.field))
    statusCode = 401;
  else if (result.outcome === "rejected" && result.field === SLACK_METHOD_FIELD) {
    statusCode = 405;
    headers.allow = "POST";
  } else if (result.outcome === "ignored") statusCode = 409;
  return { statusCode, headers, body: JSON.stringify(result) };
}

/** A Roll back button names the release it belongs to: on any other release it does nothing. */
async function rollbackOfAnotherRelease(
  root: OnSlackActionRoot,
  decision: Extract<SlackDecision, { kind: "rollback" }>,
  digest: string,
): Promise<Skipped | undefined> {
  const { cluster, namespace, name } = decision.target;
  const api = (await root.deploymentApis()).find((candidate) => candidate.cluster === cluster);
  if (api === undefined) return undefined;
  let annotations: Record<string, string>;
  try {
    annotations = (await api.get(namespace, name)).annotations;
  } catch {
    // Not found, not readable, not reachable: the decision path says which, as for any decision.
    return undefined;
  }
  const read = tryReadLedger(annotations);
  const running = read.ok ? read.ledger.rollout?.digest : undefined;
  if (running === undefined || running === digest) return undefined;
  return {
    ...decision.target,
    kind: "skipped",
    step: "rollback",
    reason: `this Roll back button is for ${digest.slice(7, 19)}, and the release there now is ${running.slice(7, 19)}: roll that one back from its own message, or with npm run rollback`,
  };
}

/** Says `text` to the clicking user only; a failure to say it is logged, never the click's failure. */
async function tellClicker(root: OnSlackActionRoot, click: Click, text: string): Promise<void> {
  try {
    await root.slack?.postEphemeral({
      channel: click.channel,
      user: click.user,
      text,
      ...(click.threadTs !== undefined && { threadTs: click.threadTs }),
    });
  } catch (error) {
    root.logger.warn("slack ephemeral answer failed", { user: click.user, error: (error as Error).message });
  }
}

/**
 * Records the decision in Slack: a decision that acted redraws the clicked message without its
 * buttons; one that changed nothing (or the redraw failing) is a reply in the message's thread,
 * which leaves a first click's record on the message as it is.
 */
async function recordInSlack(
  root: OnSlackActionRoot,
  click: Click,
  line: { acted: boolean; text: string },
): Promise<"updated" | "replied" | "not told"> {
  const slack = root.slack;
  if (slack === undefined) return "not told";
  if (line.acted && click.blocks !== undefined) {
    try {
      await slack.update({
        channel: click.channel,
        ts: click.messageTs,
        text: line.text,
        blocks: withDecision(click.blocks, line.text),
      });
      return "updated";
    } catch (error) {
      root.logger.warn("slack message update failed; answering in the thread", {
        error: (error as Error).message,
      });
    }
  }
  try {
    await slack.postMessage({
      channel: click.channel,
      threadTs: click.threadTs ?? click.messageTs,
      text: line.text,
      blocks: [{ type: "section", text: { type: "mrkdwn", text: line.text } }],
    });
    return "replied";
  } catch (error) {
    root.logger.warn("slack thread answer failed", { error: (error as Error).message });
    return "not told";
  }
}

/** The click as the verified event carries it: the message's blocks only while they fit. */
function carried(click: Click): Click {
  if (click.blocks === undefined) return click;
  if (Buffer.byteLength(JSON.stringify(click.blocks)) <= MAX_CARRIED_BLOCKS_BYTES) return click;
  const { blocks: _blocks, ...rest } = click;
  return rest;
}

const clickSummary = (click: Click) => ({ user: click.user, action: click.button.a, target: click.button.t });

const onSlackAction = defineHandler(
  {
    name: "onSlackAction",

    // parse: a Function URL request (nothing of its body read yet), or the verified click this
    // function sent itself; anything else is refused
    parse: (event: unknown): Input => {
      if (isFunctionUrlEvent(event)) return { kind: "request", request: parseSlackRequest(event) };
      if (isMarkedEvent(event)) return { kind: "verified", ...parseVerifiedClick(event, parseButtonValue) };
      throw new InvalidEventError(
        "neither a function URL request nor the verified click this function sends itself",
      );
    },
    eventId: (input: Input) =>
      input.kind === "request" ? input.request.requestId : input.verified.requestId,

    // plan: for a request, verify it before anything else, claim it once, then read the click and
    // its user; the verified click is the plan as it stands
    async plan(input: Input, root: OnSlackActionRoot): Promise<Plan> {
      if (input.kind === "verified")
        return {
          kind: "decide",
          verified: input.verified,
          click: input.click,
          decision: slackDecision(input.click.button, input.click.user),
        };
      const { request } = input;
      const secret = await root.signingSecret();
      if (secret === undefined)
        throw new InvalidEventError(
          "no signing secret is configured (SLACK_SIGNING_SECRET_PARAMETER): no request can be verified",
          [],
          SIGNATURE_FIELD,
        );
      const nowMs = root.now();
      const verified = verifySlackSignature(request, secret, nowMs);
      if (!verified.ok) throw new InvalidEventError(`${verified.field}: ${verified.why}`, [], verified.field);
      const [timestamp, signature] = nonceOf(request);
      if (!(await root.nonces.claim(timestamp, signature, Math.floor(nowMs / 1000) + NONCE_TTL_SECONDS)))
        throw new InvalidEventError("this signed request was taken already: a replay", [], REPLAY_FIELD);
      const click = parseSlackClick(request.body, parseButtonValue);
      const decision = slackDecision(click.button, click.user);
      try {
        if (!(await root.approvers.allows(click.user)))
          return { kind: "refuse", click, why: "not an approver" };
      } catch (error) {
        return { kind: "refuse", click, why: "approvers unknown", problem: (error as Error).message };
      }
      return { kind: "hand-over", request, click, decision };
    },

    async act(plan: Plan, root: OnSlackActionRoot, invocation): Promise<Done> {
      switch (plan.kind) {
        case "refuse": {
          const action = plan.click.button.a;
          await tellClicker(
            root,
            plan.click,
            plan.why === "not an approver" ? notAllowedText(action) : approversUnknownText(action),
          );
          return {
            kind: "refused",
            click: plan.click,
            why: plan.why,
            ...(plan.problem !== undefined && { problem: plan.problem }),
          };
        }
        case "hand-over": {
          const event = verifiedEvent(plan.request, carried(plan.click), new Date(root.now()));
          if (root.invokeSelf !== undefined) {
            await root.invokeSelf(event);
            return { kind: "handed-over", click: plan.click, decision: plan.decision };
          }
          const local = await handleVerifiedClick(root, event, invocation.context);
          return { kind: "handed-over", click: plan.click, decision: plan.decision, local };
        }
        case "decide": {
          const { click, decision, verified } = plan;
          const clock = rolloutClock(root, invocation);
          try {
            const other =
              decision.kind === "rollback"
                ? await rollbackOfAnotherRelease(root, decision, click.button.d)
                : undefined;
            const acts: DecisionActs = other
              ? { outcomes: [other], failures: [], targetFound: true }
              : await root.decide(decision, clock, verified.accountId);
            return { kind: "decided", verified, click, decision, acts };
          } catch (error) {
            // The click's user waits for an answer: say it failed before the error goes to the
            // function's on-failure destination.
            await recordInSlack(root, click, {
              acted: false,
              text: decisionLine(click.user, click.button.a, click.button.t, [], [(error as Error).message])
                .text,
            });
            throw error;
          }
        }
      }
    },

    // report: the audit line for every click; a decision is reported like every rollout outcome
    // (metrics, notifications), then recorded on the clicked message
    async report(done: Done, root: OnSlackActionRoot): Promise<SlackActionDetail> {
      switch (done.kind) {
        case "refused":
          root.logger.info("slack click refused", {
            ...clickSummary(done.click),
            why: done.why,
            ...(done.problem !== undefined && { problem: done.problem }),
          });
          return { answer: "refused", ...clickSummary(done.click), why: done.why };
        case "handed-over":
          root.logger.info("slack click taken", { ...clickSummary(done.click), by: done.decision.by });
          return {
            answer: "handed-over",
            ...clickSummary(done.click),
            ...(done.local !== undefined && { decided: done.local }),
          };
        case "decided": {
          const { click, decision, acts } = done;
          const deployments = await root.reporter.report({ outcomes: acts.outcomes, failures: [] });
          const failures = acts.failures.map((error) => error.message);
          const summary = summarize(decision);
          // The audit line: who decided what, from which request, and what came of it.
          root.logger.info("decision handled", {
            requestId: done.verified.requestId,
            decision: summary,
            deployments,
          });
          if (failures.length > 0)
            root.logger.error("decision incomplete", { requestId: done.verified.requestId, failures });
          const line = decisionLine(
            click.user,
            click.button.a,
            formatTarget(decision.target),
            deployments,
            failures,
          );
          const slack = await recordInSlack(root, click, line);
          return {
            answer: "decided",
            ...clickSummary(click),
            decision: summary,
            deployments,
            ...(failures.length > 0 && { failures }),
            slack,
          };
        }
      }
    },
  },
  () => composeOnSlackAction(),
);

/** The verified click, in this process (local mode's stand-in for the asynchronous invocation). */
function handleVerifiedClick(
  root: OnSlackActionRoot,
  event: VerifiedSlackClick,
  context?: Context,
): Promise<SlackActionResult> {
  return onSlackAction.handle(root, event, context);
}

/** The Lambda export: a Function URL request gets an HTTP answer; the verified click, its result. */
export async function handler(
  event: unknown,
  context?: Context,
): Promise<FunctionUrlResponse | SlackActionResult> {
  const result = await onSlackAction.handler(event, context);
  return isFunctionUrlEvent(event) ? httpResponse(result) : result;
}

/** One invocation with a root the caller composed (tests): the handler's result, before HTTP. */
export function handleSlackAction(
  root: OnSlackActionRoot,
  event: unknown,
  context?: Context,
): Promise<SlackActionResult> {
  return onSlackAction.handle(root, event, context);
}
