// Stands in for the `whatwg-url` package in the Lambda bundles (serverless.yml, custom.esbuild.alias).
// The Kubernetes client's node-fetch imports whatwg-url only as a fallback for runtimes without a
// URL class and uses Node's own URL on Node 24; bundling the fallback cost about 290 KB of parse
// at every cold start, and its tr46 dependency's require("punycode") printed a DeprecationWarning
// into every cold start's log.
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
export default { URL, URLSearchParams };
