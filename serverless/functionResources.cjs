// Everything each function owns besides its code, generated the same way for every function so no
// function can be forgotten: its role (policy from iam.cjs), its dead-letter queue (for both the
// EventBridge target and Lambda's asynchronous retries; only functions that EventBridge invokes
// have one), the alarms on that queue and on the function's errors, its EKS access entries, who
// may call its function URL (if it has one), and the topic ARN (and, for the functions that keep
// state, the state table's name) in its environment.
"use strict";

const { createHash } = require("node:crypto");
const { GRANTS, policyDocument } = require("./iam.cjs");

const TAGS = [{ Key: "project", Value: "coworking" }];
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;
/**
 * The Kubernetes group each cluster-facing function's access entry maps its role to, one group per
 * need, each bound by the RBAC in k8s/base/rbac: the rollout functions patch Deployments, the
 * alarm publisher and the cost reporter only read.
 */
const KUBERNETES_GROUPS = {
  onImagePush: "coworking:delivery-writer",
  reconcile: "coworking:delivery-writer",
  onAlarmStateChange: "coworking:delivery-writer",
  onDecision: "coworking:delivery-writer",
  onImageScan: "coworking:delivery-writer",
  onSlackAction: "coworking:delivery-writer",
  publishAlarms: "coworking:delivery-reader",
  reportCost: "coworking:delivery-reader",
};
/**
 * The functions with a function URL (AWS_IAM auth, serverless.yml `url`) and who may call each:
 * the principals named here, and nobody else (an empty list leaves the URL answering 403).
 */
const URL_CALLERS = {
  onDecision: (settings) => settings.approverPrincipals,
};
/**
 * The functions with a public function URL (auth NONE) and what authenticates their requests
 * instead of IAM. The framework adds the two public permissions such a URL needs, the second
 * (lambda:InvokeFunction) only through the URL (InvokedViaFunctionUrl), so nobody outside the
 * account can invoke the function directly. checkov's CKV_AWS_258 (a URL without auth) is
 * suppressed on that URL resource alone, with this reason.
 */
const PUBLIC_URLS = {
  onSlackAction:
    "Slack cannot sign requests with AWS credentials; every request is authenticated by Slack's signing secret (v0 HMAC-SHA256 over the timestamp and body, a 5-minute window, each request taken once) before anything is read or done, and only SLACK_APPROVERS may decide",
};
/**
 * Functions that hand work to an asynchronous invocation of themselves (onSlackAction: a verified
 * click, so Slack gets its answer in time): what fails there is parked in a dead-letter queue of
 * their own, through Lambda's on-failure destination, as for the functions EventBridge invokes.
 */
const SELF_INVOKED = new Set(["onSlackAction"]);
const VPC_ACCESS_POLICY = `arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`;

/** The notification topic's name (serverless/notifications.cjs creates it). */
const topicNameOf = (service, stage) => `${service}-${stage}-notifications`;

/** Same rule as the framework's logical ids: onImagePush -> OnImagePush. */
const logicalNameOf = (functionName) => functionName.charAt(0).toUpperCase() + functionName.slice(1);

/**
 * Operational alarms must not start with the product's `coworking-` prefix: that prefix belongs
 * to the per-deployment alarms that publishAlarms manages and onAlarmStateChange reacts to.
 */
const opsAlarmNameOf = (stage, functionName, what) => `delivery-ops-${stage}-${functionName}-${what}`;

/**
 * Every ops alarm fires on the first bad data point in 5 minutes and tells the notification topic
 * both when it fires and when it clears; no data is healthy.
 */
const FIRES_ON_ANY = {
  EvaluationPeriods: 1,
  Threshold: 0,
  ComparisonOperator: "GreaterThanThreshold",
  TreatMissingData: "notBreaching",
  AlarmActions: [{ Ref: "NotificationTopic" }],
  OKActions: [{ Ref: "NotificationTopic" }],
  Tags: TAGS,
};

/** The namespace of the functions' own metrics (functions/types/metricsRecorder.ts). */
const METRICS_NAMESPACE = "CoworkingDelivery";

/**
 * A notification that no sink could deliver, after the sink's own retries: the notifier counts it
 * as NotificationFailures (dimension Sink) and carries on, so no function error or dead letter
 * shows it. Several functions notify and the metric names no function, so this is one alarm for
 * the stack. A Metrics Insights query sums every series of the metric, whatever Sink (or any
 * dimension a producer adds later) it carries; an alarm on one plain metric would watch a single
 * dimension set.
 */
function notificationFailuresAlarm({ service, stage }) {
  return {
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: `delivery-ops-${stage}-notification-failures`,
      AlarmDescription: `${service}-${stage}: a notification sink (Slack or SNS) failed after its retries and that copy was lost; the functions' logs say "notification failed", with the sink`,
      Metrics: [
        {
          Id: "notificationFailures",
          Label: "NotificationFailures (all sinks)",
          Expression: `SELECT SUM(NotificationFailures) FROM ${METRICS_NAMESPACE}`,
          Period: 300,
          ReturnData: true,
        },
      ],
      ...FIRES_ON_ANY,
    },
  };
}

