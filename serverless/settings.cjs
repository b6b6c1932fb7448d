// Turns the stage's `params:` (serverless.yml) and `--param` CLI values into the validated settings
// the template is built from. CLI params are plain strings, so lists arrive comma-separated and are
// split here, once; every other file reads the lists from here. Nothing here needs AWS credentials
// or the network, so `serverless package` works offline.
"use strict";

const PARAMS = [
  "clusters",
  "namespaces",
  "repositories",
  "pipelines",
  "slackParameter",
  "slackBotTokenParameter",
  "slackChannel",
  "alarmEmail",
  "registryAccountIds",
  "rolloutWaitSeconds",
  "reconcileSchedule",
  "subnetIds",
  "securityGroupIds",
  "seedPipeline",
  "codeConnectionArn",
  "sourceRepository",
  "sourceBranch",
  "stateTableDeletionProtection",
  "approverPrincipals",
  "slackSigningSecretParameter",
  "slackApprovers",
];

const REQUIRED_HINT = {
  clusters: "EKS cluster names the functions roll out to, e.g. --param=clusters=coworking-prod",
  repositories:
    "ECR repository names whose pushes are rolled out, e.g. --param=repositories=coworking-analytics",
  pipelines: "CodePipeline names whose events are reported, e.g. --param=pipelines=coworking-analytics",
  namespaces: "Kubernetes namespaces the functions may change, e.g. --param=namespaces=coworking",
  slackParameter:
    "SSM parameter name of the Slack webhook, e.g. --param=slackParameter=/coworking/prod/slack-webhook",
};

const PATTERNS = {
  clusters: /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
  namespaces: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  repositories: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
  pipelines: /^[A-Za-z0-9.@_-]{1,100}$/,
  registryAccountIds: /^\d{12}$/,
  subnetIds: /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/,
  securityGroupIds: /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/,
  // An IAM role or user, with its path: what a Lambda resource policy can name as a principal
  // (at most 256 characters), and what signs a decision (a role's sessions, SSO users included).
  // No wildcard and no account root: each approver is named.
  approverPrincipals: /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
  // Slack user ids (U…, W… on Enterprise Grid) and user group ids (S…): who may click Approve,
  // Reject and Roll back in Slack (functions/shared/config.ts SLACK_APPROVERS, the same grammar).
  slackApprovers: /^(?:[UW][A-Z0-9]{2,20}|S[A-Z0-9]{2,20})$/,
};

class SettingsError extends Error {
  constructor(stage, problems) {
    super(`serverless.yml params for stage "${stage}" are invalid:\n  - ${problems.join("\n  - ")}`);
    this.name = "SettingsError";
    // The framework prints `stack` of a failing ${file()} resolver; a user needs the list, not frames.
    this.stack = `${this.name}: ${this.message}`;
  }
}

