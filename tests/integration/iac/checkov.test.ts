// checkov, the open-source IaC scanner (harness virtualenv), over what is deployed: the packaged
// CloudFormation templates (stage dev, as `npm run package` builds it, and a prod stage with every
// option, whose seed pipeline and VPC settings dev leaves out), both k8s overlays as
// kubectl renders them, and service/Dockerfile. Any finding fails, unless its check is skipped in
// .checkov.yaml with its reason on the same line. checkov never calls home: --skip-download,
// BC_SKIP_MAPPING, no API key, and, where the machine allows it, no network at all.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isScalar, isSeq, parseDocument } from "yaml";
import { venvDir } from "../../harness/venv.js";
import { kubectl, ManifestCopy, overlayNames } from "../k8s/kustomize.js";
import { type PackageRun, ROOT, runPackage } from "./packaged.js";

const CONFIG = join(ROOT, ".checkov.yaml");

interface CheckResult {
  check_id: string;
  check_name: string;
  resource: string;
  file_path: string;
  suppress_comment?: string;
}
interface Report {
  check_type: string;
  summary: {
    passed: number;
    failed: number;
    skipped: number;
    parsing_errors: number;
    resource_count: number;
  };
  /** Lists that are empty may be left out. */
  results: { failed_checks?: CheckResult[]; skipped_checks?: CheckResult[] };
}

function canIsolateNetwork(): boolean {
  return spawnSync("unshare", ["-n", "true"], { stdio: "ignore" }).status === 0;
}

/** checkov has a virtualenv of its own (tests/harness/venv.ts says why), built with the harness's. */
const SCANNER_VENV = await venvDir("scanner");

