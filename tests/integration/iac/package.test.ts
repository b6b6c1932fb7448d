// Proof that one `serverless package` yields the loop this project promises: it runs offline, its
// template passes cfn-lint, its event rules match exactly the events they should (checked by the
// emulator's EventBridge routing, with the patterns read from the generated template), IAM
// is least privilege per function, and each bundle is one ESM module that loads in Node 24, within
// the 2.5 MB budget (all sizes: tests/bench/iac.bench.ts). Packaged
// once, for stage dev with the defaults of serverless.yml (cluster coworking-dev, repository and
// pipeline coworking-analytics, Slack parameter /coworking/dev/slack-webhook).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ecrImageScanEventPattern, inspectorScanEventPattern } from "../../../functions/trigger/imageScan.js";
import { Metric } from "../../../functions/types/metricNames.js";
import { codePipelineEvent } from "../../fixtures/codepipeline/events.js";
import { scanEvent } from "../../fixtures/events/scanEvents.js";
import { harness } from "../../harness/env.js";
import { extractZip, readZip } from "../../support/zipArchive.js";
import {
  bundleEntries,
  type CfnResource,
  type PackageRun,
  ROOT,
  readServiceState,
  readTemplate,
  resourcesOfType,
  runPackage,
  type Template,
} from "./packaged.js";
import { type BusEvent, RuleProbe } from "./ruleProbe.js";

const FUNCTIONS = [
  "onImagePush",
  "reconcile",
  "onPipelineEvent",
  "weeklyDigest",
  "publishAlarms",
  "onAlarmStateChange",
  "reportCost",
  "onDecision",
  "onImageScan",
  "onSlackAction",
] as const;
type FunctionName = (typeof FUNCTIONS)[number];
/** Called through a function URL: no rules. */
const URL_FUNCTIONS: readonly FunctionName[] = ["onDecision", "onSlackAction"];
/** Called synchronously only: no dead-letter queue either (its caller gets the answer). */
const SYNCHRONOUS_FUNCTIONS: readonly FunctionName[] = ["onDecision"];
/** Invoked by EventBridge: rules with retries, and a dead-letter queue. */
const EVENT_FUNCTIONS = FUNCTIONS.filter((name) => !URL_FUNCTIONS.includes(name));
/** Invoked asynchronously (by EventBridge, or by itself): a dead-letter queue. */
const QUEUED_FUNCTIONS = FUNCTIONS.filter((name) => !SYNCHRONOUS_FUNCTIONS.includes(name));
const logicalName = (name: FunctionName) => name.charAt(0).toUpperCase() + name.slice(1);

/** The budget for a function's minified bundle (cold starts), held by every function. */
const BUNDLE_BUDGET_BYTES = 2_500_000;

const STAGE = "dev";
const CLUSTER = "coworking-dev";
const REPOSITORY = "coworking-analytics";
const PIPELINE = "coworking-analytics";

// biome-ignore lint/suspicious/noExplicitAny: the template is untyped JSON; each test asserts the shape it reads.
type Cfn = any;

let run: PackageRun;
let template: Template;

afterAll(() => run?.remove());

beforeAll(() => {
  run = runPackage(["--stage", STAGE]);
  if (run.status !== 0) throw new Error(`serverless package failed (exit ${run.status}):\n${run.output}`);
  template = readTemplate(run.dir);
}, 600_000);

function resource(logicalId: string, from: Template = template): CfnResource {
  const found = from.Resources[logicalId];
  if (!found) throw new Error(`the template has no resource ${logicalId}`);
  return found;
}

const props = (logicalId: string, from: Template = template) =>
  resource(logicalId, from).Properties as Record<string, Cfn>;

/** The EventBridge rules that target a function, in template order. */
function rulesOf(name: FunctionName): Record<string, Cfn>[] {
  return resourcesOfType(template, "AWS::Events::Rule")
    .map(([, rule]) => rule.Properties as Record<string, Cfn>)
    .filter((rule) => rule.Targets[0].Arn["Fn::GetAtt"][0] === `${logicalName(name)}LambdaFunction`);
}

/** The one EventBridge rule that targets a function. */
function ruleOf(name: FunctionName): Record<string, Cfn> {
  const rules = rulesOf(name);
  expect(rules).toHaveLength(1);
  return rules[0] as Record<string, Cfn>;
}

/** cfn-lint from the harness virtualenv on a packaged template, with the repository's .cfnlintrc. */
function cfnLint(dir: string): { status: number | null; output: string } {
  const lint = spawnSync(
    join(harness().venv, "bin", "cfn-lint"),
    ["--config-file", join(ROOT, ".cfnlintrc"), "--", join(dir, "cloudformation-template-update-stack.json")],
    { encoding: "utf8" },
  );
  return { status: lint.status, output: `${lint.stdout}${lint.stderr}${lint.error ?? ""}` };
}

