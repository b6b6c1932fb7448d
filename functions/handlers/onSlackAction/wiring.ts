// Composition root of onSlackAction: the shared rollout wiring and the one decision path (as
// onDecision's), plus what only a Slack click needs: the signing secret, the request claims
// (slack-nonce# items of the state table), the approvers, the Slack Web API for its answers, and
// how the function hands a verified click to its own asynchronous invocation. Built once per
// cold start.
import { botToken } from "../../extension/notification/sinks.js";
import { type InteractionApi, WebChatApi } from "../../extension/notification/slackThread/slackApi.js";
import { MemorySlackNonces, SlackNonceTable } from "../../provider/dynamodb/slackNonces.js";
import { LambdaSelfInvoke } from "../../provider/lambda/selfInvoke.js";
import { SecureParameter } from "../../provider/ssm/secureParameter.js";
import { type Env, type SecretSource, SLACK_SIGNING_SECRET } from "../../shared/config.js";
import type { SlackNonces, VerifiedSlackClick } from "../../trigger/slackAction.js";
import { ConfigError } from "../../types/errors.js";
import { composeRollout, type DecisionPath, decisionPath, type RolloutRoot } from "../rolloutWiring.js";
import { SlackApprovers } from "./approvers.js";

export interface OnSlackActionRoot extends RolloutRoot {
  /** rollout/decide.ts over this root's fleet, executor and quarantine, as onDecision's. */
  decide: DecisionPath;
  /** The app's signing secret; undefined when none is configured (every request is then refused). */
  signingSecret(): Promise<string | undefined>;
  nonces: SlackNonces;
  approvers: Pick<SlackApprovers, "allows">;
  /** The Web API with the bot token; undefined without one (nothing can be said in Slack). */
  slack?: InteractionApi;
  /**
   * Hands a verified click to an asynchronous invocation of this function (deployed). Absent in
   * local mode (npm run invoke, tests): the handler then carries the decision out in-process,
   * before it answers.
   */
  invokeSelf?: (event: VerifiedSlackClick) => Promise<void>;
  /** Date.now, or a test's clock (the signature's 5-minute window). */
  now(): number;
}

/** The signing secret, read when needed (cached, so a rotated SecureString is picked up) and checked. */
function signingSecret(source: SecretSource | undefined): () => Promise<string | undefined> {
  if (source === undefined) return async () => undefined;
  if (source.source === "env") return async () => source.value;
  const parameter = new SecureParameter(source.parameterName);
  return async () => {
    const secret = await parameter.value();
    // The value never goes into the error: only the parameter's name.
    if (!SLACK_SIGNING_SECRET.test(secret))
      throw new ConfigError(
        `SSM parameter ${source.parameterName} does not hold a Slack signing secret (32 hex digits)`,
      );
    return secret;
  };
}

export function composeOnSlackAction(env: Env = process.env): OnSlackActionRoot {
  const root = composeRollout("onSlackAction", env, { quarantine: true });
  const { config, logger } = root;
  const notification = config.notification;
  const app = notification.slackApp;
  const slack = app
    ? new WebChatApi(botToken(app.token), {
        apiUrl: app.apiUrl,
        requestTimeoutMs: notification.timeoutMs,
        logger,
      })
    : undefined;
  if (notification.slackSigningSecret === undefined)
    logger.warn(
      "SLACK_SIGNING_SECRET_PARAMETER is not set: no Slack request can be verified, every one is refused (401)",
    );
  if (slack === undefined)
    logger.warn(
      "SLACK_BOT_TOKEN_PARAMETER is not set: clicks are carried out, but nothing can be said in Slack",
    );
  const tableName = config.rollout.stateTableName;
  const nonces: SlackNonces =
    tableName !== undefined ? new SlackNonceTable(root.stateTable, tableName) : new MemorySlackNonces();
  // Deployed, the runtime names the function; locally (npm run invoke, tests) it does not, and the
  // decision runs in the same process.
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  const self =
    functionName !== undefined && config.clusters.mode === "eks"
      ? LambdaSelfInvoke.forRegion(config.aws.region, functionName)
      : undefined;
  return {
    ...root,
    decide: decisionPath(root),
    signingSecret: signingSecret(notification.slackSigningSecret),
    nonces,
    approvers: new SlackApprovers(notification.slackApprovers, slack),
    ...(slack && { slack }),
    ...(self && { invokeSelf: (event: VerifiedSlackClick) => self.invoke(event) }),
    now: Date.now,
  };
}
