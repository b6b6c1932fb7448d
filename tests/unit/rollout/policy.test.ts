import { admitsTag, globToRe2, InvalidPolicyError, parsePolicy } from "../../../functions/rollout/policy.js";

describe("parsePolicy", () => {
  it.each([
    [undefined, { kind: "all" }],
    ["", { kind: "all" }],
    ["all", { kind: "all" }],
    ["semver", { kind: "semver" }],
    ["semver:^1.2", { kind: "semver", range: "^1.2" }],
    ["glob:release-*", { kind: "glob", pattern: "release-*" }],
    ["regexp:^main-[0-9a-f]{7}$", { kind: "regexp", pattern: "^main-[0-9a-f]{7}$" }],
  ])("reads %p", (text, policy) => {
    expect(parsePolicy(text)).toEqual(policy);
  });

  it.each([
    "newest",
    "semver:not a range",
    "regexp:([",
    "glob:",
    "regexp",
    // Perl features RE2 does not have (backreferences, lookaround) are refused, not emulated
    "regexp:(a)\\1",
    "regexp:(?=a)a",
    `regexp:${"a".repeat(513)}`,
  ])("refuses %p", (text) => {
    expect(() => parsePolicy(text)).toThrow(InvalidPolicyError);
  });
});

describe("admitsTag", () => {
  it("all: any tag except latest", () => {
    expect(admitsTag({ kind: "all" }, "abc123")).toEqual({ admitted: true });
    expect(admitsTag({ kind: "all" }, "latest")).toEqual({
      admitted: false,
      reason: "tag latest is never rolled out under policy all",
    });
  });

  it("semver: only versions higher than the running one", () => {
    const policy = parsePolicy("semver");
    expect(admitsTag(policy, "1.3.0", "1.2.9").admitted).toBe(true);
    expect(admitsTag(policy, "v2.0.0", "v1.9.0").admitted).toBe(true);
    expect(admitsTag(policy, "1.2.0", "1.2.0")).toEqual({
      admitted: false,
      reason: "version 1.2.0 is not higher than running 1.2.0",
    });
    expect(admitsTag(policy, "1.1.0", "1.2.0").admitted).toBe(false);
    expect(admitsTag(policy, "main-abc", "1.2.0")).toEqual({
      admitted: false,
      reason: "tag main-abc is not a semantic version",
    });
    expect(admitsTag(policy, "1.0.0", "latest").admitted).toBe(true);
  });

  it("semver:<range>: inside the range and higher", () => {
    const policy = parsePolicy("semver:^1.2");
    expect(admitsTag(policy, "1.4.0", "1.2.0").admitted).toBe(true);
    expect(admitsTag(policy, "2.0.0", "1.2.0")).toEqual({
      admitted: false,
      reason: "version 2.0.0 is outside range ^1.2",
    });
  });

  it("semver: prereleases only where the range names one (semver's includePrerelease: false)", () => {
    expect(admitsTag(parsePolicy("semver:^1.2"), "1.9.0-rc.1", "1.4.0")).toEqual({
      admitted: false,
      reason:
        "prerelease 1.9.0-rc.1 is outside range ^1.2 (a range admits only prereleases of a version it names with a prerelease)",
    });
    expect(admitsTag(parsePolicy("semver:>=1.9.0-rc.0"), "1.9.0-rc.1", "1.4.0").admitted).toBe(true);
    expect(admitsTag(parsePolicy("semver:>=1.9.0-rc.0"), "1.9.0", "1.9.0-rc.1").admitted).toBe(true);
    // a prerelease of another version than the one the range names is not admitted either
    expect(admitsTag(parsePolicy("semver:>=1.9.0-rc.0"), "2.0.0-rc.1", "1.9.0").admitted).toBe(false);
    // the bare policy admits releases only
    expect(admitsTag(parsePolicy("semver"), "1.5.0-rc.1", "1.4.0")).toEqual({
      admitted: false,
      reason:
        "version 1.5.0-rc.1 is a prerelease; policy semver admits releases only (a range that names a prerelease admits it)",
    });
    expect(admitsTag(parsePolicy("semver"), "v1.5.0", "1.5.0-rc.1").admitted).toBe(true);
  });

  it("glob and regexp match the tag", () => {
    expect(admitsTag(parsePolicy("glob:release-*"), "release-42").admitted).toBe(true);
    expect(admitsTag(parsePolicy("glob:release-*"), "dev-42")).toEqual({
      admitted: false,
      reason: "tag dev-42 does not match glob release-*",
    });
    expect(
      admitsTag(parsePolicy("regexp:^[0-9a-f]{40}$"), "0123456789abcdef0123456789abcdef01234567").admitted,
    ).toBe(true);
    expect(admitsTag(parsePolicy("regexp:^[0-9a-f]{40}$"), "latest").admitted).toBe(false);
  });

  it("glob: *, ?, classes and alternatives, everything else literal, the whole tag", () => {
    const admits = (glob: string, tag: string) => admitsTag(parsePolicy(`glob:${glob}`), tag).admitted;
    expect(admits("v*.*.*", "v1.20.3")).toBe(true);
    expect(admits("v?.?", "v1.2")).toBe(true);
    expect(admits("v?.?", "v1.20")).toBe(false);
    expect(admits("build-[0-9][0-9]", "build-42")).toBe(true);
    expect(admits("build-[!0-9]*", "build-42")).toBe(false);
    expect(admits("{main,release}-*", "release-7")).toBe(true);
    expect(admits("{main,release}-*", "feature-7")).toBe(false);
    // regexp characters in a glob are literal
    expect(admits("1.2+build", "1.2+build")).toBe(true);
    expect(admits("1.2+build", "1x22build")).toBe(false);
    expect(admits("release-*", "prefix-release-1")).toBe(false);
    expect(globToRe2("a.b*[!x]{c,d}")).toBe("a\\.b.*[^x](?:c|d)");
  });

  it("glob: an unclosed class or alternative is refused when the annotation is read", () => {
    expect(() => parsePolicy("glob:build-[0-9")).toThrow(InvalidPolicyError);
    expect(() => parsePolicy("glob:{main,release")).toThrow(/unclosed \{/);
  });

  it("glob: hostile patterns stay linear (RE2), even over a 128-character tag", () => {
    const tag = `${"a".repeat(127)}!`;
    expect(admitsTag(parsePolicy(`glob:${"*a".repeat(30)}b`), tag).admitted).toBe(false);
  });

  it("regexp: RE2, anchored: the whole tag must match", () => {
    expect(admitsTag(parsePolicy("regexp:main-[0-9a-f]{7}"), "main-abc1234").admitted).toBe(true);
    expect(admitsTag(parsePolicy("regexp:main-[0-9a-f]{7}"), "main-abc1234-dirty")).toEqual({
      admitted: false,
      reason: "tag main-abc1234-dirty does not match regexp main-[0-9a-f]{7} (the whole tag must match)",
    });
    expect(admitsTag(parsePolicy("regexp:release"), "pre-release-1").admitted).toBe(false);
    expect(admitsTag(parsePolicy("regexp:.*release.*"), "pre-release-1").admitted).toBe(true);
  });

  it("regexp: hostile patterns finish at once on long tags (linear time)", () => {
    const tag = `${"a".repeat(127)}!`;
    const started = performance.now();
    for (const pattern of ["(a+)+$", "(a|aa)+b", "(a*)*b", "(\\d+\\.?)+x"]) {
      expect(admitsTag(parsePolicy(`regexp:${pattern}`), tag).admitted).toBe(false);
    }
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