/** Fn::Sub strings as text, other intrinsics as JSON, so resources can be compared as strings. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "Fn::Sub" in value) return String((value as Cfn)["Fn::Sub"]);
  return JSON.stringify(value);
}

const arn = (service: string, rest: string) =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${rest}`;

describe("serverless package (stage dev, offline)", () => {
  it("succeeds with no AWS credentials and, where the machine allows, no network", () => {
    expect(run.status).toBe(0);
    expect(run.output).toContain("Service packaged");
    for (const name of FUNCTIONS) expect(statSync(join(run.dir, `${name}.zip`)).size).toBeGreaterThan(0);
  });

  it("fails for stage prod without its required params, naming each one", () => {
    const prod = runPackage(["--stage", "prod"]);
    prod.remove();
    expect(prod.status).not.toBe(0);
    for (const name of ["clusters", "repositories", "pipelines"]) {
      expect(prod.output).toContain(`param "${name}" is required`);
    }
  });

  it("passes cfn-lint with zero findings (disabled rules and their reasons: .cfnlintrc)", () => {
    expect(cfnLint(run.dir)).toEqual({ status: 0, output: "" });
  });

  it("runs every function on nodejs24.x / arm64 with its own role", () => {
    const roles = new Set<string>();
    for (const name of FUNCTIONS) {
      const fn = props(`${logicalName(name)}LambdaFunction`);
      expect(fn.Runtime).toBe("nodejs24.x");
      expect(fn.Architectures).toEqual(["arm64"]);
      expect(fn.Handler).toBe(`functions/handlers/${name}/handler.handler`);
      expect(fn.Role).toEqual({ "Fn::GetAtt": [`${logicalName(name)}Role`, "Arn"] });
      roles.add(fn.Role["Fn::GetAtt"][0]);
    }
    expect(roles.size).toBe(FUNCTIONS.length);
  });

  it("gives onDecision and onSlackAction 60 s (a decision patches and briefly watches) and onImageScan onImagePush's timeout", () => {
    expect(props("OnDecisionLambdaFunction").Timeout).toBe(60);
    expect(props("OnSlackActionLambdaFunction").Timeout).toBe(60);
    expect(props("OnImageScanLambdaFunction").Timeout).toBe(props("OnImagePushLambdaFunction").Timeout);
  });
});

describe("onDecision's function URL", () => {
  it("is one of two function URLs, and authenticates every request with IAM (AWS_IAM)", () => {
    const urls = resourcesOfType(template, "AWS::Lambda::Url");
    expect(urls.map(([id]) => id).sort()).toEqual([
      "OnDecisionLambdaFunctionUrl",
      "OnSlackActionLambdaFunctionUrl",
    ]);
    expect(props("OnDecisionLambdaFunctionUrl")).toEqual({
      AuthType: "AWS_IAM",
      TargetFunctionArn: { "Fn::GetAtt": ["OnDecisionLambdaFunction", "Arn"] },
    });
  });

  it("lets nobody call it when approverPrincipals is empty (dev's default): no permission names it", () => {
    const permissions = resourcesOfType(template, "AWS::Lambda::Permission").filter(
      ([, permission]) =>
        JSON.stringify((permission.Properties as Cfn).FunctionName) ===
        JSON.stringify({ "Fn::GetAtt": ["OnDecisionLambdaFunction", "Arn"] }),
    );
    expect(permissions).toEqual([]);
  });

  it("has no rules and no dead-letter queue: its caller gets the answer, failures included", () => {
    expect(rulesOf("onDecision")).toEqual([]);
    expect(template.Resources.OnDecisionDeadLetterQueue).toBeUndefined();
    expect(template.Resources.OnDecisionLambdaEvConf).toBeUndefined();
    expect(props("OnDecisionErrorsAlarm").MetricName).toBe("Errors");
  });
});

describe("onSlackAction's function URL", () => {
  const onSlackAction = JSON.stringify({ "Fn::GetAtt": ["OnSlackActionLambdaFunction", "Arn"] });

  it("is public (auth NONE: Slack's signature authenticates), and says so where checkov looks", () => {
    expect(props("OnSlackActionLambdaFunctionUrl")).toEqual({
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": ["OnSlackActionLambdaFunction", "Arn"] },
    });
    const skips = (resource("OnSlackActionLambdaFunctionUrl") as Cfn).Metadata.checkov.skip;
    expect(skips).toEqual([{ id: "CKV_AWS_258", comment: expect.stringContaining("signing secret") }]);
    // Only this resource: no other resource carries a checkov skip for a URL without auth.
    const elsewhere = Object.entries(template.Resources).filter(
      ([id, r]) => id !== "OnSlackActionLambdaFunctionUrl" && JSON.stringify(r).includes("CKV_AWS_258"),
    );
    expect(elsewhere).toEqual([]);
  });

  it("lets the public invoke it through the URL only, never directly (InvokedViaFunctionUrl)", () => {
    const permissions = resourcesOfType(template, "AWS::Lambda::Permission")
      .map(([, permission]) => permission.Properties as Cfn)
      .filter((properties) => JSON.stringify(properties.FunctionName) === onSlackAction);
    expect(permissions).toEqual([
      {
        FunctionName: { "Fn::GetAtt": ["OnSlackActionLambdaFunction", "Arn"] },
        Action: "lambda:InvokeFunctionUrl",
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      },
      {
        FunctionName: { "Fn::GetAtt": ["OnSlackActionLambdaFunction", "Arn"] },
        Action: "lambda:InvokeFunction",
        Principal: "*",
        InvokedViaFunctionUrl: true,
      },
    ]);
    // Every other function stays private.
    for (const [, permission] of resourcesOfType(template, "AWS::Lambda::Permission")) {
      const properties = permission.Properties as Cfn;
      if (properties.Principal === "*") expect(JSON.stringify(properties.FunctionName)).toBe(onSlackAction);
    }
  });

  it("hands clicks to its own asynchronous invocation: not retried, dropped after 5 minutes, failures in its own queue", () => {
    expect(rulesOf("onSlackAction")).toEqual([]);
    expect(props("OnSlackActionLambdaEvConf")).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: {
        OnFailure: { Destination: { "Fn::GetAtt": ["OnSlackActionDeadLetterQueue", "Arn"] } },
      },
    });
    // No EventBridge rule writes to it, so the queue has no policy: the role's own grant suffices.
    expect(template.Resources.OnSlackActionDeadLetterQueuePolicy).toBeUndefined();
    expect(props("OnSlackActionDeadLetterAlarm").MetricName).toBe("ApproximateNumberOfMessagesVisible");
  });

  it("reads no signing secret and no approvers unless the stage names them", () => {
    const variables = props("OnSlackActionLambdaFunction").Environment.Variables;
    expect(variables.SLACK_SIGNING_SECRET_PARAMETER).toBeUndefined();
    expect(variables.SLACK_APPROVERS).toBeUndefined();
  });
});

describe("environment", () => {
  it("is plain strings in provider.environment, so `serverless invoke local` resolves it offline", () => {
    const { service } = readServiceState(run.dir);
    const environment = service.provider.environment;
    for (const [name, value] of Object.entries(environment)) {
      expect([name, typeof value]).toEqual([name, "string"]);
    }
    expect(environment).toMatchObject({
      EKS_CLUSTERS: CLUSTER,
      ROLLOUT_NAMESPACES: "coworking",
      PIPELINES: PIPELINE,
      SLACK_WEBHOOK_PARAMETER: `/coworking/${STAGE}/slack-webhook`,
      METRICS_SINK: "emf",
    });
    for (const fn of Object.values(service.functions)) expect(fn.environment ?? {}).toEqual({});
  });

  it("gives each deployed function the topic ARN through CloudFormation", () => {
    for (const name of FUNCTIONS) {
      expect(props(`${logicalName(name)}LambdaFunction`).Environment.Variables.SNS_TOPIC_ARN).toEqual({
        Ref: "NotificationTopic",
      });
    }
  });
});

describe("event rules, matched by the emulator's EventBridge", () => {
  const probes = new Map<string, RuleProbe>();
  afterAll(async () => {
    for (const probe of probes.values()) await probe.close();
  });

  /** Whether the pattern of the function's rule, as generated, matches the event. */
  async function matches(name: FunctionName, event: BusEvent): Promise<boolean> {
    let probe = probes.get(name);
    if (!probe) {
      probe = await RuleProbe.create(harness(), ruleOf(name).EventPattern);
      probes.set(name, probe);
    }
    return probe.matches(event);
  }

  const busEvent = (event: Record<string, unknown>): BusEvent => {
    const { source, detail } = event;
    const detailType = event["detail-type"];
    if (
      typeof source !== "string" ||
      typeof detailType !== "string" ||
      typeof detail !== "object" ||
      !detail
    ) {
      throw new Error(`not an EventBridge event: ${JSON.stringify(event)}`);
    }
    return { ...event, source, "detail-type": detailType, detail: detail as Record<string, unknown> };
  };

  const ecrEvent = (file: string, repository?: string): BusEvent => {
    const event = JSON.parse(
      readFileSync(join(ROOT, "tests", "unit", "trigger", "fixtures", `${file}.json`), "utf8"),
    );
    if (repository) event.detail["repository-name"] = repository;
    return event;
  };

  it("onImagePush: a successful push to a configured repository matches", async () => {
    expect(await matches("onImagePush", ecrEvent("push", REPOSITORY))).toBe(true);
  });

  it("onImagePush: DELETE, FAILURE, another repository and pull-through-cache events do not", async () => {
    expect(await matches("onImagePush", ecrEvent("delete", REPOSITORY))).toBe(false);
    expect(await matches("onImagePush", ecrEvent("push-failure", REPOSITORY))).toBe(false);
    expect(await matches("onImagePush", ecrEvent("push"))).toBe(false); // my-repository-name
    expect(await matches("onImagePush", ecrEvent("pull-through-cache"))).toBe(false);
    expect(await matches("onImagePush", ecrEvent("pull-through-cache", REPOSITORY))).toBe(false);
  });

  it("onPipelineEvent: execution, stage and action changes of a configured pipeline match", async () => {
    for (const fixture of ["pipeline-started", "stage-build-failed", "action-build-succeeded"] as const) {
      expect([fixture, await matches("onPipelineEvent", busEvent(codePipelineEvent(fixture)))]).toEqual([
        fixture,
        true,
      ]);
    }
  });

  it("onPipelineEvent: another pipeline's events and other sources do not", async () => {
    for (const fixture of ["pipeline-started", "stage-build-failed", "action-build-succeeded"] as const) {
      const other = busEvent(codePipelineEvent(fixture, { pipeline: "someone-elses-pipeline" }));
      expect([fixture, await matches("onPipelineEvent", other)]).toEqual([fixture, false]);
    }
    expect(await matches("onPipelineEvent", ecrEvent("push", REPOSITORY))).toBe(false);
  });

  it("onAlarmStateChange: a coworking- alarm matches; the stack's own and others' alarms do not", async () => {
    const alarm = JSON.parse(
      readFileSync(join(ROOT, "tests/integration/iac/fixtures/alarm-state-change.json"), "utf8"),
    );
    expect(await matches("onAlarmStateChange", alarm)).toBe(true);
    const renamed = (alarmName: string) => ({ ...alarm, detail: { ...alarm.detail, alarmName } });
    const opsAlarm = props("OnImagePushErrorsAlarm").AlarmName as string;
    expect(await matches("onAlarmStateChange", renamed(opsAlarm))).toBe(false);
    expect(await matches("onAlarmStateChange", renamed("someone-elses-alarm"))).toBe(false);
    expect(await matches("onAlarmStateChange", ecrEvent("push", REPOSITORY))).toBe(false);
  });

  /** Whether the pattern of one of the function's rules (in template order) matches the event. */
  async function ruleMatches(name: FunctionName, index: number, event: BusEvent): Promise<boolean> {
    const key = `${name}#${index}`;
    let probe = probes.get(key);
    if (!probe) {
      probe = await RuleProbe.create(harness(), rulesOf(name)[index]?.EventPattern);
      probes.set(key, probe);
    }
    return probe.matches(event);
  }

  it("onImageScan: its two rules are the patterns the trigger documents, for the configured repositories", () => {
    expect(rulesOf("onImageScan").map((rule) => rule.EventPattern)).toEqual([
      ecrImageScanEventPattern([REPOSITORY]),
      inspectorScanEventPattern([REPOSITORY]),
    ]);
  });

  // Each rule's probe is only given the events of its own detail-type: every probe's rule sees every
  // event put on the bus, so an event another probe also matches would wait in that probe's queue.
  it("onImageScan: a basic scan of a configured repository matches the first rule; another repository's does not", async () => {
    const basic = (repository: string) =>
      busEvent(scanEvent("ecr-image-scan", { detail: { "repository-name": repository } }));
    expect(await ruleMatches("onImageScan", 0, basic(REPOSITORY))).toBe(true);
    expect(await ruleMatches("onImageScan", 0, basic(`${REPOSITORY}-other`))).toBe(false);
  });

  it("onImageScan: Inspector's initial scan of a configured repository's image matches the second rule, by ARN suffix only", async () => {
    const inspector = (repositoryArn: string, status = "INITIAL_SCAN_COMPLETE") =>
      busEvent(
        scanEvent("inspector-scan-ecr-image", { status, detail: { "repository-name": repositoryArn } }),
      );
    const arnOf = (name: string) => `arn:aws:ecr:us-east-1:123456789012:repository/${name}`;
    expect(await ruleMatches("onImageScan", 1, inspector(arnOf(REPOSITORY)))).toBe(true);
    // Same last segment, another repository: `team/<name>` and `x-<name>` end differently.
    expect(await ruleMatches("onImageScan", 1, inspector(arnOf(`team/${REPOSITORY}`)))).toBe(false);
    expect(await ruleMatches("onImageScan", 1, inspector(arnOf(`x-${REPOSITORY}`)))).toBe(false);
    expect(
      await ruleMatches("onImageScan", 1, inspector(arnOf(REPOSITORY), "SCAN_ELIGIBILITY_EXPIRED")),
    ).toBe(false);
    expect(await ruleMatches("onImageScan", 1, busEvent(scanEvent("inspector-scan-ec2-instance")))).toBe(
      false,
    );
  });

  it("schedules reconcile, reportCost (hourly, and weekly with the advice), weeklyDigest and publishAlarms", () => {
    expect(ruleOf("reconcile").ScheduleExpression).toBe("rate(5 minutes)");
    const [hourly, weekly] = rulesOf("reportCost");
    expect(hourly).toMatchObject({ ScheduleExpression: "rate(1 hour)" });
    expect(hourly?.Targets[0].Input).toBeUndefined();
    expect(weekly).toMatchObject({ ScheduleExpression: "cron(0 7 ? * MON *)" });
    expect(JSON.parse(weekly?.Targets[0].Input)).toEqual({ notifyAdvice: true });
    expect(ruleOf("weeklyDigest").ScheduleExpression).toBe("cron(0 8 ? * MON *)");
    expect(ruleOf("publishAlarms").ScheduleExpression).toBe("cron(0 6 * * ? *)");
  });

  it("gives every rule target a retry policy and the function's own dead-letter queue", () => {
    for (const name of EVENT_FUNCTIONS) {
      const rules = rulesOf(name);
      expect(rules.length).toBeGreaterThan(0);
      const queue = `${logicalName(name)}DeadLetterQueue`;
      for (const rule of rules) {
        const [target] = rule.Targets;
        expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
        expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(300);
        expect(target.DeadLetterConfig).toEqual({ Arn: { "Fn::GetAtt": [queue, "Arn"] } });
      }
      // EventBridge may write to the queue for this function's rules only.
      const [statement] = props(`${queue}Policy`).PolicyDocument.Statement;
      expect(statement).toMatchObject({
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
      });
      expect(statement.Condition.ArnEquals["aws:SourceArn"].map(text)).toEqual(
        rules.map((rule) => arn("events", `rule/${rule.Name}`)),
      );
      // Lambda's own retries of a failed invocation end in the same queue.
      expect(props(`${logicalName(name)}LambdaEvConf`).DestinationConfig).toEqual({
        OnFailure: { Destination: { "Fn::GetAtt": [queue, "Arn"] } },
      });
    }
  });
});

