// Which tags a Deployment accepts, from its `rollout.coworking.dev/policy` annotation.
// Ordering between admissible tags is by ECR imagePushedAt (plan.ts); `semver` additionally
// refuses a lower version than the running one.
import picomatch from "picomatch";
import semver from "semver";

export type Policy =
  | { kind: "all" }
  | { kind: "semver"; range?: string }
  | { kind: "glob"; pattern: string }
  | { kind: "regexp"; pattern: string };

export type PolicyVerdict = { admitted: true } | { admitted: false; reason: string };

export class InvalidPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidPolicyError";
  }
}

/** Absent or empty means `all`. Throws InvalidPolicyError for anything it cannot honour. */
export function parsePolicy(text: string | undefined): Policy {
  const value = (text ?? "").trim();
  if (value === "" || value === "all") return { kind: "all" };
  if (value === "semver") return { kind: "semver" };
  const separator = value.indexOf(":");
  const kind = separator < 0 ? value : value.slice(0, separator);
  const argument = separator < 0 ? "" : value.slice(separator + 1);
  if (separator < 0 || argument === "") throw new InvalidPolicyError(`unknown policy "${value}"`);
  switch (kind) {
    case "semver":
      if (semver.validRange(argument) === null)
        throw new InvalidPolicyError(`invalid semver range "${argument}"`);
      return { kind: "semver", range: argument };
    case "glob":
      return { kind: "glob", pattern: argument };
    case "regexp":
      try {
        new RegExp(argument);
      } catch (error) {
        throw new InvalidPolicyError(`invalid regexp "${argument}": ${(error as Error).message}`);
      }
      return { kind: "regexp", pattern: argument };
    default:
      throw new InvalidPolicyError(`unknown policy "${value}"`);
  }
}

export function describePolicy(policy: Policy): string {
  switch (policy.kind) {
    case "all":
      return "all";
    case "semver":
      return policy.range === undefined ? "semver" : `semver:${policy.range}`;
    default:
      return `${policy.kind}:${policy.pattern}`;
  }
}

/** `v1.2.3` and `1.2.3` are both versions; anything else is not. */
function versionOf(tag: string): string | null {
  return semver.valid(tag.startsWith("v") ? tag.slice(1) : tag);
}

/** Does `tag` qualify under `policy`, given the tag currently running (if known)? */
export function admitsTag(policy: Policy, tag: string, runningTag?: string): PolicyVerdict {
  const refuse = (reason: string): PolicyVerdict => ({ admitted: false, reason });
  switch (policy.kind) {
    case "all":
      return tag === "latest"
        ? refuse("tag latest is never rolled out under policy all")
        : { admitted: true };
    case "semver": {
      const version = versionOf(tag);
      if (version === null) return refuse(`tag ${tag} is not a semantic version`);
      if (
        policy.range !== undefined &&
        !semver.satisfies(version, policy.range, { includePrerelease: true })
      ) {
        return refuse(`version ${version} is outside range ${policy.range}`);
      }
      const running = runningTag === undefined ? null : versionOf(runningTag);
      if (running !== null && !semver.gt(version, running)) {
        return refuse(`version ${version} is not higher than running ${running}`);
      }
      return { admitted: true };
    }
    case "glob":
      return picomatch.isMatch(tag, policy.pattern)
        ? { admitted: true }
        : refuse(`tag ${tag} does not match glob ${policy.pattern}`);
    case "regexp":
      return new RegExp(policy.pattern).test(tag)
        ? { admitted: true }
        : refuse(`tag ${tag} does not match regexp ${policy.pattern}`);
  }
}
