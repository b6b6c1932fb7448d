import { describeTarget, poolConfig, readConfig, redactor, secretsIn } from "../../../service/src/config.js";
import { ConfigError } from "../../../service/src/errors.js";

describe("readConfig", () => {
  it("runs the embedded database when neither DATABASE_URL nor any DB_* variable is set", () => {
    const config = readConfig({ PATH: "/usr/bin", APP_PORT: "8080" });
    expect(config).toEqual({
      database: undefined,
      port: 8080,
      freshnessSeconds: 5,
      reportLogIntervalSeconds: 30,
      shutdownGraceSeconds: 10,
      keepAliveTimeoutSeconds: 65,
      logLevel: "info",
    });
  });

  it("takes the Flask service's DB_* variables with its defaults", () => {
    const config = readConfig({ DB_USERNAME: "coworking", DB_PASSWORD: "s3cret" });
    expect(config.port).toBe(5153);
    expect(config.database).toEqual({
      kind: "fields",
      host: "127.0.0.1",
      port: 5432,
      user: "coworking",
      password: "s3cret",
      database: "postgres",
    });
  });

  it("treats empty variables as unset, as os.environ.get(...) or default did", () => {
    expect(readConfig({ DB_HOST: "", DB_PORT: "", APP_PORT: "" }).database).toBeUndefined();
  });

  it("prefers DATABASE_URL over DB_* and hands it to node-postgres as is", () => {
    const url = "postgresql://analyst:p%40ss@db.internal:6432/coworking";
    const config = readConfig({ DATABASE_URL: url, DB_HOST: "ignored" });
    expect(config.database).toEqual({ kind: "url", connectionString: url });
    expect(poolConfig(config.database ?? { kind: "url", connectionString: "" })).toEqual({
      connectionString: url,
    });
  });

  it("describes the database without its password", () => {
    const url = readConfig({ DATABASE_URL: "postgres://analyst:hunter2@db.internal/coworking" }).database;
    const fields = readConfig({
      DB_USERNAME: "u",
      DB_PASSWORD: "hunter2",
      DB_HOST: "db",
      DB_PORT: "6432",
    }).database;
    if (url === undefined || fields === undefined) throw new Error("expected database targets");
    expect(describeTarget(url)).toBe("analyst@db.internal:5432/coworking");
    expect(describeTarget(fields)).toBe("u@db:6432/postgres");
  });

  it("reads the tuning variables", () => {
    const config = readConfig({
      REPORT_FRESHNESS_SECONDS: "1.5",
      REPORT_LOG_INTERVAL_SECONDS: "0",
      SHUTDOWN_GRACE_SECONDS: "25",
      KEEP_ALIVE_TIMEOUT_SECONDS: "350",
      LOG_LEVEL: "warn",
    });
    expect(config).toMatchObject({
      freshnessSeconds: 1.5,
      reportLogIntervalSeconds: 0,
      shutdownGraceSeconds: 25,
      keepAliveTimeoutSeconds: 350,
      logLevel: "warn",
    });
  });

  it.each([
    [{ DB_PORT: "abc" }, /DB_PORT must be a TCP port/],
    [{ APP_PORT: "70000" }, /APP_PORT must be a TCP port/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL must be a postgres/],
    [
      { REPORT_FRESHNESS_SECONDS: "6" },
      /REPORT_FRESHNESS_SECONDS must be a number of seconds between 0.1 and 5/,
    ],
    [{ REPORT_LOG_INTERVAL_SECONDS: "-1" }, /REPORT_LOG_INTERVAL_SECONDS must be/],
    [
      { KEEP_ALIVE_TIMEOUT_SECONDS: "0.5" },
      /KEEP_ALIVE_TIMEOUT_SECONDS must be a number of seconds between 1 and 4000/,
    ],
    [{ KEEP_ALIVE_TIMEOUT_SECONDS: "4001" }, /KEEP_ALIVE_TIMEOUT_SECONDS must be/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
  ])("rejects %j naming the variable", (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });

  it("never puts a password into its error messages", () => {
    expect(() => readConfig({ DB_PASSWORD: "hunter2", DB_PORT: "x" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });

  it("rejects a DATABASE_URL that does not parse, without repeating it", () => {
    const env = { DATABASE_URL: "postgres://app:hunter2-pw@db host:5432/coworking" };
    expect(() => readConfig(env)).toThrow(/DATABASE_URL is not a valid URL/);
    expect(() => readConfig(env)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });
});

describe("describeTarget", () => {
  it("never throws with the URL in hand, even for one readConfig would have refused", () => {
    expect(describeTarget({ kind: "url", connectionString: "postgres://a:hunter2@db host/x" })).toBe(
      "(unparsable DATABASE_URL)",
    );
  });
});

describe("secretsIn and redactor", () => {
  it("finds DB_PASSWORD and the URL's password as written, decoded and encoded, even when it does not parse", () => {
    expect(secretsIn({ DB_PASSWORD: "hunter2" })).toEqual(["hunter2"]);
    const secrets = secretsIn({ DATABASE_URL: "postgres://app:p%40ss word@db host:5432/x" });
    expect(secrets).toEqual(
      expect.arrayContaining(["postgres://app:p%40ss word@db host:5432/x", "p%40ss word", "p@ss word"]),
    );
    expect(secretsIn({ DATABASE_URL: "postgres://app:pa/ss#wd@db/x" })).toContain("pa/ss#wd");
    expect(secretsIn({ DATABASE_URL: "postgres://db/x", DB_PASSWORD: "" })).toEqual(["postgres://db/x"]);
  });

  it("redacts each secret, its JSON-escaped form, and a whole URL rather than around its password", () => {
    const url = 'postgres://app:qu"ote\\pw@db/x';
    const redact = redactor(secretsIn({ DATABASE_URL: url }));
    expect(redact(JSON.stringify({ input: url, msg: "failed" }))).toBe(
      '{"input":"[redacted]","msg":"failed"}',
    );
    expect(redact(JSON.stringify({ password: 'qu"ote\\pw' }))).toBe('{"password":"[redacted]"}');
    expect(redactor([])("unchanged")).toBe("unchanged");
  });
});
