// The one configuration service. Every function reads its environment here, once, at cold start:
// each section is a zod schema over the env vars it owns, so a bad value fails before any side
// effect with a ConfigError that names the variable. Adding a section = one schema + one line in
// `sections`. Every variable is documented in docs/configuration.md, "Environment variables".
import * as z from "zod";
import { INSTANCE_CATALOG } from "../cost/catalog.js";
import { ConfigError } from "../types/errors.js";
import { ALL_NAMESPACES, type NamespaceScope } from "../types/namespaceScope.js";
import { SLACK_CHANNEL_PATTERN } from "../types/notification.js";

export type Env = Record<string, string | undefined>;

const commaList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int({ error: `must be ${what}` })
    .positive({ error: `must be ${what}` });

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const awsRegion = /^[a-z]{2}(-[a-z]+)+-\d$/;
const accountId = /^\d{12}$/;

const aws = z
  .object({
    AWS_REGION: z
      .string({ error: "is required (the region the functions run in, e.g. us-east-1)" })
      .regex(awsRegion, { error: "must be an AWS region such as us-east-1" }),
    AWS_ENDPOINT_URL: z.url({ error: "must be a URL (the AWS emulator in local mode)" }).optional(),
    REGISTRY_ACCOUNT_IDS: commaList
      .pipe(z.array(z.string().regex(accountId, { error: "must be a comma list of 12-digit account ids" })))
      .default([]),
  })
  .transform((env) => ({
    region: env.AWS_REGION,
    /** Set in local mode; the AWS SDK picks it up from the environment by itself. */
    endpointUrl: env.AWS_ENDPOINT_URL,
    /** Accounts whose registries may be rolled out; empty = only the account the event came from. */
    registryAccountIds: env.REGISTRY_ACCOUNT_IDS,
  }));

const clusters = z
  .object({
    KUBECONFIG: z.string().optional(),
    EKS_CLUSTERS: commaList
      .pipe(
        z.array(
          z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, { error: "must be EKS cluster names" }),
        ),
      )
      .optional(),
  })
  .transform((env, ctx) => {
    // Local mode (docs/local.md): a kubeconfig replaces EKS DescribeCluster + the IAM token.
    if (env.KUBECONFIG !== undefined) return { mode: "local" as const, kubeconfigPath: env.KUBECONFIG };
    if (env.EKS_CLUSTERS === undefined || env.EKS_CLUSTERS.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["EKS_CLUSTERS"],
        message: "is required unless KUBECONFIG is set (comma list of EKS cluster names)",
      });
      return z.NEVER;
    }
    return { mode: "eks" as const, names: env.EKS_CLUSTERS };
  });

const rollout = z
  .object({
    ROLLOUT_NAMESPACES: z
      .string()
      .default("default")
      .transform((value, ctx): NamespaceScope => {
        if (value.trim() === ALL_NAMESPACES) return { kind: "cluster-wide" };
        const names = value
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item.length > 0);
        const bad = names.find((name) => !dnsLabel.test(name));
        if (names.length === 0 || bad !== undefined) {
          ctx.addIssue({
            code: "custom",
            message:
              bad === undefined
                ? "must name at least one namespace, or be * for every namespace"
                : `must be * (every namespace) or a comma list of Kubernetes namespace names; ${JSON.stringify(bad.slice(0, 64))} is not one`,
          });
          return z.NEVER;
        }
        return { kind: "namespaces", names };
      }),
    ROLLOUT_WAIT_SECONDS: positiveInt("a positive whole number of seconds").optional(),
    STATE_TABLE_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: "must be a DynamoDB table name" })
      .optional(),
  })
  .transform((env) => ({
    namespaces: env.ROLLOUT_NAMESPACES,
    /** How long one invocation watches a rollout; undefined = derive it from the remaining time. */
    waitSeconds: env.ROLLOUT_WAIT_SECONDS,
    /**
     * The stage's state table (the stage-wide quarantine; what onPipelineEvent already reported).
     * Required by the functions that use it in EKS mode; in local mode, unset means the ledger
     * annotation alone quarantines and duplicate pipeline events are reported again.
     */
    stateTableName: env.STATE_TABLE_NAME,
  }));

/** An SSM parameter name, e.g. /coworking/slack-webhook. */
const ssmParameterName = (example: string) =>
  z.string().regex(/^\/?[A-Za-z0-9_.\-/]+$/, { error: `must be an SSM parameter name, e.g. ${example}` });

/** A Slack channel id or `#name` (types/notification.ts); also the slack-channel annotation's grammar. */
export const SLACK_CHANNEL = SLACK_CHANNEL_PATTERN;
/** A bot token: `xoxb-…`, or a rotating one (`xoxe.xoxb-…`). Never echoed in an error. */
export const SLACK_BOT_TOKEN = /^xox(?:b|e\.xoxb)-[A-Za-z0-9-]{8,250}$/;
/** Slack's app signing secret: 32 lower-case hex digits. Never echoed in an error. */
export const SLACK_SIGNING_SECRET = /^[0-9a-f]{32}$/;

