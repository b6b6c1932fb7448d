// Which tags a Deployment accepts, from its `rollout.coworking.dev/policy` annotation.
// Ordering between admissible tags is by ECR imagePushedAt (plan.ts); `semver` additionally
// refuses a lower version than the running one. Prereleases are admitted only by a range that
// names one (semver's own includePrerelease: false), never by the bare `semver` policy.
// `regexp:` patterns run on RE2 (re2js: linear time in the tag, whatever the pattern) and must
// match the whole tag. `glob:` patterns are translated to RE2 too (a glob library would compile
// to a backtracking JavaScript RegExp, where extglobs and runs of `*` can take exponential time).
import { RE2JS } from "re2js";
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
      compileRegexp(globToRe2(argument));
      return { kind: "glob", pattern: argument };
    case "regexp":
      compileRegexp(argument);
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

/** Longer patterns are refused: a tag is at most 128 characters, its pattern need not be long. */
export const MAX_REGEXP_LENGTH = 512;
/** Compiled patterns, so a reconcile run over many tags compiles each Deployment's pattern once. */
const compiled = new Map<string, RE2JS>();
const COMPILED_LIMIT = 256;

/** The RE2 program of `pattern`; throws InvalidPolicyError for what RE2 cannot compile. */
function compileRegexp(pattern: string): RE2JS {
  const known = compiled.get(pattern);
  if (known) return known;
  if (pattern.length > MAX_REGEXP_LENGTH) {
    throw new InvalidPolicyError(`regexp is ${pattern.length} characters, more than ${MAX_REGEXP_LENGTH}`);
  }
  let program: RE2JS;
  try {
    program = RE2JS.compile(pattern);
  } catch (error) {
    throw new InvalidPolicyError(`invalid regexp "${pattern}" (RE2 syntax): ${(error as Error).message}`);
  }
  if (compiled.size >= COMPILED_LIMIT) compiled.clear();
  compiled.set(pattern, program);
  return program;
}

const RE2_SPECIAL = /[\\^$.|?*+()[\]{}]/g;

/**
 * A glob over tags as an RE2 pattern: `*` any run of characters (a tag has no `/`, so `**` is the
 * same), `?` one character, `[abc]`, `[a-z]` and `[!abc]` classes, `{a,b}` alternatives (not
 * nested); everything else is literal. Throws InvalidPolicyError for an unclosed `[` or `{`.
 */
export function globToRe2(glob: string): string {
  let out = "";
  for (let at = 0; at < glob.length; at++) {
    const char = glob[at] as string;
    if (char === "*") {
      out += ".*";
      while (glob[at + 1] === "*") at++;
    } else if (char === "?") {
      out += ".";
    } else if (char === "[") {
      const close = glob.indexOf("]", at + 2);
      if (close < 0) throw new InvalidPolicyError(`glob "${glob}" has an unclosed [`);
      const body = glob.slice(at + 1, close);
      const negated = body.startsWith("!");
      const members = (negated ? body.slice(1) : body).replace(/[\\\]^[]/g, "\\$&");
      out += `[${negated ? "^" : ""}${members}]`;
      at = close;
    } else if (char === "{") {
      const close = glob.indexOf("}", at);
      if (close < 0) throw new InvalidPolicyError(`glob "${glob}" has an unclosed {`);
      const alternatives = glob.slice(at + 1, close).split(",");
      out += `(?:${alternatives.map((alternative) => alternative.replace(RE2_SPECIAL, "\\$&")).join("|")})`;
      at = close;
    } else {
      out += char.replace(RE2_SPECIAL, "\\$&");
    }
  }
  return out;
}

/** Does the RE2 `pattern` match the whole of `tag`? */
export function regexpMatchesTag(pattern: string, tag: string): boolean {
  return compileRegexp(pattern).matches(tag);
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
      const prerelease = semver.prerelease(version) !== null;
      if (policy.range === undefined) {
        if (prerelease) {
          return refuse(
            `version ${version} is a prerelease; policy semver admits releases only (a range that names a prerelease admits it)`,
          );
        }
      } else if (!semver.satisfies(version, policy.range)) {
        return refuse(
          prerelease
            ? `prerelease ${version} is outside range ${policy.range} (a range admits only prereleases of a version it names with a prerelease)`
            : `version ${version} is outside range ${policy.range}`,
        );
      }
      const running = runningTag === undefined ? null : versionOf(runningTag);
      if (running !== null && !semver.gt(version, running)) {
        return refuse(`version ${version} is not higher than running ${running}`);
      }
      return { admitted: true };
    }
    case "glob":
      return regexpMatchesTag(globToRe2(policy.pattern), tag)
        ? { admitted: true }
        : refuse(`tag ${tag} does not match glob ${policy.pattern}`);
    case "regexp":
      return regexpMatchesTag(policy.pattern, tag)
        ? { admitted: true }
        : refuse(`tag ${tag} does not match regexp ${policy.pattern} (the whole tag must match)`);
  }
}
