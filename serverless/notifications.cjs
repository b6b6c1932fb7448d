// The product's notification topic. Every function publishes here; the operational alarms (dead
// letters, function errors) alarm here too. The e-mail subscription exists only when the stage's
// `alarmEmail` param is set; the recipient confirms it once from the e-mail AWS sends.
//
// Encrypted at rest with a customer-managed KMS key (rotated yearly) whose key policy lets exactly
// the publishers use it: CloudWatch alarms of this account, and the function roles through SNS.
// The topic policy names the same publishers and refuses any request not made over TLS.
"use strict";

const { GRANTS } = require("./iam.cjs");
const { logicalNameOf, topicNameOf } = require("./functionResources.cjs");

const TAGS = [{ Key: "project", Value: "coworking" }];

function notificationResources({ service, stage, alarmEmail }) {
  const publisherRoles = Object.keys(GRANTS)
    .filter((name) => GRANTS[name].includes("publishToTopic"))
    .map((name) => ({ "Fn::GetAtt": [`${logicalNameOf(name)}Role`, "Arn"] }));
  const thisAccount = { "aws:SourceAccount": { Ref: "AWS::AccountId" } };
  return {
    Parameters: {
      AlarmEmail: {
        Type: "String",
        Description: "E-mail address subscribed to the notification topic (empty = no subscription)",
        Default: alarmEmail,
      },
    },
    Conditions: {
      HasAlarmEmail: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "AlarmEmail" }, ""] }] },
    },
    Resources: {
      NotificationKey: {
        Type: "AWS::KMS::Key",
        Properties: {
          Description: `${service}-${stage}: encrypts the notification topic`,
          EnableKeyRotation: true,
          KeyPolicy: {
            Version: "2012-10-17",
            Statement: [
              // Without it nobody could ever change or delete the key again; IAM policies of this
              // account decide who administers it.
              {
                Sid: "AccountAdministersTheKey",
                Effect: "Allow",
                Principal: { AWS: { "Fn::Sub": `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` } },
                Action: "kms:*",
                Resource: "*",
              },
              {
                Sid: "CloudWatchAlarmsPublish",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                Resource: "*",
                Condition: { StringEquals: thisAccount },
              },
              {
                Sid: "FunctionsPublishThroughSns",
                Effect: "Allow",
                Principal: { AWS: publisherRoles },
                Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                Resource: "*",
                Condition: {
                  StringEquals: { "kms:ViaService": { "Fn::Sub": `sns.\${AWS::Region}.amazonaws.com` } },
                },
              },
            ],
          },
          Tags: TAGS,
        },
      },
      NotificationKeyAlias: {
        Type: "AWS::KMS::Alias",
        Properties: {
          AliasName: `alias/${service}-${stage}-notifications`,
          TargetKeyId: { Ref: "NotificationKey" },
        },
      },
      NotificationTopic: {
        Type: "AWS::SNS::Topic",
        Properties: {
          TopicName: topicNameOf(service, stage),
          DisplayName: "Coworking delivery",
          KmsMasterKeyId: { "Fn::GetAtt": ["NotificationKey", "Arn"] },
          Tags: TAGS,
        },
      },
      NotificationTopicPolicy: {
        Type: "AWS::SNS::TopicPolicy",
        Properties: {
          Topics: [{ Ref: "NotificationTopic" }],
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "FunctionsPublish",
                Effect: "Allow",
                Principal: { AWS: publisherRoles },
                Action: "sns:Publish",
                Resource: { Ref: "NotificationTopic" },
              },
              {
                Sid: "CloudWatchAlarmsOfThisAccountPublish",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: "sns:Publish",
                Resource: { Ref: "NotificationTopic" },
                Condition: { StringEquals: thisAccount },
              },
              {
                Sid: "DenyWithoutTls",
                Effect: "Deny",
                Principal: "*",
                Action: "sns:*",
                Resource: { Ref: "NotificationTopic" },
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          },
        },
      },
      NotificationEmailSubscription: {
        Type: "AWS::SNS::Subscription",
        Condition: "HasAlarmEmail",
        Properties: {
          TopicArn: { Ref: "NotificationTopic" },
          Protocol: "email",
          Endpoint: { Ref: "AlarmEmail" },
        },
      },
    },
    Outputs: {
      NotificationTopicArn: {
        Description: "Subscribe further endpoints (chat, paging) here",
        Value: { Ref: "NotificationTopic" },
      },
    },
  };
}

/** The serverless `${file(...)}` entry point. */
async function resolveNotificationResources({ resolveVariable }) {
  const settings = await resolveVariable("self:custom.settings");
  return notificationResources({
    service: await resolveVariable("self:service"),
    stage: settings.stage,
    alarmEmail: settings.alarmEmail,
  });
}

module.exports = resolveNotificationResources;
module.exports.notificationResources = notificationResources;