const { logicalIdOf: idOf } = require("./settings.cjs");

/**
 * The EventBridge rule names of each function, from serverless.yml, so that each dead-letter
 * queue accepts exactly its function's rules. Every function needs grants and named rules, except
 * one called through its function URL, which has no rules (and no queue: it is called synchronously).
 */
function ruleNamesOf(functions) {
  const ruleNames = {};
  for (const [functionName, definition] of Object.entries(functions)) {
    if (!GRANTS[functionName])
      throw new Error(`function "${functionName}" has no grants in serverless/iam.cjs`);
    if (definition.url && !URL_CALLERS[functionName] && !PUBLIC_URLS[functionName])
      throw new Error(
        `function "${functionName}" has a url but no callers (nor a public URL's reason) in serverless/functionResources.cjs`,
      );
    if (PUBLIC_URLS[functionName] && definition.url?.authorizer === "aws_iam")
      throw new Error(`function "${functionName}" is listed as a public URL but its url uses aws_iam`);
    const names = (definition.events ?? [])
      .filter((event) => event.eventBridge)
      .map((event) => event.eventBridge.name);
    if (names.length === 0 && definition.url && (definition.events ?? []).length === 0) {
      ruleNames[functionName] = [];
      continue;
    }
    if (names.length === 0 || names.some((name) => !name)) {
      throw new Error(
        `function "${functionName}": every eventBridge event needs a name (its DLQ policy names it)`,
      );
    }
    ruleNames[functionName] = names;
  }
  for (const functionName of Object.keys(GRANTS)) {
    if (!ruleNames[functionName])
      throw new Error(`serverless/iam.cjs grants "${functionName}", which serverless.yml lacks`);
  }
  return ruleNames;
}

/** The dead-letter queue of a function EventBridge invokes, its policy and its alarm. */
function deadLetterResources({ stage, functionName, deployedName, queue, ruleNames }) {
  const rules = ruleNames[functionName];
  return {
    [queue]: {
      Type: "AWS::SQS::Queue",
      Properties: {
        MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
        Tags: TAGS,
      },
    },
    // Only EventBridge needs the queue's policy; Lambda's on-failure destination writes with the
    // function's own role (sendToOwnDeadLetterQueue), so a function without rules has none.
    ...(rules.length === 0
      ? {}
      : {
          [`${queue}Policy`]: {
            Type: "AWS::SQS::QueuePolicy",
            Properties: {
              Queues: [{ Ref: queue }],
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Sid: "EventBridgeRuleDeadLetters",
                    Effect: "Allow",
                    Principal: { Service: "events.amazonaws.com" },
                    Action: "sqs:SendMessage",
                    Resource: { "Fn::GetAtt": [queue, "Arn"] },
                    Condition: {
                      ArnEquals: {
                        "aws:SourceArn": rules.map((rule) => ({
                          "Fn::Sub": `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${rule}`,
                        })),
                      },
                    },
                  },
                ],
              },
            },
          },
        }),
    [`${logicalNameOf(functionName)}DeadLetterAlarm`]: {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: opsAlarmNameOf(stage, functionName, "dead-letters"),
        AlarmDescription: `${deployedName}: an event could not be delivered or processed; see queue ${queue}`,
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
        Statistic: "Maximum",
        Period: 300,
        ...FIRES_ON_ANY,
      },
    },
  };
}

/**
 * Who may call a function URL with AWS_IAM auth: since October 2025 Lambda requires both
 * lambda:InvokeFunctionUrl and lambda:InvokeFunction for it (Lambda developer guide, "Control
 * access to Lambda function URLs"), so each principal gets both, and nothing more: the first only
 * for AWS_IAM URLs, the second only through the URL (InvokedViaFunctionUrl), never a direct Invoke
 * whose event would say whatever its caller wrote, identity included. Logical ids carry a hash of
 * the principal, so adding or removing one leaves the others' permissions alone.
 */
function urlPermissions(logicalName, principals) {
  const Resources = {};
  const FunctionName = { "Fn::GetAtt": [`${logicalName}LambdaFunction`, "Arn"] };
  for (const principal of principals) {
    const id = createHash("sha256").update(principal).digest("hex").slice(0, 12);
    Resources[`${logicalName}UrlCaller${id}InvokeFunctionUrl`] = {
      Type: "AWS::Lambda::Permission",
      Properties: {
        FunctionName,
        Action: "lambda:InvokeFunctionUrl",
        Principal: principal,
        FunctionUrlAuthType: "AWS_IAM",
      },
    };
    Resources[`${logicalName}UrlCaller${id}InvokeFunction`] = {
      Type: "AWS::Lambda::Permission",
      Properties: {
        FunctionName,
        Action: "lambda:InvokeFunction",
        Principal: principal,
        InvokedViaFunctionUrl: true,
      },
    };
  }
  return Resources;
}

/** Whether a function reads or writes the state table (its own items, or the shared ones). */
function usesStateTable(functionName) {
  return GRANTS[functionName].some((grant) =>
    [
      "useStateTable",
      "recordIdempotency",
      "useReleaseThreads",
      "useDecisionRecords",
      "claimSlackNonces",
    ].includes(grant),
  );
}