function list(value) {
  return String(value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function logicalIdOf(name) {
  return name.replace(/[^A-Za-z0-9]/g, "");
}

function text(value) {
  return String(value ?? "").trim();
}

/**
 * Pure: the raw params of one stage (strings, possibly empty) to the settings, or a SettingsError
 * listing every problem at once.
 */
function settingsFrom(stage, raw) {
  const problems = [];
  const lists = {};
  for (const name of [
    "clusters",
    "namespaces",
    "repositories",
    "pipelines",
    "registryAccountIds",
    "subnetIds",
    "securityGroupIds",
    "approverPrincipals",
    "slackApprovers",
  ]) {
    lists[name] = list(raw[name]);
    const bad = lists[name].filter((item) => !PATTERNS[name].test(item));
    if (bad.length > 0) problems.push(`param "${name}" has invalid entries: ${bad.join(", ")}`);
  }
  // Cluster names become part of CloudFormation logical ids, which allow letters and digits only.
  const clusterIds = lists.clusters.map(logicalIdOf);
  if (lists.approverPrincipals.some((principal) => principal.length > 256))
    problems.push(
      'param "approverPrincipals" has an ARN longer than 256 characters (a resource policy principal)',
    );
  if (new Set(lists.approverPrincipals).size !== lists.approverPrincipals.length)
    problems.push('param "approverPrincipals" names a principal twice');
  if (new Set(clusterIds).size !== clusterIds.length)
    problems.push(
      `param "clusters" has names that collide once reduced to letters and digits: ${lists.clusters.join(", ")}`,
    );
  for (const name of ["clusters", "namespaces", "repositories", "pipelines"]) {
    if (lists[name].length === 0) problems.push(`param "${name}" is required: ${REQUIRED_HINT[name]}`);
  }

  const slackParameter = text(raw.slackParameter);
  if (slackParameter === "")
    problems.push(`param "slackParameter" is required: ${REQUIRED_HINT.slackParameter}`);
  else if (!/^\/[A-Za-z0-9_.\-/]+$/.test(slackParameter))
    problems.push(
      `param "slackParameter" must be an SSM parameter path starting with "/", got "${slackParameter}"`,
    );

  // Slack threads (docs/slack.md): a bot token in SSM, and the channel its threads go to.
  const slackBotTokenParameter = text(raw.slackBotTokenParameter);
  const slackChannel = text(raw.slackChannel);
  if (slackBotTokenParameter !== "" && !/^\/[A-Za-z0-9_.\-/]+$/.test(slackBotTokenParameter))
    problems.push(
      `param "slackBotTokenParameter" must be an SSM parameter path starting with "/" or empty, got "${slackBotTokenParameter}"`,
    );
  if (slackChannel !== "" && !/^(?:[CG][A-Z0-9]{8,20}|#[a-z0-9][a-z0-9_-]{0,79})$/.test(slackChannel))
    problems.push(`param "slackChannel" must be a channel id (C0123ABCD) or #name, got "${slackChannel}"`);
  if (slackBotTokenParameter !== "" && slackChannel === "")
    problems.push('param "slackChannel" is required with slackBotTokenParameter (where release threads go)');

  // Slack interactivity (docs/slack.md, "Buttons"): the app's signing secret in SSM, and who may
  // click. The buttons' answers need the bot token; approvers need a secret to be verified with.
  const slackSigningSecretParameter = text(raw.slackSigningSecretParameter);
  if (slackSigningSecretParameter !== "" && !/^\/[A-Za-z0-9_.\-/]+$/.test(slackSigningSecretParameter))
    problems.push(
      `param "slackSigningSecretParameter" must be an SSM parameter path starting with "/" or empty, got "${slackSigningSecretParameter}"`,
    );
  if (slackSigningSecretParameter !== "" && slackBotTokenParameter === "")
    problems.push(
      'param "slackBotTokenParameter" is required with slackSigningSecretParameter (the buttons are answered through the bot)',
    );
  if (lists.slackApprovers.length > 0 && slackSigningSecretParameter === "")
    problems.push(
      'param "slackSigningSecretParameter" is required with slackApprovers (no click can be verified without it)',
    );
  if (new Set(lists.slackApprovers).size !== lists.slackApprovers.length)
    problems.push('param "slackApprovers" names an id twice');

  const alarmEmail = text(raw.alarmEmail);
  if (alarmEmail !== "" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))
    problems.push(`param "alarmEmail" must be an e-mail address or empty, got "${alarmEmail}"`);

  const rolloutWaitSeconds = text(raw.rolloutWaitSeconds);
  if (rolloutWaitSeconds !== "" && !/^[1-9]\d*$/.test(rolloutWaitSeconds))
    problems.push(
      `param "rolloutWaitSeconds" must be a positive whole number or empty, got "${rolloutWaitSeconds}"`,
    );

  const reconcileSchedule = text(raw.reconcileSchedule);
  if (!/^(?:rate|cron)\(.+\)$/.test(reconcileSchedule))
    problems.push(
      `param "reconcileSchedule" must be a rate(...) or cron(...) expression, got "${reconcileSchedule}"`,
    );

  // A Lambda in a VPC needs both halves; one without the other is a typo, not a choice.
  if ((lists.subnetIds.length === 0) !== (lists.securityGroupIds.length === 0))
    problems.push(
      'params "subnetIds" and "securityGroupIds" must be given together (private cluster endpoints)',
    );

  const seedPipeline = text(raw.seedPipeline);
  if (seedPipeline !== "true" && seedPipeline !== "false")
    problems.push(`param "seedPipeline" must be "true" or "false", got "${seedPipeline}"`);
  const stateTableDeletionProtection = text(raw.stateTableDeletionProtection);
  if (stateTableDeletionProtection !== "true" && stateTableDeletionProtection !== "false")
    problems.push(
      `param "stateTableDeletionProtection" must be "true" or "false", got "${stateTableDeletionProtection}"`,
    );
  const codeConnectionArn = text(raw.codeConnectionArn);
  const sourceRepository = text(raw.sourceRepository);
  if (seedPipeline === "true") {
    if (
      !/^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/.+$/.test(
        codeConnectionArn,
      )
    )
      problems.push(
        'param "codeConnectionArn" is required when seedPipeline=true (the CodeConnections connection ARN)',
      );
    if (!/^[^/\s]+\/[^/\s]+$/.test(sourceRepository))
      problems.push('param "sourceRepository" is required when seedPipeline=true (GitHub "owner/name")');
  }

  if (problems.length > 0) throw new SettingsError(stage, problems);
  return {
    stage,
    clusters: lists.clusters,
    namespaces: lists.namespaces,
    repositories: lists.repositories,
    pipelines: lists.pipelines,
    registryAccountIds: lists.registryAccountIds,
    /**
     * Who may call onDecision's function URL (IAM role or user ARNs); empty: nobody, the URL then
     * answers 403 to every request.
     */
    approverPrincipals: lists.approverPrincipals,
    /**
     * The Inspector2 Scan rule's repository-name patterns: Inspector sends the repository's ARN, so
     * each configured name is matched as its suffix (functions/trigger/imageScan.ts says the same).
     */
    inspectorRepositoryPatterns: lists.repositories.map((name) => ({ suffix: `:repository/${name}` })),
    slackParameter,
    /** The SSM SecureString of the Slack bot token; empty: no release threads (the webhook only). */
    slackBotTokenParameter,
    /** The SSM SecureString of the Slack app's signing secret; empty: onSlackAction refuses every request. */
    slackSigningSecretParameter,
    /** Slack user and user group ids that may click Approve, Reject, Roll back; empty: nobody. */
    slackApprovers: lists.slackApprovers,
    alarmEmail,
    rolloutWaitSeconds,
    reconcileSchedule,
    vpc:
      lists.subnetIds.length > 0
        ? { subnetIds: lists.subnetIds, securityGroupIds: lists.securityGroupIds }
        : null,
    seedPipeline,
    codeConnectionArn,
    sourceRepository,
    sourceBranch: text(raw.sourceBranch) || "main",
    /** A boolean, so the template gets `DeletionProtectionEnabled: true|false`, not a string. */
    stateTableDeletionProtection: stateTableDeletionProtection === "true",
    /** The functions' environment (functions/shared/config.ts reads it). */
    environment: {
      EKS_CLUSTERS: lists.clusters.join(","),
      ROLLOUT_NAMESPACES: lists.namespaces.join(","),
      ROLLOUT_WAIT_SECONDS: rolloutWaitSeconds,
      REGISTRY_ACCOUNT_IDS: lists.registryAccountIds.join(","),
      PIPELINES: lists.pipelines.join(","),
      SLACK_BOT_TOKEN_PARAMETER: slackBotTokenParameter,
      SLACK_CHANNEL: slackChannel,
    },
  };
}

let resolved;

/**
 * The serverless `${file(...)}` entry point: resolves every param once per process. Only success
 * is remembered: in its first pass the framework cannot serve `param:` yet and asks again later.
 */
async function resolveSettings({ resolveVariable }) {
  if (!resolved) {
    const stage = await resolveVariable("sls:stage");
    const raw = {};
    for (const name of PARAMS) raw[name] = await resolveVariable(`param:${name}, ''`);
    resolved = settingsFrom(stage, raw);
  }
  return resolved;
}

module.exports = resolveSettings;
module.exports.settingsFrom = settingsFrom;
module.exports.SettingsError = SettingsError;
module.exports.logicalIdOf = logicalIdOf;
