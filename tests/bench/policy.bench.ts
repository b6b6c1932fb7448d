// `regexp:` and `glob:` policies on RE2 (re2js): hostile patterns, the ones that take a backtracking engine
// exponential time, matched against 128-character tags built to make them backtrack. Target:
// ≤ 5 ms per match, including compiling the pattern (what one Deployment's plan costs the first
// time it sees the pattern, once the engine itself is warm). Node's own RegExp is not run on these: it would not finish.
import { admitsTag, parsePolicy } from "../../functions/rollout/policy.js";

const TARGET_MS = 5;
const ROUNDS = 20;

const CASES: { pattern: string; tag: string }[] = [
  { pattern: "regexp:(a+)+$", tag: `${"a".repeat(127)}_` },
  { pattern: "regexp:(a+)+b", tag: "a".repeat(128) },
  { pattern: "regexp:(a|aa)+b", tag: "a".repeat(128) },
  { pattern: "regexp:(a*)*b", tag: "a".repeat(128) },
  { pattern: "regexp:(\\d+\\.?)+x", tag: `${"1.".repeat(63)}11` },
  { pattern: "regexp:([a-z0-9]+-?)+z", tag: `${"a-".repeat(63)}aa` },
  { pattern: "regexp:(.*a){12}", tag: "a".repeat(128) },
  // a glob library would compile these to a backtracking RegExp with nested `.*?` runs
  { pattern: `glob:${"*a".repeat(30)}b`, tag: `${"a".repeat(127)}!` },
  { pattern: "glob:*-*-*-*-*-*-*-*-*-*-x", tag: "-".repeat(128) },
];

export default async function run(): Promise<void> {
  // The engine's own first use (module set-up, JIT) is the cold start's, not a pattern's.
  admitsTag(parsePolicy("regexp:warm-[0-9]+"), "warm-1");
  const rows = CASES.map(({ pattern, tag }) => {
    // first: compile + match, as a cold plan does; then the warm match alone
    let started = performance.now();
    const verdict = admitsTag(parsePolicy(pattern), tag);
    const firstMs = performance.now() - started;
    started = performance.now();
    for (let round = 0; round < ROUNDS; round++) admitsTag(parsePolicy(pattern), tag);
    const warmMs = (performance.now() - started) / ROUNDS;
    return {
      pattern,
      tagLength: tag.length,
      admitted: verdict.admitted,
      "first ms (compile + match)": Number(firstMs.toFixed(3)),
      "warm ms": Number(warmMs.toFixed(3)),
      target: `≤ ${TARGET_MS} ms`,
      ok: firstMs <= TARGET_MS && warmMs <= TARGET_MS,
    };
  });
  console.log("regexp: and glob: policies on RE2 (re2js), hostile patterns over 128-character tags");
  console.table(rows);
  const failed = rows.filter((row) => !row.ok);
  console.log(`target ≤ ${TARGET_MS} ms per match: ${failed.length === 0 ? "within" : "EXCEEDED"}`);
  if (failed.length > 0)
    throw new Error(`over ${TARGET_MS} ms: ${failed.map((row) => row.pattern).join(", ")}`);
}
