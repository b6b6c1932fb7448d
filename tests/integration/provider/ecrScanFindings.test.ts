// EcrScanFindings against moto ECR: images PutImage'd with real manifests, scans started with
// StartImageScan and their findings configured through the moto API (tests/support/ecrScans.ts),
// read back through DescribeImageScanFindings: counts, top findings, every status the gate tells
// apart, the not-found cases, the page bound, and throttling (a wrapper that throttles the real
// calls).
import { type DescribeImageScanFindingsCommand, ECRClient } from "@aws-sdk/client-ecr";
import { EcrScanFindings } from "../../../functions/provider/ecr/ecrScanFindings.js";
import { severityCounts } from "../../../functions/rollout/gates/scan.js";
import { NotFoundError, ThrottledError } from "../../../functions/types/errors.js";
import { harness } from "../../harness/env.js";
import { ensureRepository, pushImage } from "../../support/ecrImages.js";
import { scanWith, startScan } from "../../support/ecrScans.js";

const { region } = harness();
const ecr = new ECRClient({ region });
/** What the composition root would give the adapter: the SDK does not retry, the adapter does. */
const client = new ECRClient({ region, maxAttempts: 1 });
const noWait = { attempts: 4, baseDelayMs: 1, sleep: async () => undefined };

let sequence = 0;
/** A fresh repository with one pushed image: every test reads a scan no other test configured. */
async function pushedImage(
  prefix = "coworking/scanned",
): Promise<{ repositoryName: string; digest: string }> {
  sequence += 1;
  const repositoryName = `${prefix}-${Date.now()}-${sequence}`;
  await ensureRepository(ecr, repositoryName);
  const { digest } = await pushImage(ecr, repositoryName, "1.0.0");
  return { repositoryName, digest };
}

/** Records every DescribeImageScanFindings input, and throttles the calls numbered in `throttled` (1-based). */
function recording(throttled: ReadonlySet<number> = new Set()) {
  const calls: { nextToken?: string; maxResults?: number }[] = [];
  const wrapper = {
    send: async (command: DescribeImageScanFindingsCommand) => {
      calls.push({ nextToken: command.input.nextToken, maxResults: command.input.maxResults });
      if (throttled.has(calls.length)) {
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      }
      return client.send(command);
    },
  };
  return { client: wrapper as unknown as ECRClient, calls };
}

