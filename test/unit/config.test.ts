import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadDotEnv, missingSlackCredentials, parseConfig, serveMode } from "../../src/config.ts";

describe("configuration", () => {
  it("has defaults for everything optional", () => {
    const c = parseConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.SLACK_API_URL).toBe("https://slack.com/api/");
    expect(c.DATABASE_URL).toBeUndefined();
    expect(missingSlackCredentials(c)).toEqual(["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]);
  });

  it("reports every problem at once, by name, without printing secret values", () => {
    const secret = "xoxp-very-secret-user-token";
    try {
      parseConfig({ SLACK_BOT_TOKEN: secret, SLACK_SIGNING_SECRET: "short", PORT: "http", DATABASE_URL: "mysql://root:hunter2@db/x", SLACK_API_URL: "not a url", SLACK_APP_TOKEN: "xoxb-nope" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      for (const name of ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORT", "DATABASE_URL", "SLACK_API_URL", "SLACK_APP_TOKEN"]) expect(problems).toContain(`${name}:`);
      expect((err as Error).message).not.toContain(secret);
      expect((err as Error).message).not.toContain("hunter2");
      expect((err as Error).message).not.toContain("xoxb-nope");
    }
  });

  it("accepts a complete HTTP-mode configuration, and Socket Mode without a signing secret", () => {
    const c = parseConfig({ SLACK_BOT_TOKEN: "xoxb-1-2", SLACK_SIGNING_SECRET: "8f742231b10e8888", PORT: "8080", SLACK_API_URL: "http://127.0.0.1:9/api", INCIDENT_ANNOUNCE_CHANNEL: "C0123456789" });
    expect(c.SLACK_API_URL).toBe("http://127.0.0.1:9/api/");
    expect(c.PORT).toBe(8080);
    expect(missingSlackCredentials(c)).toEqual([]);
    expect(missingSlackCredentials(parseConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" }))).toEqual([]);
  });

  it("METRICS_TOKEN: unset by default; a short one is refused without being printed", () => {
    expect(parseConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(parseConfig({ METRICS_TOKEN: "0123456789abcdef0123" }).METRICS_TOKEN).toBe("0123456789abcdef0123");
    try {
      parseConfig({ METRICS_TOKEN: "hunter2" });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems.join("\n")).toMatch(/^METRICS_TOKEN: expected at least 16 characters/);
      expect((err as Error).message).not.toContain("hunter2");
    }
  });

  it("reads a .env file without overriding the environment", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "env-"));
    const file = path.join(dir, ".env");
    writeFileSync(file, "# comment\nPORT=4000\nexport SLACK_BOT_TOKEN='xoxb-from-file'\nLOG_LEVEL=debug # trailing comment\n");
    const env: NodeJS.ProcessEnv = { PORT: "5000" };
    expect(loadDotEnv(file, env)).toBe(true);
    expect(env).toEqual({ PORT: "5000", SLACK_BOT_TOKEN: "xoxb-from-file", LOG_LEVEL: "debug" });
    expect(loadDotEnv(path.join(dir, "missing"), env)).toBe(false);
  });
});

describe("what serve does with a configuration (safe defaults)", () => {
  const slack = { SLACK_BOT_TOKEN: "xoxb-1-2", SLACK_SIGNING_SECRET: "8f742231b10e8888" };
  const db = { DATABASE_URL: "postgresql://bot:pw@db.internal:5432/incidents" };
  it("local mode only on a fresh start, or when asked for", () => {
    expect(serveMode(parseConfig({}))).toEqual({ mode: "local" });
    expect(serveMode(parseConfig({ ...db, INCIDENT_BOT_LOCAL: "1" }))).toEqual({ mode: "local" });
    const onRealDatabase = serveMode(parseConfig(db));
    expect(onRealDatabase).toMatchObject({ mode: "stop", manifestHelp: true });
    expect(onRealDatabase.mode === "stop" && onRealDatabase.why).toMatch(/DATABASE_URL is\. Local mode starts only on a fresh start/);
    expect(serveMode(parseConfig({ INCIDENT_BOT_LOCAL: "0" }))).toMatchObject({ mode: "stop", why: "Slack credentials are missing: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET." });
  });

  it("Slack half configured stops and names what is missing", () => {
    expect(serveMode(parseConfig({ SLACK_BOT_TOKEN: "xoxb-1-2" }))).toMatchObject({ mode: "stop", why: "Slack is partly configured: SLACK_SIGNING_SECRET is missing." });
    expect(serveMode(parseConfig({ SLACK_SIGNING_SECRET: "8f742231b10e8888" }))).toMatchObject({ mode: "stop", why: "Slack is partly configured: SLACK_BOT_TOKEN is missing." });
  });

  it("serving Slack needs DATABASE_URL, or the embedded PostgreSQL asked for by name", () => {
    expect(serveMode(parseConfig({ ...slack, ...db }))).toEqual({ mode: "slack" });
    expect(serveMode(parseConfig({ ...slack, EMBEDDED_POSTGRES: "1" }))).toEqual({ mode: "slack" });
    const stop = serveMode(parseConfig(slack));
    expect(stop).toMatchObject({ mode: "stop", manifestHelp: false });
    expect(stop.mode === "stop" && stop.why).toMatch(/set DATABASE_URL, or EMBEDDED_POSTGRES=1/);
  });

  it("reads the page rate limit and the private announcement setting", () => {
    expect(parseConfig({}).PAGE_RATE_LIMIT).toEqual({ count: 5, windowSeconds: 600 });
    expect(parseConfig({ PAGE_RATE_LIMIT: "20/1h" }).PAGE_RATE_LIMIT).toEqual({ count: 20, windowSeconds: 3600 });
    expect(() => parseConfig({ PAGE_RATE_LIMIT: "lots" })).toThrow(/PAGE_RATE_LIMIT: expected a count per duration/);
    expect(() => parseConfig({ INCIDENT_ANNOUNCE_PRIVATE: "yes" })).toThrow(/INCIDENT_ANNOUNCE_PRIVATE/);
  });
});
