// A stage as `serverless deploy` leaves it, on the harness, for the benches' cold starts: an EKS
// cluster in moto's EKS (what EKS_CLUSTERS names; DescribeCluster answers for it), the state table
// in moto's DynamoDB, the notification topic in moto's SNS, and the Slack webhook as an SSM
// SecureString in moto's SSM (SLACK_WEBHOOK_PARAMETER; it points at the bench's Slack receiver).
// functionEnv(name) is a function's environment as deployed: serverless.yml's provider
// environment, SNS_TOPIC_ARN for every function and STATE_TABLE_NAME for those whose grants use
// the table (serverless/functionResources.cjs, serverless/iam.cjs), the variables Lambda itself
// sets, and no KUBECONFIG: the function takes the EKS path, through the bench's seam
// (eksResolverSeam.ts) with the Kubernetes identity its access entry maps it to.

import { createRequire } from "node:module";
import { CreateClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { Harness } from "../harness/env.js";
import { createStateTable } from "../support/stateTable.js";
import { deployedNodeOptions, deployedSizing } from "./bundles.js";
import { SEAM_KUBECONFIG } from "./eksResolverSeam.js";

const require = createRequire(import.meta.url);
const { GRANTS } = require("../../serverless/iam.cjs") as { GRANTS: Record<string, string[]> };
const { KUBERNETES_GROUPS, usesStateTable } = require("../../serverless/functionResources.cjs") as {
  KUBERNETES_GROUPS: Record<string, string>;
  usesStateTable: (name: string) => boolean;
};

export interface DeployedStage {
  clusterName: string;
  stateTableName: string;
  topicArn: string;
  slackParameter: string;
  /** A function's environment as deployed, plus `extra` (the namespaces, emulator endpoints…). */
  functionEnv(name: string, extra?: Record<string, string>): Record<string, string>;
}

export async function deployedStage(h: Harness, suffix: string, slackUrl: string): Promise<DeployedStage> {
  const clients = { region: h.region, endpoint: h.awsEndpoint };
  const clusterName = `coworking-bench-${suffix}`;
  await new EKSClient(clients).send(
    new CreateClusterCommand({
      name: clusterName,
      roleArn: `arn:aws:iam::${h.accountId}:role/eks-cluster`,
      resourcesVpcConfig: { subnetIds: ["subnet-1", "subnet-2"] },
    }),
  );
  const stateTableName = await createStateTable(`coworking-bench-state-${suffix}`);
  const { TopicArn: topicArn } = await new SNSClient(clients).send(
    new CreateTopicCommand({ Name: `coworking-delivery-bench-${suffix}-notifications` }),
  );
  if (!topicArn) throw new Error("moto created no topic");
  const slackParameter = `/coworking/bench-${suffix}/slack-webhook`;
  await new SSMClient(clients).send(
    new PutParameterCommand({ Name: slackParameter, Type: "SecureString", Value: slackUrl }),
  );
  return {
    clusterName,
    stateTableName,
    topicArn,
    slackParameter,
    functionEnv: (name, extra = {}) => {
      const group = KUBERNETES_GROUPS[name];
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        // The role's credentials, as Lambda puts them in the environment (moto accepts any).
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_REGION: h.region,
        AWS_DEFAULT_REGION: h.region,
        AWS_ENDPOINT_URL: h.awsEndpoint,
        // What Lambda sets in every execution environment.
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(deployedSizing(name).memoryMB),
        AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
        // serverless.yml's provider environment, with this stage's values.
        EKS_CLUSTERS: clusterName,
        REGISTRY_ACCOUNT_IDS: h.accountId,
        SLACK_WEBHOOK_PARAMETER: slackParameter,
        METRICS_SINK: "emf",
        DASHBOARD_NAME: `coworking-delivery-bench-${suffix}`,
        NODE_OPTIONS: deployedNodeOptions(),
        // serverless/functionResources.cjs
        SNS_TOPIC_ARN: topicArn,
        ...(GRANTS[name] !== undefined && usesStateTable(name) ? { STATE_TABLE_NAME: stateTableName } : {}),
        ...(group === undefined
          ? {}
          : { [SEAM_KUBECONFIG]: group.endsWith("-reader") ? h.readerKubeconfig : h.deliveryKubeconfig }),
        ...extra,
      };
      return env;
    },
  };
}
