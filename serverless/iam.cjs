// Least privilege, one role per function. A function's policy is the list of grants it needs
// (GRANTS below); each grant is one statement, scoped to the configured clusters, repositories,
// pipelines, the topic, the state table, the Slack parameter or the product's alarm prefix. No statement has a `*`
// action. A `*` resource appears only for APIs that have no resource-level permissions, and each
// of those carries the reason next to it.
"use strict";

const sub = (arn) => ({ "Fn::Sub": arn });
const arnPrefix = (service) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}`;

/** Alarms the functions publish per deployment (functions/alarms/names.ts ALARM_PREFIX). */
const PRODUCT_ALARM_PREFIX = "coworking-";
/** Where onPipelineEvent claims each reported outcome once (functions/provider/ssm/ssmOutcomeClaims.ts). */

const STATEMENTS = {
  // Resolves the cluster endpoint and CA; the IAM token itself is a presigned
  // sts:GetCallerIdentity, which needs no permission.
  describeClusters: (ctx) => ({
    Sid: "DescribeConfiguredClusters",
    Effect: "Allow",
    Action: ["eks:DescribeCluster"],
    Resource: ctx.settings.clusters.map((name) => sub(`${arnPrefix("eks")}:cluster/${name}`)),
  }),
  describeImages: (ctx) => ({
    Sid: "DescribeConfiguredRepositories",
    Effect: "Allow",
    Action: ["ecr:DescribeImages"],
    Resource: ctx.settings.repositories.flatMap((name) => [
      sub(`${arnPrefix("ecr")}:repository/${name}`),
      ...ctx.settings.registryAccountIds.map((account) =>
        sub(`arn:\${AWS::Partition}:ecr:\${AWS::Region}:${account}:repository/${name}`),
      ),
    ]),
  }),
  // The scan gate's findings (functions/provider/ecr/ecrScanFindings.ts), of the same repositories.
  describeScanFindings: (ctx) => ({
    Sid: "DescribeScanFindingsOfConfiguredRepositories",
    Effect: "Allow",
    Action: ["ecr:DescribeImageScanFindings"],
    Resource: ctx.settings.repositories.flatMap((name) => [
      sub(`${arnPrefix("ecr")}:repository/${name}`),
      ...ctx.settings.registryAccountIds.map((account) =>
        sub(`arn:\${AWS::Partition}:ecr:\${AWS::Region}:${account}:repository/${name}`),
      ),
    ]),
  }),
  // Under ECR enhanced scanning, DescribeImageScanFindings is answered from Amazon Inspector with
  // the caller's own permissions, so it also needs inspector2:ListFindings (ECR user guide, "IAM
  // permissions required for enhanced scanning"). ListFindings has no resource-level permissions.
  readInspectorFindings: () => ({
    Sid: "ReadInspectorFindingsNoResourceLevelPermissions",
    Effect: "Allow",
    Action: ["inspector2:ListFindings"],
    Resource: "*",
  }),
  readPipelines: (ctx) => ({
    Sid: "ReadConfiguredPipelines",
    Effect: "Allow",
    Action: [
      "codepipeline:GetPipelineExecution",
      "codepipeline:ListPipelineExecutions",
      "codepipeline:ListActionExecutions",
    ],
    Resource: ctx.settings.pipelines.map((name) => sub(`${arnPrefix("codepipeline")}:${name}`)),
  }),
  // PutMetricData has no resource-level permissions; the namespace condition is the scope.
  putMetrics: () => ({
    Sid: "PutMetricsInProductNamespaceOnly",
    Effect: "Allow",
    Action: ["cloudwatch:PutMetricData"],
    Resource: "*",
    Condition: { StringEquals: { "cloudwatch:namespace": "CoworkingDelivery" } },
  }),
  // GetMetricData and ListMetrics have no resource-level permissions (they read by metric query,
  // not by ARN). The digest lists the Deployments that reported DORA metrics, then reads them.
  readMetrics: () => ({
    Sid: "ReadMetricsNoResourceLevelPermissions",
    Effect: "Allow",
    Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
    Resource: "*",
  }),
  manageProductAlarms: () => ({
    Sid: "ManageProductAlarmsOnly",
    Effect: "Allow",
    // TagResource: PutMetricAlarm and PutCompositeAlarm tag what they create.
    Action: [
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:PutCompositeAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:TagResource",
    ],
    Resource: sub(`${arnPrefix("cloudwatch")}:alarm:${PRODUCT_ALARM_PREFIX}*`),
  }),
  // DescribeAlarms is a list call: CloudWatch authorizes it against the account's alarms as a
  // whole, not against the AlarmNamePrefix it filters by, so a prefix-scoped grant is denied.
  listAlarms: () => ({
    Sid: "ListAlarmsOfThisRegion",
    Effect: "Allow",
    Action: ["cloudwatch:DescribeAlarms"],
    Resource: sub(`${arnPrefix("cloudwatch")}:alarm:*`),
  }),
  // The Slack bot token's SecureString (release threads), only when the stage configures one.
  readSlackBotToken: (ctx) =>
    ctx.settings.slackBotTokenParameter
      ? {
          Sid: "ReadSlackBotTokenParameter",
          Effect: "Allow",
          Action: ["ssm:GetParameter"],
          Resource: sub(
            `${arnPrefix("ssm")}:parameter/${ctx.settings.slackBotTokenParameter.replace(/^\//, "")}`,
          ),
        }
      : undefined,
  // The Slack app's signing secret (onSlackAction verifies every request with it), when configured.
  readSlackSigningSecret: (ctx) =>
    ctx.settings.slackSigningSecretParameter
      ? {
          Sid: "ReadSlackSigningSecretParameter",
          Effect: "Allow",
          Action: ["ssm:GetParameter"],
          Resource: sub(
            `${arnPrefix("ssm")}:parameter/${ctx.settings.slackSigningSecretParameter.replace(/^\//, "")}`,
          ),
        }
      : undefined,
  // onSlackAction claims each verified Slack request once (a replay is refused): PutItem only,
  // only under `slack-nonce#…` keys (functions/provider/dynamodb/slackNonces.ts).
  claimSlackNonces: () => ({
    Sid: "ClaimSlackRequestNonces",
    Effect: "Allow",
    Action: ["dynamodb:PutItem"],
    Resource: { "Fn::GetAtt": ["StateTable", "Arn"] },
    Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["slack-nonce#*"] } },
  }),
  // The decision path's records, and only those partitions (functions/provider/dynamodb/stateTable.ts):
  // the stage's quarantine, the recorded scans, the refusals reported once, the release threads.
  useDecisionRecords: () => ({
    Sid: "ReadWriteDecisionRecords",
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
    Resource: { "Fn::GetAtt": ["StateTable", "Arn"] },
    Condition: {
      "ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": ["quarantine#*", "scan#*", "refusal#*", "release#*"],
      },
    },
  }),
  // onSlackAction hands a verified click to an asynchronous invocation of itself, and of nothing
  // else. The ARN as text: a GetAtt of the function would make role -> function -> role a cycle.
  invokeSelf: (ctx) => ({
    Sid: "InvokeOwnFunctionAsynchronously",
    Effect: "Allow",
    Action: ["lambda:InvokeFunction"],
    Resource: sub(`${arnPrefix("lambda")}:function:${ctx.deployedName}`),
  }),
  // Release-thread records (extension/notification/slackThread), only under `release#…` keys.
  useReleaseThreads: () => ({
    Sid: "ReadWriteReleaseThreads",
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
    Resource: { "Fn::GetAtt": ["StateTable", "Arn"] },
    Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["release#*"] } },
  }),
  // Powertools Idempotency records (functions/lambda/idempotency.ts), only in the function's own
  // partition of the state table; UpdateItem is how Powertools stores the finished result.
  recordIdempotency: (ctx) => ({
    Sid: "RecordOwnIdempotencyKeys",
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    Resource: { "Fn::GetAtt": ["StateTable", "Arn"] },
    Condition: {
      "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [`idempotency#${ctx.functionName}`] },
    },
  }),
  // The topic's ARN as text, not a Ref: the topic's KMS key policy names the function roles, so a
  // Ref here would make role -> topic -> key -> role a dependency cycle.
  publishToTopic: (ctx) => ({
    Sid: "PublishToProductTopic",
    Effect: "Allow",
    Action: ["sns:Publish"],
    Resource: sub(`${arnPrefix("sns")}:${ctx.topicName}`),
  }),
  // The delivery state table (serverless/stateTable.yml): event dedupe and rollout bookkeeping.
  useStateTable: () => ({
    Sid: "ReadWriteDeliveryStateTable",
    Effect: "Allow",
    Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
    Resource: { "Fn::GetAtt": ["StateTable", "Arn"] },
  }),
  // The SecureString is encrypted with the AWS managed key alias/aws/ssm, whose key policy already
  // lets principals of this account decrypt through SSM, so no kms:Decrypt grant is needed.
  readSlackWebhook: (ctx) => ({
    Sid: "ReadSlackWebhookParameter",
    Effect: "Allow",
    Action: ["ssm:GetParameter"],
    Resource: sub(`${arnPrefix("ssm")}:parameter/${ctx.settings.slackParameter.replace(/^\//, "")}`),
  }),
  // Both pricing APIs have no resource-level permissions.
  readPrices: () => ({
    Sid: "ReadPricesNoResourceLevelPermissions",
    Effect: "Allow",
    Action: ["pricing:GetProducts", "ec2:DescribeSpotPriceHistory"],
    Resource: "*",
  }),
  writeOwnLogs: (ctx) => ({
    Sid: "WriteOwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: sub(`${arnPrefix("logs")}:log-group:/aws/lambda/${ctx.deployedName}:*`),
  }),
  // Lambda's on-failure destination for asynchronous invocations is written with the function's role.
  sendToOwnDeadLetterQueue: (ctx) => ({
    Sid: "SendToOwnDeadLetterQueue",
    Effect: "Allow",
    Action: ["sqs:SendMessage"],
    Resource: { "Fn::GetAtt": [`${ctx.logicalName}DeadLetterQueue`, "Arn"] },
  }),
};

