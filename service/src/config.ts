// The analytics API's whole configuration, read once at start from the environment. A bad value
// fails before anything starts, with a ConfigError naming the variable. Every variable is
// documented in service/README.md, "Environment".
import type { PoolConfig } from "pg";
import { z } from "zod";
import { ConfigError } from "./errors.js";

export type Env = Record<string, string | undefined>;

/** Where the database is: the Flask service's DB_* variables, or one DATABASE_URL. */
export type DatabaseTarget =
  | { kind: "url"; connectionString: string }
  | {
      kind: "fields";
      host: string;
      port: number;
      user: string | undefined;
      password: string | undefined;
      database: string;
    };

export interface ServiceConfig {
  /** Undefined when neither DATABASE_URL nor any DB_* variable is set: `npm start` then runs an embedded PostgreSQL. */
  database: DatabaseTarget | undefined;
  port: number;
  /** Upper bound on the age of any report answer, in seconds. */
  freshnessSeconds: number;
  /** Period of the daily-usage log line; 0 disables it. */
  reportLogIntervalSeconds: number;
  /** How long SIGTERM waits for in-flight requests before the process exits anyway. */
  shutdownGraceSeconds: number;
  /**
   * How long an idle keep-alive connection stays open. Above the load balancer's idle timeout
   * (an ALB's is 60 s), so the balancer, not the server, closes idle connections: a server that
   * closes first races the balancer's next request on that connection (a 502).
   */
  keepAliveTimeoutSeconds: number;
  logLevel: string;
}

const port = z.coerce
  .number({ error: "must be a TCP port (1-65535)" })
  .int({ error: "must be a TCP port (1-65535)" })
  .min(1, { error: "must be a TCP port (1-65535)" })
  .max(65535, { error: "must be a TCP port (1-65535)" });

const seconds = (what: string, min: number) =>
  z.coerce.number({ error: `must be ${what}` }).min(min, { error: `must be ${what}` });

const schema = z.object({
  // The messages never repeat the value: a URL may hold a password.
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// or postgresql:// URL" })
    .refine(parsesAsUrl, {
      error:
        "is not a valid URL (value not shown: it may hold a password; percent-encode special characters)",
    })
    .optional(),
  DB_USERNAME: z.string().optional(),
  DB_PASSWORD: z.string().optional(),
  DB_HOST: z.string().min(1, { error: "must not be empty" }).default("127.0.0.1"),
  DB_PORT: port.default(5432),
  DB_NAME: z.string().min(1, { error: "must not be empty" }).default("postgres"),
  APP_PORT: port.default(5153),
  REPORT_FRESHNESS_SECONDS: seconds("a number of seconds between 0.1 and 5", 0.1)
    .max(5, { error: "must be a number of seconds between 0.1 and 5" })
    .default(5),
  REPORT_LOG_INTERVAL_SECONDS: seconds("a number of seconds, 0 to disable", 0).default(30),
  SHUTDOWN_GRACE_SECONDS: seconds("a number of seconds (> 0)", 0.1).default(10),
  // 4000 s is the largest idle timeout an ALB takes.
  KEEP_ALIVE_TIMEOUT_SECONDS: seconds("a number of seconds between 1 and 4000", 1)
    .max(4000, { error: "must be a number of seconds between 1 and 4000" })
    .default(65),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

function parsesAsUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const dbFieldNames = ["DB_USERNAME", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_NAME"] as const;

export function readConfig(env: Env): ServiceConfig {
  // Empty strings count as unset, as they did for the Flask service's os.environ.get(...) or default.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const values = parsed.data;
  return {
    database: databaseTarget(
      values,
      dbFieldNames.some((name) => name in present),
    ),
    port: values.APP_PORT,
    freshnessSeconds: values.REPORT_FRESHNESS_SECONDS,
    reportLogIntervalSeconds: values.REPORT_LOG_INTERVAL_SECONDS,
    shutdownGraceSeconds: values.SHUTDOWN_GRACE_SECONDS,
    keepAliveTimeoutSeconds: values.KEEP_ALIVE_TIMEOUT_SECONDS,
    logLevel: values.LOG_LEVEL,
  };
}

function databaseTarget(values: z.infer<typeof schema>, anyDbField: boolean): DatabaseTarget | undefined {
  // DATABASE_URL wins when both are given: it is the more specific, single-value form.
  if (values.DATABASE_URL !== undefined) return { kind: "url", connectionString: values.DATABASE_URL };
  if (!anyDbField) return undefined;
  return {
    kind: "fields",
    host: values.DB_HOST,
    port: values.DB_PORT,
    user: values.DB_USERNAME,
    password: values.DB_PASSWORD,
    database: values.DB_NAME,
  };
}

/** node-postgres settings for a target. */
export function poolConfig(target: DatabaseTarget): PoolConfig {
  return target.kind === "url"
    ? { connectionString: target.connectionString }
    : {
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
      };
}

/**
 * The secret values in the environment, in every form a log line could carry them: DB_PASSWORD,
 * DATABASE_URL whole, and the URL's password as written and percent-decoded. Read from the raw
 * environment, before (and whether or not) the configuration validates, so a malformed URL's
 * password is known too. Values shorter than 4 characters are left out: redacting them would
 * garble every log line, and they are no secret worth the name.
 */
export function secretsIn(env: Env): string[] {
  const secrets = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value.length >= 4) secrets.add(value);
  };
  add(env.DB_PASSWORD);
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== "") {
    add(url);
    // scheme://user:password@host…, read without a URL parser, as the URL may not parse: the
    // userinfo up to the last "@" of the authority, and (for a password with a raw "/", "?" or
    // "#") up to the last "@" of the whole value.
    const afterScheme = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(url)?.[1] ?? "";
    const authority = /^[^/?#]*/.exec(afterScheme)?.[0] ?? "";
    for (const text of [authority, afterScheme]) {
      const at = text.lastIndexOf("@");
      const userinfo = at >= 0 ? text.slice(0, at) : "";
      const colon = userinfo.indexOf(":");
      if (colon < 0) continue;
      const password = userinfo.slice(colon + 1);
      add(password);
      try {
        add(decodeURIComponent(password));
      } catch {
        // not valid percent-encoding: the form as written is already listed
      }
      add(encodeURIComponent(password));
    }
  }
  return [...secrets];
}

/**
 * Replaces every secret (and its JSON-escaped form, as a JSON log line holds it) with
 * "[redacted]". The last line of defence for log output: no code path is meant to log a secret.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]))]
    // longest first, so a URL is redacted whole rather than around its password
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => forms.reduce((out, form) => out.split(form).join("[redacted]"), text);
}

/** Where the service reads from, for logs: never the password or the full URL. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === "fields")
    return `${target.user ?? "(default user)"}@${target.host}:${target.port}/${target.database}`;
  // readConfig accepts only URLs that parse; still, an error here would carry the URL as `input`.
  let url: URL;
  try {
    url = new URL(target.connectionString);
  } catch {
    return "(unparsable DATABASE_URL)";
  }
  let user = url.username;
  try {
    user = decodeURIComponent(url.username);
  } catch {
    // shown as written
  }
  return `${user || "(default user)"}@${url.hostname}:${url.port || "5432"}${url.pathname}`;
}
