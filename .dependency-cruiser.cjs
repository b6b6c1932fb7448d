// The architecture's boundaries, checked on every `npm test` (npm run lint:boundaries). The
// layout is described in docs/architecture.md: the core (domain folders plus the vocabulary in
// functions/types/ and the utilities in functions/shared/) owns its ports and types; adapters
// (functions/provider/, functions/extension/) implement those ports and import the core, never
// the reverse; only the composition roots in functions/handlers/ put the two together. The
// analytics API in service/ is a separately deployed unit and shares no code with functions/.
// tests/unit/boundaries/rules.test.ts proves each rule can fail, on a fixture tree.

/** The core: what the planners are made of. */
const CORE = "^functions/(types|shared|trigger|rollout|pipeline|alarms|cost)/";
/** Where the planning happens: no I/O client may be reachable from here. */
const PLANNING = "^functions/(rollout|pipeline|alarms|cost|trigger|types)/";
/**
 * The I/O libraries the code really uses: the AWS SDK and its signing (@aws-sdk, @smithy,
 * @aws-crypto), the Powertools parts that call AWS or write metrics (parameters, metrics,
 * idempotency), the Kubernetes client, Slack, PostgreSQL, the HTTP server, and Node's network,
 * file and process modules. Packages are matched by their resolved path under node_modules/,
 * built-ins by name.
 */
const IO_CLIENTS = [
  "(^|/)node_modules/(@aws-sdk|@smithy|@aws-crypto)/",
  "(^|/)node_modules/@aws-lambda-powertools/(parameters|metrics|idempotency)/",
  "(^|/)node_modules/@kubernetes/client-node/",
  "(^|/)node_modules/@slack/",
  "(^|/)node_modules/(pg|pg-copy-streams|express)/",
  "^(node:)?(http|https|http2|net|tls|dgram|dns|fs|fs/promises|child_process)$",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle makes both modules one unit that can only be understood, tested and changed together; " +
        "move the shared part (usually a type) to the module both depend on.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-does-not-import-adapters",
      severity: "error",
      comment:
        "The core owns its ports; adapters implement them. A core module that imports an adapter, a " +
        "composition root, the handler skeleton (functions/lambda/) or a dev tool can no longer be planned " +
        "and tested without AWS or a cluster: declare a port in the domain folder instead.",
      from: { path: CORE },
      to: { path: "^functions/(provider|extension|handlers|local|lambda)/" },
    },
    {
      name: "types-is-the-vocabulary",
      severity: "error",
      comment:
        "functions/types/ is the words every layer shares (errors, notification, metric names, the " +
        "metrics port); if it imported anything else of functions/, every importer would drag that along.",
      from: { path: "^functions/types/" },
      to: { path: "^functions/", pathNot: "^functions/types/" },
    },
    {
      name: "planning-is-pure",
      severity: "error",
      comment:
        "Planners decide from values and return values; the I/O happens in adapters behind the ports. " +
        "A client here (even a type-only import of an SDK shape) ties the plan to one SDK's objects: " +
        "convert to the core's own types in the adapter instead.",
      from: { path: PLANNING },
      to: { path: IO_CLIENTS },
    },
    {
      name: "no-test-code-in-product",
      severity: "error",
      comment:
        "Fakes, fixtures and the harness are not deployed: product code that imports them breaks in Lambda.",
      from: { path: "^(functions|service)/" },
      to: { path: "^tests/" },
    },
    {
      name: "service-and-functions-apart",
      severity: "error",
      comment:
        "service/ (a container image) and functions/ (Lambda bundles) are built, versioned and deployed " +
        "separately and share no package, in either direction: what one needs from the other is " +
        "duplicated on purpose (e.g. service/src/errors.ts).",
      // $1 is the side the import starts from: it may import its own side, never the other.
      from: { path: "^(functions|service)/" },
      to: { path: "^(functions|service)/", pathNot: "^$1/" },
    },
    {
      name: "adapters-do-not-import-handlers",
      severity: "error",
      comment:
        "functions/handlers/ holds the entry points and composition roots: the top of the graph. " +
        "Anything else that imports them (an adapter, a dev tool) would depend on every adapter they wire.",
      from: { path: "^(functions|service)/", pathNot: "^functions/handlers/" },
      to: { path: "^functions/handlers/" },
    },
  ],
  options: {
    // Type-only imports count: a port that names an SDK type is as coupled as one that calls it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
