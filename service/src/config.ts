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
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// or postgresql:// URL" })
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
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

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

/** Where the service reads from, for logs: never the password or the full URL. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === "fields")
    return `${target.user ?? "(default user)"}@${target.host}:${target.port}/${target.database}`;
  const url = new URL(target.connectionString);
  return `${decodeURIComponent(url.username) || "(default user)"}@${url.hostname}:${url.port || "5432"}${url.pathname}`;
}
