// serverless/settings.cjs: the stage params (strings, as `--param` delivers them) become the
// validated settings the template is built from, or one error that lists every problem.
import { createRequire } from "node:module";

interface Settings {
  clusters: string[];
  namespaces: string[];
  repositories: string[];
  pipelines: string[];
  registryAccountIds: string[];
  slackParameter: string;
  vpc: { subnetIds: string[]; securityGroupIds: string[] } | null;
  seedPipeline: string;
  sourceBranch: string;
  stateTableDeletionProtection: boolean;
  approverPrincipals: string[];
  slackSigningSecretParameter: string;
  slackApprovers: string[];
  inspectorRepositoryPatterns: { suffix: string }[];
  environment: Record<string, string>;
}
type SettingsFrom = (stage: string, raw: Record<string, string>) => Settings;

const settingsModule = createRequire(import.meta.url)("../../../serverless/settings.cjs") as {
  settingsFrom: SettingsFrom;
};
const { settingsFrom } = settingsModule;

/** What a stage gets from `params.default` in serverless.yml when nothing else is given. */
const defaults: Record<string, string> = {
  namespaces: "coworking",
  slackParameter: "/coworking/prod/slack-webhook",
  alarmEmail: "",
  registryAccountIds: "",
  rolloutWaitSeconds: "",
  reconcileSchedule: "rate(5 minutes)",
  subnetIds: "",
  securityGroupIds: "",
  seedPipeline: "false",
  codeConnectionArn: "",
  sourceRepository: "",
  sourceBranch: "main",
  stateTableDeletionProtection: "true",
  approverPrincipals: "",
  slackBotTokenParameter: "",
  slackChannel: "",
  slackSigningSecretParameter: "",
  slackApprovers: "",
};
const required = {
  clusters: "coworking-prod",
  repositories: "coworking-analytics",
  pipelines: "coworking-analytics",
};

