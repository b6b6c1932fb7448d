import { loadConfig } from "../../../functions/shared/config.js";
import { ConfigError } from "../../../functions/types/errors.js";

// A complete Lambda-style environment (EKS mode); each test changes one thing.
const lambdaEnv = {
  AWS_REGION: "eu-west-1",
  EKS_CLUSTERS: "prod, staging",
  SNS_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:coworking-delivery",
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("reads a Lambda environment into typed sections with defaults", () => {
    const config = loadConfig(lambdaEnv);
    expect(config).toEqual({
      aws: { region: "eu-west-1", endpointUrl: undefined, registryAccountIds: [] },
      clusters: { mode: "eks", names: ["prod", "staging"] },
      rollout: { namespaces: { kind: "namespaces", names: ["default"] }, waitSeconds: undefined },
      notification: {
        slack: undefined,
        slackApprovers: { users: [], groups: [] },
        snsTopicArn: "arn:aws:sns:eu-west-1:123456789012:coworking-delivery",
        attempts: 3,
        timeoutMs: 3000,
      },
      metrics: { sink: "emf" },
      pipeline: { names: [], notifyStarted: false },
      alarms: { topicArn: undefined },
      cost: {
        productionClusters: undefined,
        pricingRegion: "us-east-1",
        referenceInstanceType: "t3a.medium",
      },
    });
  });

  it("reads the alarm topic and the cost settings, rejecting a bad pricing region or reference type by name", () => {
    const config = loadConfig({
      ...lambdaEnv,
      ALARM_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:coworking-alarms",
      PRODUCTION_CLUSTERS: "prod, live",
      PRICING_REGION: "eu-central-1",
      COST_REFERENCE_INSTANCE_TYPE: "m6g.large",
    });
    expect(config.alarms).toEqual({ topicArn: "arn:aws:sns:eu-west-1:123456789012:coworking-alarms" });
    expect(config.cost).toEqual({
      productionClusters: ["prod", "live"],
      pricingRegion: "eu-central-1",
      referenceInstanceType: "m6g.large",
    });
    expect(() => loadConfig({ ...lambdaEnv, PRICING_REGION: "moon" })).toThrow(
      "PRICING_REGION must be an AWS region",
    );
    expect(() => loadConfig({ ...lambdaEnv, COST_REFERENCE_INSTANCE_TYPE: "z9.huge" })).toThrow(
      "COST_REFERENCE_INSTANCE_TYPE must be an instance type with a fallback list price",
    );
  });

  it("switches to local mode when KUBECONFIG is set, ignoring EKS_CLUSTERS", () => {
    const config = loadConfig({ ...lambdaEnv, KUBECONFIG: "/tmp/kubeconfig", EKS_CLUSTERS: "" });
    expect(config.clusters).toEqual({ mode: "local", kubeconfigPath: "/tmp/kubeconfig" });
  });

  it("parses namespaces, wait seconds, metrics sink and the Slack URL of local mode", () => {
    const config = loadConfig({
      ...lambdaEnv,
      ROLLOUT_NAMESPACES: "coworking,analytics",
      ROLLOUT_WAIT_SECONDS: "240",
      METRICS_SINK: "cloudwatch",
      SLACK_WEBHOOK_URL: "http://127.0.0.1:9999/hook",
      REGISTRY_ACCOUNT_IDS: "123456789012,210987654321",
    });
    expect(config.rollout).toEqual({
      namespaces: { kind: "namespaces", names: ["coworking", "analytics"] },
      waitSeconds: 240,
    });
    expect(config.metrics.sink).toBe("cloudwatch");
    expect(config.notification.slack).toEqual({ source: "env", url: "http://127.0.0.1:9999/hook" });
    expect(config.aws.registryAccountIds).toEqual(["123456789012", "210987654321"]);
  });

  it("reads the Slack webhook from SSM when a parameter name is configured", () => {
    const config = loadConfig({ ...lambdaEnv, SLACK_WEBHOOK_PARAMETER: "/coworking/slack-webhook" });
    expect(config.notification.slack).toEqual({ source: "ssm", parameterName: "/coworking/slack-webhook" });
  });

  it("requires EKS_CLUSTERS outside local mode, naming the variable", () => {
    expect(configError({ AWS_REGION: "us-east-1" }).message).toBe(
      "invalid configuration: EKS_CLUSTERS is required unless KUBECONFIG is set (comma list of EKS cluster names)",
    );
  });

  it("lists every bad variable in one error", () => {
    const error = configError({
      ...lambdaEnv,
      AWS_REGION: undefined,
      ROLLOUT_WAIT_SECONDS: "soon",
      ROLLOUT_NAMESPACES: "Bad_Namespace",
      METRICS_SINK: "statsd",
      SNS_TOPIC_ARN: "coworking-topic",
    });
    expect(error.message).toContain("AWS_REGION is required");
    expect(error.message).toContain("ROLLOUT_WAIT_SECONDS must be a positive whole number of seconds");
    expect(error.message).toContain(
      'ROLLOUT_NAMESPACES must be * (every namespace) or a comma list of Kubernetes namespace names; "Bad_Namespace" is not one',
    );
    expect(error.message).toContain("METRICS_SINK must be emf or cloudwatch");
    expect(error.message).toContain("SNS_TOPIC_ARN must be an SNS topic ARN");
  });

  it("rejects a zero or fractional wait and a Slack URL set alongside the SSM parameter", () => {
    expect(configError({ ...lambdaEnv, ROLLOUT_WAIT_SECONDS: "0" }).message).toContain(
      "ROLLOUT_WAIT_SECONDS",
    );
    expect(configError({ ...lambdaEnv, ROLLOUT_WAIT_SECONDS: "1.5" }).message).toContain(
      "ROLLOUT_WAIT_SECONDS",
    );
    expect(
      configError({
        ...lambdaEnv,
        SLACK_WEBHOOK_PARAMETER: "/coworking/slack",
        SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/X",
      }).message,
    ).toContain("SLACK_WEBHOOK_URL cannot be set together with SLACK_WEBHOOK_PARAMETER");
  });

  it("treats empty values as unset", () => {
    const config = loadConfig({ ...lambdaEnv, ROLLOUT_NAMESPACES: "", SNS_TOPIC_ARN: " " });
    expect(config.rollout.namespaces).toEqual({ kind: "namespaces", names: ["default"] });
    expect(config.notification.snsTopicArn).toBeUndefined();
  });

  it("reads ROLLOUT_NAMESPACES=* as every namespace, and refuses * inside a list", () => {
    expect(loadConfig({ ...lambdaEnv, ROLLOUT_NAMESPACES: " * " }).rollout.namespaces).toEqual({
      kind: "cluster-wide",
    });
    const mixed = configError({ ...lambdaEnv, ROLLOUT_NAMESPACES: "coworking,*" }).message;
    expect(mixed).toContain("ROLLOUT_NAMESPACES");
    expect(mixed).toContain('"*" is not one');
    expect(configError({ ...lambdaEnv, ROLLOUT_NAMESPACES: " , " }).message).toContain(
      "must name at least one namespace",
    );
  });
});

describe("loadConfig, pipeline section", () => {
  const env = { AWS_REGION: "us-east-1", KUBECONFIG: "/tmp/kubeconfig" };

  it("reads the configured pipelines and the started-notification switch", () => {
    const config = loadConfig({
      ...env,
      PIPELINES: "coworking-analytics, coworking-web",
      NOTIFY_PIPELINE_STARTED: "true",
    });
    expect(config.pipeline).toEqual({ names: ["coworking-analytics", "coworking-web"], notifyStarted: true });
  });

  it("names the variable when a value is malformed", () => {
    expect(() => loadConfig({ ...env, NOTIFY_PIPELINE_STARTED: "yes" })).toThrow(
      "NOTIFY_PIPELINE_STARTED must be true or false",
    );
    expect(() => loadConfig({ ...env, PIPELINES: "ok,not a name" })).toThrow("PIPELINES");
  });
});