/** One checkov run over `target` (a file, or a folder with -d); its one report. */
function checkov(framework: string, target: string[]): Report {
  const command = [
    join(SCANNER_VENV, "bin", "checkov"),
    "--config-file",
    CONFIG,
    "--framework",
    framework,
    ...target,
    "--output",
    "json",
    "--compact",
    "--quiet",
    "--skip-download",
  ];
  const [file, ...args] = canIsolateNetwork() ? ["unshare", "-n", ...command] : command;
  const home = mkdtempSync(join(tmpdir(), "coworking-checkov-home-"));
  try {
    const run = spawnSync(file as string, args, {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        BC_SKIP_MAPPING: "TRUE",
        CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: "false",
        LOG_LEVEL: "WARNING",
      },
    });
    if (run.error || (run.status !== 0 && run.status !== 1))
      throw new Error(`checkov exited ${run.status}: ${run.error ?? ""}\n${run.stderr}\n${run.stdout}`);
    const parsed = JSON.parse(run.stdout) as Report | Report[];
    const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((r) => r.check_type === framework);
    if (reports.length !== 1) throw new Error(`expected one ${framework} report, got:\n${run.stdout}`);
    return reports[0] as Report;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Findings as readable lines: `CKV_AWS_26 AWS::SNS::Topic.NotificationTopic (Ensure …)`. */
const findings = (report: Report) =>
  (report.results.failed_checks ?? []).map(
    (check) => `${check.check_id} ${check.resource} (${check.check_name})`,
  );

/** Inline suppressions (template Metadata, manifest annotations) must say why, like the config's. */
const unexplainedInlineSkips = (report: Report) =>
  (report.results.skipped_checks ?? [])
    .filter((check) => !check.suppress_comment?.trim() || check.suppress_comment === "No comment provided")
    .map((check) => `${check.check_id} ${check.resource}`);

describe(".checkov.yaml", () => {
  it("gives every skipped check its reason, on the check's own line", () => {
    const doc = parseDocument(readFileSync(CONFIG, "utf8"));
    expect(doc.errors).toEqual([]);
    const skips = doc.get("skip-check", true);
    if (!isSeq(skips)) throw new Error(".checkov.yaml has no skip-check list");
    expect(skips.items.length).toBeGreaterThan(0);
    for (const item of skips.items) {
      if (!isScalar(item)) throw new Error(`skip-check entries are check ids, got ${String(item)}`);
      expect([item.value, (item.comment ?? "").trim().length > 20]).toEqual([item.value, true]);
      expect(String(item.value)).toMatch(/^CKV2?_[A-Z0-9]+_\d+$/);
    }
  });
});

/** The two templates: dev as `npm run package` builds it, and prod with every option turned on. */
const TEMPLATES: [string, string[]][] = [
  ["stage dev", ["--stage", "dev"]],
  [
    "stage prod with every option (VPC, seed pipeline, e-mail, two clusters, approvers, Slack buttons)",
    [
      "--stage",
      "prod",
      "--param=clusters=coworking-prod,coworking-prod-eu",
      "--param=repositories=coworking-analytics",
      "--param=pipelines=coworking-analytics",
      "--param=alarmEmail=platform@example.com",
      "--param=subnetIds=subnet-0123456789abcdef0",
      "--param=securityGroupIds=sg-0123456789abcdef0",
      "--param=seedPipeline=true",
      "--param=codeConnectionArn=arn:aws:codeconnections:us-east-1:111122223333:connection/5f0c1d2e-aaaa-bbbb-cccc-0123456789ab",
      "--param=sourceRepository=acme/coworking",
      // onDecision's URL permissions exist only with approvers: scanned with two of them.
      "--param=approverPrincipals=arn:aws:iam::111122223333:role/platform/release-managers,arn:aws:iam::111122223333:user/alice",
      // onSlackAction's secret and approvers: its public URL is scanned in both templates.
      "--param=slackBotTokenParameter=/coworking/prod/slack-bot-token",
      "--param=slackChannel=#deploys",
      "--param=slackSigningSecretParameter=/coworking/prod/slack-signing-secret",
      "--param=slackApprovers=U0ALICE01,S0RELEASES",
    ],
  ],
];

describe.each(TEMPLATES)("the packaged CloudFormation template, %s", (_, args) => {
  let run: PackageRun;
  let report: Report;
  beforeAll(() => {
    run = runPackage(args);
    if (run.status !== 0) throw new Error(`serverless package failed (exit ${run.status}):\n${run.output}`);
    report = checkov("cloudformation", ["-f", join(run.dir, "cloudformation-template-update-stack.json")]);
  }, 600_000);
  afterAll(() => run?.remove());

  it("has no finding that .checkov.yaml does not explain", () => {
    expect(report.summary.parsing_errors).toBe(0);
    expect(report.summary.resource_count).toBeGreaterThan(50);
    expect(report.summary.passed).toBeGreaterThan(50);
    expect(findings(report)).toEqual([]);
    expect(unexplainedInlineSkips(report)).toEqual([]);
  });
});

describe.each(overlayNames())("the rendered k8s overlay %s", (overlay) => {
  let copy: ManifestCopy;
  let dir: string;
  let report: Report;
  beforeAll(async () => {
    copy = await ManifestCopy.create();
    dir = mkdtempSync(join(tmpdir(), `coworking-checkov-${overlay}-`));
    writeFileSync(join(dir, `${overlay}.yaml`), await kubectl(["kustomize", copy.overlay(overlay)]));
    report = checkov("kubernetes", ["-d", dir]);
  }, 300_000);
  afterAll(async () => {
    await copy?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has no finding that .checkov.yaml does not explain", () => {
    expect(report.summary.parsing_errors).toBe(0);
    expect(report.summary.resource_count).toBeGreaterThan(10);
    expect(findings(report)).toEqual([]);
    expect(unexplainedInlineSkips(report)).toEqual([]);
  });
});

describe("service/Dockerfile", () => {
  it("has no finding that .checkov.yaml does not explain", () => {
    const report = checkov("dockerfile", ["-f", join(ROOT, "service", "Dockerfile")]);
    expect(report.summary.parsing_errors).toBe(0);
    expect(report.summary.passed).toBeGreaterThan(10);
    expect(findings(report)).toEqual([]);
    expect(unexplainedInlineSkips(report)).toEqual([]);
  }, 300_000);
});

describe("the check itself", () => {
  it("does find faults: an unencrypted, public-readable bucket fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "coworking-checkov-probe-"));
    try {
      const template = join(dir, "template.json");
      writeFileSync(
        template,
        JSON.stringify({
          AWSTemplateFormatVersion: "2010-09-09",
          Resources: { Open: { Type: "AWS::S3::Bucket", Properties: { AccessControl: "PublicRead" } } },
        }),
      );
      const report = checkov("cloudformation", ["-f", template]);
      expect(findings(report).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