describe("EcrScanFindings (moto ECR)", () => {
  it("reads a basic scan: the registry's counts, the top findings by severity, when it completed", async () => {
    const { repositoryName, digest } = await pushedImage();
    const completedAt = new Date("2026-03-02T10:15:30Z");
    await scanWith(ecr, repositoryName, digest, {
      counts: { CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 4, UNDEFINED: 3 },
      completedAt,
      findings: [
        { name: "CVE-2024-0002", severity: "MEDIUM", packageName: "sed" },
        {
          name: "CVE-2024-10001",
          severity: "HIGH",
          packageName: "zlib",
          uri: "https://security-tracker.debian.org/tracker/CVE-2024-10001",
        },
        {
          name: "CVE-2024-9999",
          severity: "HIGH",
          packageName: "openssl",
          uri: "https://security-tracker.debian.org/tracker/CVE-2024-9999",
        },
        {
          name: "CVE-2023-4911",
          severity: "CRITICAL",
          packageName: "glibc",
          uri: "https://security-tracker.debian.org/tracker/CVE-2023-4911",
        },
        { name: "CVE-2022-0001", severity: "UNDEFINED", packageName: "bash" },
      ],
    });

    const report = await new EcrScanFindings(client, undefined, { top: 4 }).findings(repositoryName, digest);
    expect(report).toEqual({
      status: "complete",
      registryStatus: "COMPLETE",
      completedAt,
      // The registry's counts cover the whole scan, not only the findings listed.
      counts: severityCounts({ CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 4, UNDEFINED: 3 }),
      topFindings: [
        {
          id: "CVE-2023-4911",
          package: "glibc",
          severity: "CRITICAL",
          link: "https://security-tracker.debian.org/tracker/CVE-2023-4911",
        },
        {
          id: "CVE-2024-9999",
          package: "openssl",
          severity: "HIGH",
          link: "https://security-tracker.debian.org/tracker/CVE-2024-9999",
        },
        {
          id: "CVE-2024-10001",
          package: "zlib",
          severity: "HIGH",
          link: "https://security-tracker.debian.org/tracker/CVE-2024-10001",
        },
        { id: "CVE-2024-0002", package: "sed", severity: "MEDIUM" },
      ],
      truncated: false,
    });
  });

  it("reads an enhanced (Inspector) scan: package and source link, untriaged counts, no closed findings", async () => {
    const { repositoryName, digest } = await pushedImage();
    await scanWith(ecr, repositoryName, digest, {
      status: "ACTIVE",
      description: "Continuous scan is selected for image.",
      counts: { HIGH: 1, MEDIUM: 1, UNTRIAGED: 1 },
      enhancedFindings: [
        {
          vulnerabilityId: "CVE-2024-6119",
          severity: "MEDIUM",
          packageName: "libssl3t64",
          sourceUrl: "https://people.canonical.com/~ubuntu-security/cve/2024/CVE-2024-6119.html",
        },
        { vulnerabilityId: "CVE-2025-0101", severity: "UNTRIAGED", packageName: "libxml2" },
        {
          vulnerabilityId: "CVE-2023-44487",
          severity: "HIGH",
          packageName: "golang.org/x/net",
          sourceUrl: "https://nvd.nist.gov/vuln/detail/CVE-2023-44487",
        },
        { vulnerabilityId: "CVE-2019-17498", severity: "CRITICAL", packageName: "libssh2", status: "CLOSED" },
      ],
    });

    const report = await new EcrScanFindings(client).findings(repositoryName, digest);
    expect(report).toEqual({
      status: "complete",
      registryStatus: "ACTIVE",
      description: "Continuous scan is selected for image.",
      counts: severityCounts({ HIGH: 1, MEDIUM: 1, UNTRIAGED: 1 }),
      topFindings: [
        {
          id: "CVE-2023-44487",
          package: "golang.org/x/net",
          severity: "HIGH",
          link: "https://nvd.nist.gov/vuln/detail/CVE-2023-44487",
        },
        {
          id: "CVE-2024-6119",
          package: "libssl3t64",
          severity: "MEDIUM",
          link: "https://people.canonical.com/~ubuntu-security/cve/2024/CVE-2024-6119.html",
        },
        { id: "CVE-2025-0101", package: "libxml2", severity: "UNTRIAGED" },
      ],
      truncated: false,
    });
  });

  it("reads a started scan moto was told nothing about as moto's fixed fake finding", async () => {
    const { repositoryName, digest } = await pushedImage();
    await startScan(ecr, repositoryName, digest);
    const report = await new EcrScanFindings(client).findings(repositoryName, digest);
    expect(report).toMatchObject({
      status: "complete",
      registryStatus: "COMPLETE",
      counts: severityCounts({ HIGH: 1 }),
      topFindings: [
        {
          id: "CVE-9999-9999",
          package: "moto_fake",
          severity: "HIGH",
          link: "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-9999-9999",
        },
      ],
    });
    expect(report.completedAt).toBeInstanceOf(Date);
  });

  it("reads an image nobody scanned as unsupported: ECR answers ScanNotFoundException", async () => {
    const { repositoryName, digest } = await pushedImage();
    expect(await new EcrScanFindings(client).findings(repositoryName, digest)).toEqual({
      status: "unsupported",
      registryStatus: "SCAN_NOT_FOUND",
      description: "no scan of this image: the repository is not scanned, or no scan was started",
      counts: severityCounts(),
      topFindings: [],
      truncated: false,
    });
  });

  it.each([
    ["IN_PROGRESS", "in_progress"],
    ["PENDING", "in_progress"],
    ["FAILED", "failed"],
    ["FINDINGS_UNAVAILABLE", "failed"],
    ["LIMIT_EXCEEDED", "failed"],
    ["UNSUPPORTED_IMAGE", "unsupported"],
    ["SCAN_ELIGIBILITY_EXPIRED", "unsupported"],
  ])("reads ECR status %s as %s, with no counts or findings", async (registryStatus, status) => {
    const { repositoryName, digest } = await pushedImage();
    await scanWith(ecr, repositoryName, digest, {
      status: registryStatus,
      description: `the scan is ${registryStatus}`,
      // Whatever a scan that is not complete carries is not a verdict.
      counts: { CRITICAL: 3 },
      findings: [{ name: "CVE-2024-1", severity: "CRITICAL" }],
    });
    expect(await new EcrScanFindings(client).findings(repositoryName, digest)).toEqual({
      status,
      registryStatus,
      description: `the scan is ${registryStatus}`,
      counts: severityCounts(),
      topFindings: [],
      truncated: false,
    });
  });

  it("is a NotFoundError for a repository or an image that does not exist", async () => {
    const { repositoryName, digest } = await pushedImage();
    const scans = new EcrScanFindings(client);
    const missingRepository = scans.findings(`${repositoryName}-absent`, digest);
    await expect(missingRepository).rejects.toBeInstanceOf(NotFoundError);
    await expect(missingRepository).rejects.toThrow(/RepositoryNotFoundException/);
    const missingImage = scans.findings(repositoryName, `sha256:${"0".repeat(64)}`);
    await expect(missingImage).rejects.toBeInstanceOf(NotFoundError);
    await expect(missingImage).rejects.toThrow(/ImageNotFoundException/);
  });

  it("reads at most maxPages pages, says the findings were truncated, and lists each finding once", async () => {
    const { repositoryName, digest } = await pushedImage();
    // moto answers the configured response, nextToken included, to every page: an endless listing.
    await scanWith(ecr, repositoryName, digest, {
      counts: { HIGH: 5000 },
      findings: [{ name: "CVE-2024-1", severity: "HIGH", packageName: "openssl" }],
      nextToken: "more",
    });
    const { client: recorded, calls } = recording();
    const report = await new EcrScanFindings(recorded, undefined, { maxPages: 3, pageSize: 500 }).findings(
      repositoryName,
      digest,
    );
    expect(calls).toEqual([
      { nextToken: undefined, maxResults: 500 },
      { nextToken: "more", maxResults: 500 },
      { nextToken: "more", maxResults: 500 },
    ]);
    expect(report).toMatchObject({
      status: "complete",
      counts: severityCounts({ HIGH: 5000 }),
      topFindings: [{ id: "CVE-2024-1", package: "openssl", severity: "HIGH" }],
      truncated: true,
    });
  });

  it("asks a throttled page again, and gives up as a ThrottledError when throttling persists", async () => {
    const { repositoryName, digest } = await pushedImage();
    await scanWith(ecr, repositoryName, digest, { counts: { LOW: 1 } });

    const once = recording(new Set([1]));
    const report = await new EcrScanFindings(once.client, undefined, { retry: noWait }).findings(
      repositoryName,
      digest,
    );
    expect(once.calls).toHaveLength(2);
    expect(report.counts).toEqual(severityCounts({ LOW: 1 }));

    const always = recording(new Set([1, 2, 3, 4]));
    const throttled = new EcrScanFindings(always.client, undefined, { retry: noWait }).findings(
      repositoryName,
      digest,
    );
    await expect(throttled).rejects.toBeInstanceOf(ThrottledError);
    await expect(throttled).rejects.toThrow(`ecr:DescribeImageScanFindings on ${repositoryName}: throttled`);
    expect(always.calls).toHaveLength(4);
  });
});