describe("IAM", () => {
  type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
  const actionsOf = (statement: Statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  const resourcesOf = (statement: Statement) =>
    (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(text);
  const statementsOfRole = (logicalId: string): Statement[] =>
    ((props(logicalId).Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
  const allStatements = () =>
    resourcesOfType(template, "AWS::IAM::Role").flatMap(([id]) => statementsOfRole(id));

  /** APIs without resource-level permissions: the only ones allowed on Resource "*". */
  const NO_RESOURCE_LEVEL = [
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "pricing:GetProducts",
    "ec2:DescribeSpotPriceHistory",
    "ecr:GetAuthorizationToken",
    "inspector2:ListFindings",
  ];

  it("has no wildcard action anywhere", () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(FUNCTIONS.length);
    for (const statement of statements) {
      expect(statement).not.toHaveProperty("NotAction");
      for (const action of actionsOf(statement)) expect(action).not.toContain("*");
    }
  });

  it('uses Resource "*" only for APIs without resource-level permissions', () => {
    for (const statement of allStatements()) {
      if (!resourcesOf(statement).includes("*")) continue;
      expect(resourcesOf(statement)).toEqual(["*"]);
      for (const action of actionsOf(statement)) expect(NO_RESOURCE_LEVEL).toContain(action);
      if (actionsOf(statement).includes("cloudwatch:PutMetricData")) {
        expect(statement.Condition).toEqual({
          StringEquals: { "cloudwatch:namespace": "CoworkingDelivery" },
        });
      }
    }
  });

  const STATE_TABLE = JSON.stringify({ "Fn::GetAtt": ["StateTable", "Arn"] });
  const STATE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"];
  /** An image's scan from ECR; under enhanced scanning ECR reads it from Inspector as the caller. */
  const SCAN_ACTIONS = ["ecr:DescribeImageScanFindings", "inspector2:ListFindings"];

  /** Each scoped action and the only resources it may touch, in the dev stage. */
  const SCOPE: Record<string, string[]> = {
    "eks:DescribeCluster": [arn("eks", `cluster/${CLUSTER}`)],
    "ecr:DescribeImages": [arn("ecr", `repository/${REPOSITORY}`)],
    "ecr:DescribeImageScanFindings": [arn("ecr", `repository/${REPOSITORY}`)],
    "codepipeline:GetPipelineExecution": [arn("codepipeline", PIPELINE)],
    "codepipeline:ListPipelineExecutions": [arn("codepipeline", PIPELINE)],
    "codepipeline:ListActionExecutions": [arn("codepipeline", PIPELINE)],
    // Text, not a Ref: the topic's key policy names the roles (see serverless/iam.cjs).
    "sns:Publish": [arn("sns", `coworking-delivery-${STAGE}-notifications`)],
    "dynamodb:GetItem": [STATE_TABLE],
    "dynamodb:PutItem": [STATE_TABLE],
    "dynamodb:DeleteItem": [STATE_TABLE],
    "dynamodb:Query": [STATE_TABLE],
    "dynamodb:UpdateItem": [STATE_TABLE],
    "ssm:GetParameter": [arn("ssm", `parameter/coworking/${STAGE}/slack-webhook`)],
    "cloudwatch:PutMetricAlarm": [arn("cloudwatch", "alarm:coworking-*")],
    "cloudwatch:PutCompositeAlarm": [arn("cloudwatch", "alarm:coworking-*")],
    "cloudwatch:DeleteAlarms": [arn("cloudwatch", "alarm:coworking-*")],
    "cloudwatch:TagResource": [arn("cloudwatch", "alarm:coworking-*")],
    "cloudwatch:DescribeAlarms": [arn("cloudwatch", "alarm:*")],
    // onSlackAction's asynchronous invocation of itself, and of nothing else.
    "lambda:InvokeFunction": [arn("lambda", `function:coworking-delivery-${STAGE}-onSlackAction`)],
  };

  /** The IAM summary: what each function may do (beyond its own logs and dead-letter queue). */
  const EXPECTED_ACTIONS: Record<FunctionName, string[]> = {
    onImagePush: [
      "eks:DescribeCluster",
      "ecr:DescribeImages",
      "codepipeline:GetPipelineExecution",
      "codepipeline:ListPipelineExecutions",
      "codepipeline:ListActionExecutions",
      ...STATE_ACTIONS,
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    reconcile: [
      "eks:DescribeCluster",
      "ecr:DescribeImages",
      ...SCAN_ACTIONS,
      ...STATE_ACTIONS,
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    onPipelineEvent: [
      "codepipeline:GetPipelineExecution",
      "codepipeline:ListPipelineExecutions",
      "codepipeline:ListActionExecutions",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      // release threads, under release#… keys only
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    weeklyDigest: [
      "cloudwatch:GetMetricData",
      "cloudwatch:ListMetrics",
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    publishAlarms: [
      "eks:DescribeCluster",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:PutCompositeAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:TagResource",
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    onAlarmStateChange: [
      "eks:DescribeCluster",
      "cloudwatch:DescribeAlarms",
      ...STATE_ACTIONS,
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    reportCost: [
      "eks:DescribeCluster",
      "pricing:GetProducts",
      "ec2:DescribeSpotPriceHistory",
      "cloudwatch:GetMetricData",
      "cloudwatch:ListMetrics",
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    onDecision: [
      "eks:DescribeCluster",
      "ecr:DescribeImages",
      ...SCAN_ACTIONS,
      ...STATE_ACTIONS,
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    onImageScan: [
      "eks:DescribeCluster",
      "ecr:DescribeImages",
      ...SCAN_ACTIONS,
      ...STATE_ACTIONS,
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
    onSlackAction: [
      "eks:DescribeCluster",
      "ecr:DescribeImages",
      ...SCAN_ACTIONS,
      // the decision path's records, under their own keys only
      ...STATE_ACTIONS,
      // the request claims, under slack-nonce#… keys only
      "dynamodb:PutItem",
      "lambda:InvokeFunction",
      "cloudwatch:PutMetricData",
      "sns:Publish",
      "ssm:GetParameter",
    ],
  };

  it.each(FUNCTIONS)("%s: exactly its own actions, each scoped to the configured resources", (name) => {
    // Only a function with a dead-letter queue may send to it (and only to its own).
    const statements = statementsOfRole(`${logicalName(name)}Role`);
    const actions = statements.flatMap(actionsOf);
    const own = ["logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"];
    expect(actions.filter((action) => !own.includes(action)).sort()).toEqual(
      [...EXPECTED_ACTIONS[name]].sort(),
    );
    for (const statement of statements) {
      for (const action of actionsOf(statement)) {
        const scope = SCOPE[action];
        if (scope) expect([action, resourcesOf(statement)]).toEqual([action, scope]);
      }
    }
    const byAction = (action: string) =>
      statements.find((statement) => actionsOf(statement).includes(action));
    expect(resourcesOf(byAction("logs:PutLogEvents") as Statement)).toEqual([
      arn("logs", `log-group:/aws/lambda/coworking-delivery-${STAGE}-${name}:*`),
    ]);
    if (SYNCHRONOUS_FUNCTIONS.includes(name)) expect(byAction("sqs:SendMessage")).toBeUndefined();
    else
      expect(resourcesOf(byAction("sqs:SendMessage") as Statement)).toEqual([
        JSON.stringify({ "Fn::GetAtt": [`${logicalName(name)}DeadLetterQueue`, "Arn"] }),
      ]);
  });

  it("lets only Lambda assume the function roles", () => {
    for (const name of FUNCTIONS) {
      const [trust] = props(`${logicalName(name)}Role`).AssumeRolePolicyDocument.Statement;
      expect(trust.Principal).toEqual({ Service: "lambda.amazonaws.com" });
      expect(trust.Action).toBe("sts:AssumeRole");
    }
  });
});

describe("cluster access", () => {
  /** One group per need: the rollout functions patch Deployments, the others only read. */
  const GROUP: Record<string, string> = {
    onImagePush: "coworking:delivery-writer",
    reconcile: "coworking:delivery-writer",
    onAlarmStateChange: "coworking:delivery-writer",
    onDecision: "coworking:delivery-writer",
    onImageScan: "coworking:delivery-writer",
    onSlackAction: "coworking:delivery-writer",
    publishAlarms: "coworking:delivery-reader",
    reportCost: "coworking:delivery-reader",
  };

  it("maps each rollout function's role to coworking:delivery-writer and each reading one's to coworking:delivery-reader", () => {
    const entries = resourcesOfType(template, "AWS::EKS::AccessEntry").map(([, entry]) => entry.Properties);
    const kubernetesFunctions = FUNCTIONS.filter((name) =>
      (props(`${logicalName(name)}Role`).Policies[0].PolicyDocument.Statement as { Action: string[] }[]).some(
        (statement) => statement.Action.includes("eks:DescribeCluster"),
      ),
    );
    expect(kubernetesFunctions).toEqual([
      "onImagePush",
      "reconcile",
      "publishAlarms",
      "onAlarmStateChange",
      "reportCost",
      "onDecision",
      "onImageScan",
      "onSlackAction",
    ]);
    expect(entries).toHaveLength(kubernetesFunctions.length);
    for (const name of kubernetesFunctions) {
      expect(entries).toContainEqual({
        ClusterName: CLUSTER,
        PrincipalArn: { "Fn::GetAtt": [`${logicalName(name)}Role`, "Arn"] },
        Type: "STANDARD",
        KubernetesGroups: [GROUP[name]],
        Tags: [{ Key: "project", Value: "coworking" }],
      });
    }
  });
});

describe("state table", () => {
  it("is one pay-per-request table, pk/sk strings, TTL on expiresAt, PITR, SSE, tagged, no protection in dev", () => {
    const tables = resourcesOfType(template, "AWS::DynamoDB::Table");
    expect(tables.map(([id]) => id)).toEqual(["StateTable"]);
    expect(props("StateTable")).toEqual({
      TableName: `coworking-delivery-${STAGE}-state`,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: false,
      Tags: [{ Key: "project", Value: "coworking" }],
    });
  });

  it("names the table in the environment of the functions that use it only", () => {
    for (const name of FUNCTIONS) {
      const variables = props(`${logicalName(name)}LambdaFunction`).Environment.Variables;
      const expected = [
        "onImagePush",
        "reconcile",
        "onAlarmStateChange",
        "onDecision",
        "onImageScan",
        "onPipelineEvent",
        "onSlackAction",
      ].includes(name)
        ? { Ref: "StateTable" }
        : undefined;
      expect([name, variables.STATE_TABLE_NAME]).toEqual([name, expected]);
    }
  });

  it("lets onSlackAction claim requests only under slack-nonce#…, and touch only the decision path's partitions", () => {
    const statements = props("OnSlackActionRole").Policies[0].PolicyDocument.Statement as Cfn[];
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid("ClaimSlackRequestNonces")).toMatchObject({
      Action: ["dynamodb:PutItem"],
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["slack-nonce#*"] } },
    });
    expect(bySid("ReadWriteDecisionRecords").Condition).toEqual({
      "ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": ["quarantine#*", "scan#*", "refusal#*", "release#*"],
      },
    });
    // Every DynamoDB statement of the role is scoped by key.
    for (const statement of statements.filter((candidate) =>
      JSON.stringify(candidate.Action).includes("dynamodb:"),
    ))
      expect(statement.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"].length).toBeGreaterThan(
        0,
      );
  });

  it("lets onPipelineEvent write idempotency records only in its own partition of the table", () => {
    const statements = props(`${logicalName("onPipelineEvent")}Role`).Policies[0].PolicyDocument
      .Statement as {
      Sid: string;
      Condition?: unknown;
    }[];
    expect(statements.find((statement) => statement.Sid === "RecordOwnIdempotencyKeys")?.Condition).toEqual({
      "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["idempotency#onPipelineEvent"] },
    });
  });
});

describe("deployment bucket", () => {
  it("blocks every kind of public access and still refuses requests without TLS", () => {
    expect(props("ServerlessDeploymentBucket").PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const statements = props("ServerlessDeploymentBucketPolicy").PolicyDocument.Statement as Cfn[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Principal: "*",
        Condition: { Bool: { "aws:SecureTransport": false } },
      }),
    );
  });
});

describe("failure alarms and notifications", () => {
  const publisherRoles = FUNCTIONS.map((name) => ({ "Fn::GetAtt": [`${logicalName(name)}Role`, "Arn"] }));

  it("encrypts the topic with its own rotated KMS key that CloudWatch and the function roles (through SNS) may use", () => {
    expect(props("NotificationTopic").KmsMasterKeyId).toEqual({ "Fn::GetAtt": ["NotificationKey", "Arn"] });
    const key = props("NotificationKey");
    expect(key.EnableKeyRotation).toBe(true);
    const statements = key.KeyPolicy.Statement as Cfn[];
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid("CloudWatchAlarmsPublish")).toEqual({
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
    });
    expect(bySid("FunctionsPublishThroughSns")).toMatchObject({
      Effect: "Allow",
      Principal: { AWS: publisherRoles },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Condition: { StringEquals: { "kms:ViaService": { "Fn::Sub": `sns.\${AWS::Region}.amazonaws.com` } } },
    });
    // the account keeps control of its key; nobody else is named
    expect(statements.map((statement) => statement.Sid)).toEqual([
      "AccountAdministersTheKey",
      "CloudWatchAlarmsPublish",
      "FunctionsPublishThroughSns",
    ]);
  });

  it("lets only the function roles and this account's alarms publish, and nobody without TLS", () => {
    const policy = props("NotificationTopicPolicy");
    expect(policy.Topics).toEqual([{ Ref: "NotificationTopic" }]);
    expect(policy.PolicyDocument.Statement).toEqual([
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
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
      {
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:*",
        Resource: { Ref: "NotificationTopic" },
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("alarms on any dead letter and on any function error, to the topic", () => {
    for (const name of FUNCTIONS) {
      const errors = props(`${logicalName(name)}ErrorsAlarm`);
      expect(errors).toMatchObject({
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: `${logicalName(name)}LambdaFunction` } }],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmActions: [{ Ref: "NotificationTopic" }],
      });
      // A function called synchronously only has no queue, so no dead letters to alarm on.
      if (SYNCHRONOUS_FUNCTIONS.includes(name)) {
        expect(template.Resources[`${logicalName(name)}DeadLetterAlarm`]).toBeUndefined();
        continue;
      }
      const deadLetters = props(`${logicalName(name)}DeadLetterAlarm`);
      expect(deadLetters).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [
          {
            Name: "QueueName",
            Value: { "Fn::GetAtt": [`${logicalName(name)}DeadLetterQueue`, "QueueName"] },
          },
        ],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmActions: [{ Ref: "NotificationTopic" }],
      });
      // coworking- names belong to the per-deployment alarms that trigger rollbacks.
      for (const alarm of [deadLetters, errors]) expect(alarm.AlarmName).not.toMatch(/^coworking-/);
    }
  });

  it("alarms when a notification sink still fails after its retries: NotificationFailures of any sink, to the topic", () => {
    const alarm = props("NotificationFailuresAlarm");
    expect(alarm).toMatchObject({
      AlarmName: `delivery-ops-${STAGE}-notification-failures`,
      Metrics: [
        {
          Id: "notificationFailures",
          Expression: `SELECT SUM(${Metric.NotificationFailures}) FROM CoworkingDelivery`,
          Period: 300,
          ReturnData: true,
        },
      ],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: "NotificationTopic" }],
      OKActions: [{ Ref: "NotificationTopic" }],
    });
    // A metric math or Insights alarm names no single metric.
    expect(alarm.MetricName).toBeUndefined();
  });

  it("has exactly these ops alarms, all delivery-ops-<stage>-… and all to the topic", () => {
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm");
    expect(alarms.map(([id]) => id).sort()).toEqual(
      [
        ...QUEUED_FUNCTIONS.map((name) => `${logicalName(name)}DeadLetterAlarm`),
        ...FUNCTIONS.map((name) => `${logicalName(name)}ErrorsAlarm`),
        "NotificationFailuresAlarm",
      ].sort(),
    );
    for (const [, alarm] of alarms) {
      expect(alarm.Properties?.AlarmName).toMatch(new RegExp(`^delivery-ops-${STAGE}-`));
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: "NotificationTopic" }]);
    }
  });

  it("subscribes the e-mail only when the alarmEmail param is set", () => {
    expect(resource("NotificationTopic").Type).toBe("AWS::SNS::Topic");
    expect(template.Parameters?.AlarmEmail?.Default).toBe("");
    expect(template.Conditions?.HasAlarmEmail).toEqual({
      "Fn::Not": [{ "Fn::Equals": [{ Ref: "AlarmEmail" }, ""] }],
    });
    expect(resource("NotificationEmailSubscription")).toMatchObject({
      Condition: "HasAlarmEmail",
      Properties: {
        Protocol: "email",
        Endpoint: { Ref: "AlarmEmail" },
        TopicArn: { Ref: "NotificationTopic" },
      },
    });
  });

  it("runs publishAlarms after each successful rollout: a topic subscription filtered on the event attribute", () => {
    const lambdaSubscriptions = resourcesOfType(template, "AWS::SNS::Subscription")
      .map(([, subscription]) => subscription.Properties)
      .filter((properties) => properties?.Protocol === "lambda");
    expect(lambdaSubscriptions).toHaveLength(1);
    expect(lambdaSubscriptions[0]).toMatchObject({
      TopicArn: { Ref: "NotificationTopic" },
      Endpoint: { "Fn::GetAtt": ["PublishAlarmsLambdaFunction", "Arn"] },
      FilterPolicy: { event: ["rollout.succeeded"] },
    });
  });
});

describe("dashboard", () => {
  it("shows every CoworkingDelivery metric the functions emit, and the change failure rate from settled releases only", () => {
    const body = JSON.parse(text(props("DeliveryDashboard").DashboardBody)) as { widgets: unknown[] };
    const shown = new Set(
      [...JSON.stringify(body).matchAll(/MetricName=\\"(\w+)\\"/g)].map((match) => match[1]),
    );
    expect([...shown].sort()).toEqual(Object.values(Metric).sort());
    // One ChangeFailureRate sample per settled release; counting rollout events would count a
    // release that completed and was then rolled back twice.
    const failureRate = (body.widgets as { properties?: { title?: string; metrics?: unknown[] } }[]).find(
      (widget) => widget.properties?.title === "DORA: change failure rate",
    );
    expect(failureRate?.properties?.metrics).toHaveLength(1);
    expect(JSON.stringify(failureRate)).toContain('MetricName=\\"ChangeFailureRate\\"');
    expect(body.widgets.length).toBeGreaterThanOrEqual(10);
  });
});

describe("seed pipeline (behind the seedPipeline param)", () => {
  it("puts every seed resource under the CreateSeedPipeline condition, off by default", () => {
    expect(template.Parameters?.SeedPipeline?.Default).toBe("false");
    const seeded = Object.entries(template.Resources)
      .filter(([, r]) => r.Condition === "CreateSeedPipeline")
      .map(([id]) => id)
      .sort();
    expect(seeded).toEqual(
      [
        "BuildPipeline",
        "ContainerInsightsAddon",
        "ContainerInsightsRole",
        "ImageBuildProject",
        "ImageBuildRole",
        "ImageRepository",
        "PipelineArtifactBucket",
        "PipelineRole",
      ].sort(),
    );
  });

  it("creates an immutable, scanned ECR repository with a lifecycle policy", () => {
    const repository = props("ImageRepository");
    expect(repository).toMatchObject({
      RepositoryName: REPOSITORY,
      ImageTagMutability: "IMMUTABLE",
      ImageScanningConfiguration: { ScanOnPush: true },
    });
    const lifecycle = JSON.parse(repository.LifecyclePolicy.LifecyclePolicyText) as { rules: unknown[] };
    expect(lifecycle.rules).toHaveLength(2);
  });

  it("builds buildspec.yml in privileged CodeBuild from a CodePipeline V2 on a CodeConnections source", () => {
    expect(props("ImageBuildProject")).toMatchObject({
      Source: { Type: "CODEPIPELINE", BuildSpec: "buildspec.yml" },
      Environment: { PrivilegedMode: true },
    });
    const pipeline = props("BuildPipeline");
    expect(pipeline).toMatchObject({ Name: PIPELINE, PipelineType: "V2" });
    expect(pipeline.Stages[0].Actions[0]).toMatchObject({
      ActionTypeId: { Category: "Source", Provider: "CodeStarSourceConnection" },
      Configuration: { ConnectionArn: { Ref: "CodeConnectionArn" } },
    });
    expect(pipeline.Stages[1].Actions[0].ActionTypeId).toMatchObject({
      Category: "Build",
      Provider: "CodeBuild",
    });
    expect(props("ContainerInsightsAddon")).toMatchObject({
      ClusterName: CLUSTER,
      AddonName: "amazon-cloudwatch-observability",
    });
  });
});

describe("tags", () => {
  const TAGGED_TYPES = [
    "AWS::Lambda::Function",
    "AWS::IAM::Role",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::CloudWatch::Alarm",
    "AWS::EKS::AccessEntry",
    "AWS::EKS::Addon",
    "AWS::ECR::Repository",
    "AWS::S3::Bucket",
    "AWS::CodeBuild::Project",
    "AWS::CodePipeline::Pipeline",
    "AWS::DynamoDB::Table",
    "AWS::KMS::Key",
  ];

  it("tags every taggable resource project=coworking", () => {
    const tagged = Object.entries(template.Resources).filter(
      ([id, r]) => TAGGED_TYPES.includes(r.Type) && id !== "ServerlessDeploymentBucket",
    );
    expect(tagged.length).toBeGreaterThan(40);
    for (const [id, r] of tagged) {
      expect([id, r.Properties?.Tags]).toEqual([
        id,
        expect.arrayContaining([{ Key: "project", Value: "coworking" }]),
      ]);
    }
  });
});

describe("bundles", () => {
  it.each(FUNCTIONS)("%s: one ESM handler bundle (and its source map), no node_modules", (name) => {
    const files = bundleEntries(join(run.dir, `${name}.zip`)).map((file) => file.name);
    expect(files.sort()).toEqual([
      `functions/handlers/${name}/handler.mjs`,
      `functions/handlers/${name}/handler.mjs.map`,
    ]);
  });

  it.each(FUNCTIONS)("%s: the minified handler is within the 2.5 MB budget", (name) => {
    const handler = bundleEntries(join(run.dir, `${name}.zip`)).find(
      (file) => file.name === `functions/handlers/${name}/handler.mjs`,
    );
    expect(handler?.size).toBeGreaterThan(0);
    expect(handler?.size).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });

  it.each(FUNCTIONS)(
    "%s: the packaged bundle loads in Node 24, exports handler(), and writes nothing to stderr",
    (name) => {
      const dir = join(run.dir, "unzipped", name);
      mkdirSync(dir, { recursive: true });
      extractZip(join(run.dir, `${name}.zip`), dir);
      // A fresh process, as a Lambda cold start: ESM, its CommonJS dependencies through `require`.
      const load = spawnSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(join(dir, "functions", "handlers", name, "handler.mjs"))}); console.log(typeof m.handler);`,
        ],
        { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } },
      );
      expect([load.stdout.trim(), load.status]).toEqual(["function", 0]);
      // Every cold start's stderr lands in the function's log: a deprecation warning there is noise.
      expect(load.stderr).toBe("");
    },
  );

  it("defines require for CommonJS dependencies inside the ESM bundle", () => {
    const handler = readZip(join(run.dir, "onImagePush.zip"))
      .find((entry) => entry.name === "functions/handlers/onImagePush/handler.mjs")
      ?.read()
      .toString("utf8");
    expect(handler?.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
  });
});

/** Who may call onDecision's URL in the prod package: a role (with a path) and a user. */
const APPROVERS = [
  "arn:aws:iam::111122223333:role/platform/release-managers",
  "arn:aws:iam::111122223333:user/alice",
];

describe("stage prod with every option (VPC, seed pipeline, e-mail, two clusters, another registry, approvers)", () => {
  let prod: Template;
  let prodDir: string;
  let packaged: PackageRun | undefined;
  afterAll(() => packaged?.remove());
  beforeAll(() => {
    packaged = runPackage([
      "--stage",
      "prod",
      "--param=clusters=coworking-prod,coworking-prod-eu",
      "--param=repositories=coworking-analytics,platform/base",
      "--param=pipelines=coworking-analytics",
      "--param=registryAccountIds=210987654321",
      "--param=alarmEmail=platform@example.com",
      "--param=subnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef1",
      "--param=securityGroupIds=sg-0123456789abcdef0",
      "--param=seedPipeline=true",
      "--param=codeConnectionArn=arn:aws:codeconnections:us-east-1:111122223333:connection/5f0c1d2e-aaaa-bbbb-cccc-0123456789ab",
      "--param=sourceRepository=acme/coworking",
      `--param=approverPrincipals=${APPROVERS.join(",")}`,
      "--param=slackBotTokenParameter=/coworking/prod/slack-bot-token",
      "--param=slackChannel=#deploys",
      "--param=slackSigningSecretParameter=/coworking/prod/slack-signing-secret",
      "--param=slackApprovers=U0ALICE01,S0RELEASES",
    ]);
    if (packaged.status !== 0)
      throw new Error(`serverless package failed (exit ${packaged.status}):\n${packaged.output}`);
    prodDir = packaged.dir;
    prod = readTemplate(prodDir);
  }, 600_000);

  it("passes cfn-lint with zero findings", () => {
    expect(cfnLint(prodDir)).toEqual({ status: 0, output: "" });
  });

  it("puts every function in the VPC, with the ENI policy on its role", () => {
    for (const name of FUNCTIONS) {
      const fn = props(`${logicalName(name)}LambdaFunction`, prod);
      expect(fn.VpcConfig).toEqual({
        SubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        SecurityGroupIds: ["sg-0123456789abcdef0"],
      });
      expect(props(`${logicalName(name)}Role`, prod).ManagedPolicyArns.map(text)).toEqual([
        `arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`,
      ]);
    }
  });

  it("scopes clusters, repositories (own and other registry) and access entries to the params", () => {
    const statements = props("OnImagePushRole", prod).Policies[0].PolicyDocument.Statement;
    const resourcesFor = (action: string) =>
      statements.find((statement: Cfn) => statement.Action.includes(action)).Resource.map(text);
    expect(resourcesFor("eks:DescribeCluster")).toEqual([
      arn("eks", "cluster/coworking-prod"),
      arn("eks", "cluster/coworking-prod-eu"),
    ]);
    expect(resourcesFor("ecr:DescribeImages")).toEqual([
      arn("ecr", "repository/coworking-analytics"),
      `arn:\${AWS::Partition}:ecr:\${AWS::Region}:210987654321:repository/coworking-analytics`,
      arn("ecr", "repository/platform/base"),
      `arn:\${AWS::Partition}:ecr:\${AWS::Region}:210987654321:repository/platform/base`,
    ]);
    const entries = resourcesOfType(prod, "AWS::EKS::AccessEntry").map(
      ([, entry]) => (entry.Properties as Cfn).ClusterName,
    );
    expect(entries.filter((cluster) => cluster === "coworking-prod")).toHaveLength(8);
    expect(entries.filter((cluster) => cluster === "coworking-prod-eu")).toHaveLength(8);
    const rules = resourcesOfType(prod, "AWS::Events::Rule").map(([, r]) => r.Properties as Cfn);
    const onImagePush = rules.find((r) => r.Name === "coworking-delivery-prod-onImagePush");
    expect(onImagePush.EventPattern.detail["repository-name"]).toEqual([
      "coworking-analytics",
      "platform/base",
    ]);
  });

  it("lets exactly the approverPrincipals call onDecision's URL: both actions each, the second only through the URL", () => {
    const onDecision = JSON.stringify({ "Fn::GetAtt": ["OnDecisionLambdaFunction", "Arn"] });
    const permissions = resourcesOfType(prod, "AWS::Lambda::Permission")
      .map(([, permission]) => permission.Properties as Cfn)
      .filter((properties) => JSON.stringify(properties.FunctionName) === onDecision);
    const expected = APPROVERS.flatMap((principal) => [
      {
        FunctionName: { "Fn::GetAtt": ["OnDecisionLambdaFunction", "Arn"] },
        Action: "lambda:InvokeFunctionUrl",
        Principal: principal,
        FunctionUrlAuthType: "AWS_IAM",
      },
      {
        FunctionName: { "Fn::GetAtt": ["OnDecisionLambdaFunction", "Arn"] },
        Action: "lambda:InvokeFunction",
        Principal: principal,
        InvokedViaFunctionUrl: true,
      },
    ]);
    expect(permissions).toHaveLength(expected.length);
    for (const permission of expected) expect(permissions).toContainEqual(permission);
    // Nobody else; the one public URL is onSlackAction's, whose requests Slack signs.
    for (const [, permission] of resourcesOfType(prod, "AWS::Lambda::Permission")) {
      const properties = permission.Properties as Cfn;
      if (properties.Principal === "*")
        expect(properties.FunctionName).toEqual({ "Fn::GetAtt": ["OnSlackActionLambdaFunction", "Arn"] });
    }
    expect(props("OnDecisionLambdaFunctionUrl", prod).AuthType).toBe("AWS_IAM");
  });

  it("gives onSlackAction the signing secret's parameter and the approvers, and lets it read that secret and the bot token only", () => {
    const variables = props("OnSlackActionLambdaFunction", prod).Environment.Variables;
    expect(variables).toMatchObject({
      SLACK_SIGNING_SECRET_PARAMETER: "/coworking/prod/slack-signing-secret",
      SLACK_APPROVERS: "U0ALICE01,S0RELEASES",
    });
    for (const name of FUNCTIONS.filter((candidate) => candidate !== "onSlackAction"))
      expect(
        props(`${logicalName(name)}LambdaFunction`, prod).Environment.Variables.SLACK_APPROVERS,
      ).toBeUndefined();
    const statements = props("OnSlackActionRole", prod).Policies[0].PolicyDocument.Statement as Cfn[];
    const parameters = statements
      .filter((statement) => statement.Action.includes("ssm:GetParameter"))
      .map((statement) => text(statement.Resource))
      .sort();
    expect(parameters).toEqual(
      [
        arn("ssm", "parameter/coworking/prod/slack-bot-token"),
        arn("ssm", "parameter/coworking/prod/slack-signing-secret"),
        arn("ssm", "parameter/coworking/prod/slack-webhook"),
      ].sort(),
    );
    // No other function may read the signing secret.
    for (const name of FUNCTIONS.filter((candidate) => candidate !== "onSlackAction"))
      expect(JSON.stringify(props(`${logicalName(name)}Role`, prod))).not.toContain("slack-signing-secret");
  });

  it("scans the configured repositories' images: both onImageScan rules name each repository", () => {
    const rules = resourcesOfType(prod, "AWS::Events::Rule").map(([, r]) => r.Properties as Cfn);
    const pattern = (name: string) => rules.find((r) => r.Name === name).EventPattern;
    expect(pattern("coworking-delivery-prod-onImageScan")).toEqual(
      ecrImageScanEventPattern(["coworking-analytics", "platform/base"]),
    );
    expect(pattern("coworking-delivery-prod-onImageScan-inspector")).toEqual(
      inspectorScanEventPattern(["coworking-analytics", "platform/base"]),
    );
  });

  it("protects the state table from deletion outside dev", () => {
    expect(props("StateTable", prod).DeletionProtectionEnabled).toBe(true);
  });

  it("defaults the seed and e-mail parameters to the params, so the conditions hold", () => {
    expect(prod.Parameters?.SeedPipeline?.Default).toBe("true");
    expect(prod.Parameters?.AlarmEmail?.Default).toBe("platform@example.com");
    expect(prod.Parameters?.SourceRepository?.Default).toBe("acme/coworking");
    expect(props("ContainerInsightsAddon", prod).ClusterName).toBe("coworking-prod");
  });
});