function functionResources({ service, stage, settings, ruleNames }) {
  const Resources = { NotificationFailuresAlarm: notificationFailuresAlarm({ service, stage }) };
  for (const functionName of Object.keys(GRANTS)) {
    const logicalName = logicalNameOf(functionName);
    const deployedName = `${service}-${stage}-${functionName}`;
    // Invoked by EventBridge, or by itself (asynchronously): what fails for good is parked in its own queue.
    const asynchronous = ruleNames[functionName].length > 0 || SELF_INVOKED.has(functionName);
    const ctx = {
      settings,
      functionName,
      logicalName,
      deployedName,
      topicName: topicNameOf(service, stage),
      asynchronous,
    };
    const role = `${logicalName}Role`;
    const queue = `${logicalName}DeadLetterQueue`;

    Resources[role] = {
      Type: "AWS::IAM::Role",
      Properties: {
        Description: `${deployedName}: least-privilege execution role`,
        AssumeRolePolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
            },
          ],
        },
        Policies: [{ PolicyName: functionName, PolicyDocument: policyDocument(functionName, ctx) }],
        // Creating the network interfaces of a VPC function has no resource-level scope; this is
        // AWS's own minimal managed policy for exactly that.
        ...(settings.vpc ? { ManagedPolicyArns: [{ "Fn::Sub": VPC_ACCESS_POLICY }] } : {}),
        Tags: TAGS,
      },
    };

    if (asynchronous)
      Object.assign(Resources, deadLetterResources({ stage, functionName, deployedName, queue, ruleNames }));
    Resources[`${logicalName}ErrorsAlarm`] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: opsAlarmNameOf(stage, functionName, "errors"),
        AlarmDescription: `${deployedName}: the function failed; see its log group /aws/lambda/${deployedName}`,
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: `${logicalName}LambdaFunction` } }],
        Statistic: "Sum",
        Period: 300,
        ...FIRES_ON_ANY,
      },
    };
    if (URL_CALLERS[functionName])
      Object.assign(Resources, urlPermissions(logicalName, URL_CALLERS[functionName](settings)));
    // Deep-merged into the framework's URL resource: the one place checkov's "URL without auth"
    // finding is accepted, with the reason, rather than skipped for the whole template.
    if (PUBLIC_URLS[functionName])
      Resources[`${logicalName}LambdaFunctionUrl`] = {
        Type: "AWS::Lambda::Url",
        Metadata: { checkov: { skip: [{ id: "CKV_AWS_258", comment: PUBLIC_URLS[functionName] }] } },
      };
    if (GRANTS[functionName].includes("describeClusters")) {
      const group = KUBERNETES_GROUPS[functionName];
      if (!group)
        throw new Error(`function "${functionName}" reads clusters but has no Kubernetes group here`);
      for (const cluster of settings.clusters) {
        Resources[`${logicalName}AccessEntry${idOf(cluster)}`] = {
          Type: "AWS::EKS::AccessEntry",
          Properties: {
            ClusterName: cluster,
            PrincipalArn: { "Fn::GetAtt": [role, "Arn"] },
            Type: "STANDARD",
            KubernetesGroups: [group],
            Tags: TAGS,
          },
        };
      }
    }

    // Deep-merged into the framework's function resource. Kept out of provider.environment
    // because `serverless invoke local` cannot resolve a Ref offline.
    const variables = { SNS_TOPIC_ARN: { Ref: "NotificationTopic" } };
    if (usesStateTable(functionName)) variables.STATE_TABLE_NAME = { Ref: "StateTable" };
    // The Slack app's interactivity settings, for the one function that verifies Slack's requests.
    if (PUBLIC_URLS[functionName] && functionName === "onSlackAction") {
      if (settings.slackSigningSecretParameter)
        variables.SLACK_SIGNING_SECRET_PARAMETER = settings.slackSigningSecretParameter;
      if (settings.slackApprovers.length > 0) variables.SLACK_APPROVERS = settings.slackApprovers.join(",");
    }
    Resources[`${logicalName}LambdaFunction`] = {
      Type: "AWS::Lambda::Function",
      Properties: { Environment: { Variables: variables } },
    };
  }
  return { Resources };
}

/** The serverless `${file(...)}` entry point. */
async function resolveFunctionResources({ resolveVariable }) {
  const settings = await resolveVariable("self:custom.settings");
  return functionResources({
    service: await resolveVariable("self:service"),
    stage: settings.stage,
    settings,
    ruleNames: ruleNamesOf(await resolveVariable("self:functions")),
  });
}

module.exports = resolveFunctionResources;
module.exports.functionResources = functionResources;
module.exports.ruleNamesOf = ruleNamesOf;
module.exports.logicalNameOf = logicalNameOf;
module.exports.topicNameOf = topicNameOf;
module.exports.KUBERNETES_GROUPS = KUBERNETES_GROUPS;
module.exports.URL_CALLERS = URL_CALLERS;
module.exports.PUBLIC_URLS = PUBLIC_URLS;
module.exports.SELF_INVOKED = SELF_INVOKED;
module.exports.usesStateTable = usesStateTable;