function problemsOf(raw: Record<string, string>): string {
  try {
    settingsFrom("prod", raw);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the settings to be rejected");
}

describe("settingsFrom", () => {
  it("splits comma lists, trims them and builds the functions' environment from them", () => {
    const settings = settingsFrom("prod", {
      ...defaults,
      ...required,
      clusters: " a-1 , b_2,,",
      namespaces: "coworking,coworking-canary",
      registryAccountIds: "123456789012",
    });
    expect(settings.clusters).toEqual(["a-1", "b_2"]);
    expect(settings.namespaces).toEqual(["coworking", "coworking-canary"]);
    expect(settings.vpc).toBeNull();
    expect(settings.environment).toEqual({
      EKS_CLUSTERS: "a-1,b_2",
      ROLLOUT_NAMESPACES: "coworking,coworking-canary",
      ROLLOUT_WAIT_SECONDS: "",
      REGISTRY_ACCOUNT_IDS: "123456789012",
      PIPELINES: "coworking-analytics",
      SLACK_BOT_TOKEN_PARAMETER: "",
      SLACK_CHANNEL: "",
    });
  });

  it("takes a Slack bot token parameter only with a channel, each strictly", () => {
    const base = { ...defaults, ...required };
    const threads = settingsFrom("prod", {
      ...base,
      slackBotTokenParameter: "/coworking/prod/slack-bot-token",
      slackChannel: "C0123ABCD9",
    });
    expect(threads.environment).toMatchObject({
      SLACK_BOT_TOKEN_PARAMETER: "/coworking/prod/slack-bot-token",
      SLACK_CHANNEL: "C0123ABCD9",
    });
    expect(problemsOf({ ...base, slackBotTokenParameter: "/coworking/prod/slack-bot-token" })).toContain(
      'param "slackChannel" is required with slackBotTokenParameter',
    );
    expect(
      problemsOf({ ...base, slackBotTokenParameter: "coworking/token", slackChannel: "#deploys" }),
    ).toContain('param "slackBotTokenParameter" must be an SSM parameter path');
    expect(problemsOf({ ...base, slackChannel: "deploys" })).toContain('param "slackChannel" must be');
  });

  it("takes Slack's signing secret parameter only with the bot token, and approvers only with the secret, by id", () => {
    const base = {
      ...defaults,
      ...required,
      slackBotTokenParameter: "/coworking/prod/slack-bot-token",
      slackChannel: "#deploys",
    };
    const buttons = settingsFrom("prod", {
      ...base,
      slackSigningSecretParameter: "/coworking/prod/slack-signing-secret",
      slackApprovers: "U0ALICE01, S0RELEASES,W0GRIDUSER",
    });
    expect(buttons.slackSigningSecretParameter).toBe("/coworking/prod/slack-signing-secret");
    expect(buttons.slackApprovers).toEqual(["U0ALICE01", "S0RELEASES", "W0GRIDUSER"]);
    // Both are onSlackAction's own (serverless/functionResources.cjs), not every function's.
    expect(buttons.environment).not.toHaveProperty("SLACK_APPROVERS");
    expect(settingsFrom("prod", { ...defaults, ...required })).toMatchObject({
      slackSigningSecretParameter: "",
      slackApprovers: [],
    });

    expect(
      problemsOf({
        ...defaults,
        ...required,
        slackSigningSecretParameter: "/coworking/prod/slack-signing-secret",
      }),
    ).toContain('param "slackBotTokenParameter" is required with slackSigningSecretParameter');
    expect(problemsOf({ ...base, slackApprovers: "U0ALICE01" })).toContain(
      'param "slackSigningSecretParameter" is required with slackApprovers',
    );
    expect(problemsOf({ ...base, slackSigningSecretParameter: "coworking/secret" })).toContain(
      'param "slackSigningSecretParameter" must be an SSM parameter path',
    );
    const secret = { ...base, slackSigningSecretParameter: "/coworking/prod/slack-signing-secret" };
    expect(problemsOf({ ...secret, slackApprovers: "alice,#deploys,U0ALICE01" })).toContain(
      'param "slackApprovers" has invalid entries: alice, #deploys',
    );
    expect(problemsOf({ ...secret, slackApprovers: "U0ALICE01,U0ALICE01" })).toContain(
      'param "slackApprovers" names an id twice',
    );
  });

  it("names every missing required param in one error, with an example of the --param to pass", () => {
    const message = problemsOf(defaults);
    expect(message).toContain('stage "prod"');
    for (const name of ["clusters", "repositories", "pipelines"]) {
      expect(message).toContain(`param "${name}" is required`);
      expect(message).toContain(`--param=${name}=`);
    }
    expect(message).not.toContain('"namespaces"');
  });

  it("rejects malformed entries by name", () => {
    const message = problemsOf({
      ...defaults,
      ...required,
      clusters: "ok,not a cluster",
      namespaces: "Upper",
      repositories: "UPPER/case",
      registryAccountIds: "12345",
      slackParameter: "no-leading-slash",
      alarmEmail: "not-an-address",
      rolloutWaitSeconds: "0",
      reconcileSchedule: "every 5 minutes",
    });
    expect(message).toContain('param "clusters" has invalid entries: not a cluster');
    expect(message).toContain('param "namespaces" has invalid entries: Upper');
    expect(message).toContain('param "repositories" has invalid entries: UPPER/case');
    expect(message).toContain('param "registryAccountIds" has invalid entries: 12345');
    expect(message).toContain('param "slackParameter" must be an SSM parameter path');
    expect(message).toContain('param "alarmEmail" must be an e-mail address');
    expect(message).toContain('param "rolloutWaitSeconds" must be a positive whole number');
    expect(message).toContain('param "reconcileSchedule" must be a rate(...) or cron(...)');
  });

  it("takes subnets and security groups together, and only in AWS's id format", () => {
    expect(problemsOf({ ...defaults, ...required, subnetIds: "subnet-0123456789abcdef0" })).toContain(
      'params "subnetIds" and "securityGroupIds" must be given together',
    );
    expect(
      problemsOf({ ...defaults, ...required, subnetIds: "subnet-0abc", securityGroupIds: "sg-0abc" }),
    ).toContain('param "subnetIds" has invalid entries: subnet-0abc');
    const settings = settingsFrom("prod", {
      ...defaults,
      ...required,
      subnetIds: "subnet-0123456789abcdef0,subnet-01234567",
      securityGroupIds: "sg-0123456789abcdef0",
    });
    expect(settings.vpc).toEqual({
      subnetIds: ["subnet-0123456789abcdef0", "subnet-01234567"],
      securityGroupIds: ["sg-0123456789abcdef0"],
    });
  });

  it("requires the connection and the source repository only when the seed pipeline is on", () => {
    const message = problemsOf({ ...defaults, ...required, seedPipeline: "true" });
    expect(message).toContain('param "codeConnectionArn" is required when seedPipeline=true');
    expect(message).toContain('param "sourceRepository" is required when seedPipeline=true');
    expect(problemsOf({ ...defaults, ...required, seedPipeline: "yes" })).toContain(
      'param "seedPipeline" must be "true" or "false"',
    );
    const seeded = settingsFrom("prod", {
      ...defaults,
      ...required,
      seedPipeline: "true",
      codeConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/5f0c1d2e",
      sourceRepository: "acme/coworking",
      sourceBranch: "",
    });
    expect(seeded.seedPipeline).toBe("true");
    expect(seeded.sourceBranch).toBe("main");
  });

  it("turns the state table's deletion protection into a boolean, and refuses anything but true/false", () => {
    expect(settingsFrom("prod", { ...defaults, ...required }).stateTableDeletionProtection).toBe(true);
    expect(
      settingsFrom("dev", { ...defaults, ...required, stateTableDeletionProtection: "false" })
        .stateTableDeletionProtection,
    ).toBe(false);
    expect(problemsOf({ ...defaults, ...required, stateTableDeletionProtection: "yes" })).toContain(
      'param "stateTableDeletionProtection" must be "true" or "false"',
    );
  });

  it("names onDecision's callers by IAM role or user ARN, and nobody by default", () => {
    expect(settingsFrom("prod", { ...defaults, ...required }).approverPrincipals).toEqual([]);
    const named = settingsFrom("prod", {
      ...defaults,
      ...required,
      approverPrincipals:
        " arn:aws:iam::111122223333:role/platform/release-managers , arn:aws-us-gov:iam::111122223333:user/alice",
    });
    expect(named.approverPrincipals).toEqual([
      "arn:aws:iam::111122223333:role/platform/release-managers",
      "arn:aws-us-gov:iam::111122223333:user/alice",
    ]);
  });

  it.each([
    ["a wildcard", "arn:aws:iam::111122223333:role/*"],
    ["the account root", "arn:aws:iam::111122223333:root"],
    ["an account id", "111122223333"],
    [
      "an assumed-role session (it changes every sign-in)",
      "arn:aws:sts::111122223333:assumed-role/admin/alice",
    ],
    ["a group (not a principal)", "arn:aws:iam::111122223333:group/admins"],
    ["a short account", "arn:aws:iam::1111:role/admin"],
  ])("refuses %s as an approver principal", (_, principal) => {
    expect(problemsOf({ ...defaults, ...required, approverPrincipals: principal })).toContain(
      `param "approverPrincipals" has invalid entries: ${principal}`,
    );
  });

  it("refuses an approver named twice, and one longer than a resource policy takes", () => {
    const alice = "arn:aws:iam::111122223333:user/alice";
    expect(problemsOf({ ...defaults, ...required, approverPrincipals: `${alice},${alice}` })).toContain(
      'param "approverPrincipals" names a principal twice',
    );
    const long = `arn:aws:iam::111122223333:role/${"p/".repeat(70)}${"r".repeat(100)}`;
    expect(problemsOf({ ...defaults, ...required, approverPrincipals: long })).toContain(
      'param "approverPrincipals" has an ARN longer than 256 characters',
    );
  });

  it("matches Inspector's repository ARNs by suffix, one pattern per configured repository", () => {
    const settings = settingsFrom("prod", {
      ...defaults,
      ...required,
      repositories: "coworking-analytics,team/api",
    });
    expect(settings.inspectorRepositoryPatterns).toEqual([
      { suffix: ":repository/coworking-analytics" },
      { suffix: ":repository/team/api" },
    ]);
  });

  it("refuses cluster names that would share a CloudFormation logical id", () => {
    expect(problemsOf({ ...defaults, ...required, clusters: "prod-1,prod_1" })).toContain(
      'param "clusters" has names that collide once reduced to letters and digits',
    );
  });
});