/** A Slack user id (`U…`, or `W…` on Enterprise Grid): who may decide from Slack, by name. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
/** A Slack user group id (`S…`): its members, as usergroups.users.list answers, may decide from Slack. */
export const SLACK_USER_GROUP_ID = /^S[A-Z0-9]{2,20}$/;

/** A secret from an SSM SecureString (deployed), or its value from the environment (local mode). */
export type SecretSource = { source: "ssm"; parameterName: string } | { source: "env"; value: string };

const notification = z
  .object({
    SLACK_WEBHOOK_PARAMETER: ssmParameterName("/coworking/slack-webhook").optional(),
    SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    // The Slack app (Web API, one thread per release): docs/slack.md.
    SLACK_BOT_TOKEN_PARAMETER: ssmParameterName("/coworking/prod/slack-bot-token").optional(),
    SLACK_BOT_TOKEN: z
      .string()
      .regex(SLACK_BOT_TOKEN, { error: "must be a Slack bot token (xoxb-…)" })
      .optional(),
    SLACK_SIGNING_SECRET_PARAMETER: ssmParameterName("/coworking/prod/slack-signing-secret").optional(),
    SLACK_SIGNING_SECRET: z
      .string()
      .regex(SLACK_SIGNING_SECRET, { error: "must be a Slack signing secret (32 hex digits)" })
      .optional(),
    SLACK_APPROVERS: commaList
      .pipe(
        z.array(
          z.string().refine((id) => SLACK_USER_ID.test(id) || SLACK_USER_GROUP_ID.test(id), {
            error: "must be a comma list of Slack user ids (U…, W…) and user group ids (S…)",
          }),
        ),
      )
      .default([]),
    SLACK_CHANNEL: z
      .string()
      .regex(SLACK_CHANNEL, { error: "must be a Slack channel id (C0123ABCD) or #channel-name" })
      .optional(),
    SLACK_API_URL: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL (Slack's Web API base)" })
      .default("https://slack.com/api/")
      // The client appends the method name to it: chat.postMessage.
      .transform((url) => (url.endsWith("/") ? url : `${url}/`)),
    DASHBOARD_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: "must be a CloudWatch dashboard name" })
      .optional(),
    // Read here too: a release's thread is recorded in the stage's state table.
    STATE_TABLE_NAME: z.string().optional(),
    AWS_REGION: z.string().optional(),
    SNS_TOPIC_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
        error: "must be an SNS topic ARN",
      })
      .optional(),
    NOTIFICATION_ATTEMPTS: positiveInt("a positive whole number").default(3),
    NOTIFICATION_TIMEOUT_MS: positiveInt("a positive whole number of milliseconds").default(3000),
  })
  .transform((env, ctx) => {
    const both = (parameter: string, local: string) =>
      ctx.addIssue({
        code: "custom",
        path: [local],
        message: `cannot be set together with ${parameter} (the value is for local mode only)`,
      });
    if (env.SLACK_WEBHOOK_PARAMETER !== undefined && env.SLACK_WEBHOOK_URL !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["SLACK_WEBHOOK_URL"],
        message: "cannot be set together with SLACK_WEBHOOK_PARAMETER (the URL is for local mode only)",
      });
      return z.NEVER;
    }
    if (env.SLACK_BOT_TOKEN_PARAMETER !== undefined && env.SLACK_BOT_TOKEN !== undefined) {
      both("SLACK_BOT_TOKEN_PARAMETER", "SLACK_BOT_TOKEN");
      return z.NEVER;
    }
    if (env.SLACK_SIGNING_SECRET_PARAMETER !== undefined && env.SLACK_SIGNING_SECRET !== undefined) {
      both("SLACK_SIGNING_SECRET_PARAMETER", "SLACK_SIGNING_SECRET");
      return z.NEVER;
    }
    const slack =
      env.SLACK_WEBHOOK_PARAMETER !== undefined
        ? { source: "ssm" as const, parameterName: env.SLACK_WEBHOOK_PARAMETER }
        : env.SLACK_WEBHOOK_URL !== undefined
          ? { source: "env" as const, url: env.SLACK_WEBHOOK_URL }
          : undefined;
    const token: SecretSource | undefined =
      env.SLACK_BOT_TOKEN_PARAMETER !== undefined
        ? { source: "ssm", parameterName: env.SLACK_BOT_TOKEN_PARAMETER }
        : env.SLACK_BOT_TOKEN !== undefined
          ? { source: "env", value: env.SLACK_BOT_TOKEN }
          : undefined;
    const signingSecret: SecretSource | undefined =
      env.SLACK_SIGNING_SECRET_PARAMETER !== undefined
        ? { source: "ssm", parameterName: env.SLACK_SIGNING_SECRET_PARAMETER }
        : env.SLACK_SIGNING_SECRET !== undefined
          ? { source: "env", value: env.SLACK_SIGNING_SECRET }
          : undefined;
    if (token !== undefined && env.SLACK_CHANNEL === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["SLACK_CHANNEL"],
        message: "is required with a Slack bot token: the channel release threads go to by default",
      });
      return z.NEVER;
    }
    const slackApp =
      token === undefined || env.SLACK_CHANNEL === undefined
        ? undefined
        : {
            token,
            /** Release threads go here unless a Deployment names its own channel. */
            channel: env.SLACK_CHANNEL,
            apiUrl: env.SLACK_API_URL,
            /**
             * Where release threads are recorded. Every function that posts a release's steps has
             * it (the rollout functions and onPipelineEvent need it anyway); without it (local
             * mode, or a function that posts no release step) threads are kept in memory.
             */
            stateTableName: env.STATE_TABLE_NAME,
            /** For the links of a release's parent message. */
            region: env.AWS_REGION,
            dashboardName: env.DASHBOARD_NAME,
          };
    return {
      slack,
      /** The Slack app: with it, one thread per release through the Web API (the webhook is not used). */
      slackApp,
      /** Not used by the notifier: the interactivity endpoint verifies Slack's requests with it. */
      slackSigningSecret: signingSecret,
      /**
       * Who may click Approve, Reject and Roll back (onSlackAction): Slack user ids, and user
       * groups whose members may. Empty: nobody; every click is answered "not allowed".
       */
      slackApprovers: {
        users: env.SLACK_APPROVERS.filter((id) => SLACK_USER_ID.test(id)),
        groups: env.SLACK_APPROVERS.filter((id) => SLACK_USER_GROUP_ID.test(id)),
      },
      snsTopicArn: env.SNS_TOPIC_ARN,
      /** Per sink and notification, including the first try. */
      attempts: env.NOTIFICATION_ATTEMPTS,
      /** Per attempt: a slow sink must never stall a rollout. */
      timeoutMs: env.NOTIFICATION_TIMEOUT_MS,
    };
  });