const NOTIFY = ["publishToTopic", "readSlackWebhook", "readSlackBotToken"];
/**
 * The scan gate asking ECR for an image's scan: onImageScan for the findings it reports, the
 * reconciler and an approval for a scan whose event never arrived.
 */
const READ_SCANS = ["describeScanFindings", "readInspectorFindings"];

/**
 * What each function does, as grants, from the AWS calls its composition root wires (every
 * function's notifier and metrics recorder can reach SNS, Slack and, with METRICS_SINK=cloudwatch,
 * PutMetricData). Adding a function = one line here + its entry in serverless.yml.
 */
const GRANTS = {
  onImagePush: [
    "describeClusters",
    "describeImages",
    "readPipelines",
    "useStateTable",
    "putMetrics",
    ...NOTIFY,
  ],
  reconcile: ["describeClusters", "describeImages", ...READ_SCANS, "useStateTable", "putMetrics", ...NOTIFY],
  onPipelineEvent: ["readPipelines", "recordIdempotency", "useReleaseThreads", "putMetrics", ...NOTIFY],
  weeklyDigest: ["readMetrics", "putMetrics", ...NOTIFY],
  publishAlarms: ["describeClusters", "listAlarms", "manageProductAlarms", "putMetrics", ...NOTIFY],
  onAlarmStateChange: ["describeClusters", "listAlarms", "useStateTable", "putMetrics", ...NOTIFY],
  // readMetrics: Container Insights usage per Deployment, for the right-sizing advice.
  reportCost: ["describeClusters", "readPrices", "readMetrics", "putMetrics", ...NOTIFY],
  // An operator's decision: approve (which may start and watch a rollout), reject, roll back,
  // release a digest from the stage's quarantine.
  onDecision: ["describeClusters", "describeImages", ...READ_SCANS, "useStateTable", "putMetrics", ...NOTIFY],
  // A finished image scan: recorded in the state table, and the rollouts it held started.
  onImageScan: [
    "describeClusters",
    "describeImages",
    ...READ_SCANS,
    "useStateTable",
    "putMetrics",
    ...NOTIFY,
  ],
  // A click on a release thread's button in Slack: verified, claimed once, then the same decision
  // path as onDecision's (approve may start and watch a rollout; reject; roll back), carried out by
  // an asynchronous invocation of itself.
  onSlackAction: [
    "describeClusters",
    "describeImages",
    ...READ_SCANS,
    "useDecisionRecords",
    "claimSlackNonces",
    "readSlackSigningSecret",
    "invokeSelf",
    "putMetrics",
    ...NOTIFY,
  ],
};

/**
 * Every function writes its own logs; one invoked asynchronously (by its EventBridge rules, or by
 * itself: onSlackAction) also parks what failed in its own dead-letter queue. A function called
 * synchronously only (onDecision, through its URL) has no queue: its caller gets the failure.
 */
const ALWAYS = ["writeOwnLogs"];
const ASYNCHRONOUS = ["sendToOwnDeadLetterQueue"];

/** The IAM policy document of one function; `ctx.asynchronous`: it has a dead-letter queue. */
function policyDocument(functionName, ctx) {
  const grants = GRANTS[functionName];
  if (!grants) throw new Error(`serverless/iam.cjs has no grants for function "${functionName}"`);
  return {
    Version: "2012-10-17",
    // A grant that does not apply to this stage (an optional parameter left empty) gives no statement.
    Statement: [...grants, ...ALWAYS, ...(ctx.asynchronous === false ? [] : ASYNCHRONOUS)]
      .map((grant) => STATEMENTS[grant](ctx))
      .filter((statement) => statement !== undefined),
  };
}

module.exports = { GRANTS, policyDocument, PRODUCT_ALARM_PREFIX };