const metrics = z
  .object({
    METRICS_SINK: z.enum(["emf", "cloudwatch"], { error: "must be emf or cloudwatch" }).default("emf"),
  })
  .transform((env) => ({ sink: env.METRICS_SINK }));

const pipeline = z
  .object({
    PIPELINES: commaList
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[A-Za-z0-9.@\-_]{1,100}$/, { error: "must be a comma list of CodePipeline names" }),
        ),
      )
      .default([]),
    NOTIFY_PIPELINE_STARTED: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  })
  .transform((env) => ({
    /** The pipelines whose events are reported and whose executions name releases; empty = none. */
    names: env.PIPELINES,
    notifyStarted: env.NOTIFY_PIPELINE_STARTED === "true",
  }));

// Alarms (publishAlarms, onAlarmStateChange) and cost (reportCost).
const alarms = z
  .object({
    ALARM_TOPIC_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
        error: "must be an SNS topic ARN",
      })
      .optional(),
  })
  .transform((env) => ({
    /** Where the per-Deployment composite alarms send ALARM and OK; SNS_TOPIC_ARN when unset. */
    topicArn: env.ALARM_TOPIC_ARN,
  }));

const cost = z
  .object({
    PRODUCTION_CLUSTERS: commaList.optional(),
    PRICING_REGION: z
      .string()
      .regex(awsRegion, { error: "must be an AWS region such as us-east-1" })
      .default("us-east-1"),
    COST_REFERENCE_INSTANCE_TYPE: z
      .string()
      .refine((type) => INSTANCE_CATALOG.has(type), {
        error: `must be an instance type with a fallback list price: ${[...INSTANCE_CATALOG.keys()].join(", ")}`,
      })
      .default("t3a.medium"),
  })
  .transform((env) => ({
    /** Clusters that get no spot advice; unset = every cluster whose name contains "prod". */
    productionClusters: env.PRODUCTION_CLUSTERS,
    /** The Price List API answers in us-east-1, eu-central-1 and ap-south-1 only. */
    pricingRegion: env.PRICING_REGION,
    /** Rollout messages estimate a release's cost delta at this type's fallback list price. */
    referenceInstanceType: env.COST_REFERENCE_INSTANCE_TYPE,
  }));

const sections = { aws, clusters, rollout, notification, metrics, pipeline, alarms, cost };

export type Config = { [K in keyof typeof sections]: z.output<(typeof sections)[K]> };
export type AwsConfig = Config["aws"];
export type ClustersConfig = Config["clusters"];
export type RolloutConfig = Config["rollout"];
export type NotificationConfig = Config["notification"];
export type MetricsConfig = Config["metrics"];
export type AlarmsConfig = Config["alarms"];
export type CostConfig = Config["cost"];
export type PipelineConfig = Config["pipeline"];

/** Validates every section; throws one ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  // Unset and empty are the same thing: deploy tools often render an absent parameter as "".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value?.trim()));
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(sections)) {
    const result = schema.safeParse(present);
    if (result.success) config[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  return config as Config;
}
