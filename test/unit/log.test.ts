// The log: JSON lines (or pretty ones for people), levels, fields that loggers carry, and secrets
// that never reach the output, by field name or inside any text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, secretValues } from "../../src/config.ts";
import { createLogger, memoryLogger, newRequestId, prettyLine, requestLogger, scrubSecrets, SECRET_KEYS, type Level, type LogFormat } from "../../src/log.ts";
import { redactCredentials } from "../../src/postmortem/export/exporter.ts";

/** A logger writing to an array of raw chunks (what would reach stderr). */
function capture(level: Level = "debug", opts: { format?: LogFormat; isTTY?: boolean; secrets?: string[] } = {}) {
  const chunks: string[] = [];
  const log = createLogger(level, { format: opts.format, secrets: opts.secrets, destination: { write: (c: string) => void chunks.push(c), isTTY: opts.isTTY } });
  const records = () => chunks.map((c) => JSON.parse(c) as Record<string, any>);
  return { log, chunks, records, all: () => chunks.join("") };
}

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

describe("the log's JSON lines", () => {
  it("writes one JSON object a line: level, ISO time, msg and the fields", () => {
    const { log, chunks, records } = capture();
    log.info("database schema is up to date");
    log.warn("outbox: retrying", { attempt: 2, lane: "channel", id: 12n, at: new Date("2026-03-01T10:00:00Z") });
    expect(chunks).toHaveLength(2);
    for (const c of chunks) expect(c.endsWith("\n") && !c.slice(0, -1).includes("\n")).toBe(true);
    const [a, b] = records();
    expect(a).toMatchObject({ level: "info", msg: "database schema is up to date" });
    expect(new Date(a.time).toISOString()).toBe(a.time);
    expect(typeof a.pid).toBe("number");
    expect(b).toMatchObject({ level: "warn", msg: "outbox: retrying", attempt: 2, lane: "channel", id: "12", at: "2026-03-01T10:00:00.000Z" });
  });

  it("keeps a message as it is (no printf formatting), even multi-line", () => {
    const { log, records } = capture();
    log.error("100%% done %s %d\nsecond line");
    expect(records()[0].msg).toBe("100%% done %s %d\nsecond line");
  });

  it("writes an error field as its type, message and stack", () => {
    const { log, records } = capture();
    const err = Object.assign(new TypeError("boom"), { code: "E_BOOM" });
    log.error("it failed", { err });
    expect(records()[0].err).toMatchObject({ type: "TypeError", message: "boom", code: "E_BOOM" });
    expect(records()[0].err.stack).toContain("TypeError: boom");
  });

  it("writes only the lines at its level and above", () => {
    for (const [level, expected] of [
      ["debug", ["debug", "info", "warn", "error"]],
      ["info", ["info", "warn", "error"]],
      ["warn", ["warn", "error"]],
      ["error", ["error"]],
    ] as const) {
      const { log, records } = capture(level);
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
      expect(records().map((r) => r.level)).toEqual(expected);
    }
  });

  it("a child carries its bindings on every line, its children theirs too", () => {
    const { log, records } = capture();
    const req = log.child({ req: "abc123", actor: "U0ALICE001" });
    req.child({ incident: "INC-12" }).info("changed");
    req.info("handled");
    log.info("plain");
    expect(records()[0]).toMatchObject({ req: "abc123", actor: "U0ALICE001", incident: "INC-12", msg: "changed" });
    expect(records()[1]).toMatchObject({ req: "abc123", actor: "U0ALICE001", msg: "handled" });
    expect(records()[1]).not.toHaveProperty("incident");
    expect(records()[2]).not.toHaveProperty("req");
  });

  it("a request's logger takes more fields once known; a field given again has its new value, once", () => {
    const { log, chunks, records } = capture();
    const r = requestLogger(log, { req: "r1", actor: "U0BOB00002" });
    r.info("before");
    r.bind({ incident: "INC-1" });
    r.bind({ incident: "INC-2", outcome: "ok" });
    r.info("after");
    expect(records()[0]).not.toHaveProperty("incident");
    expect(records()[1]).toMatchObject({ req: "r1", actor: "U0BOB00002", incident: "INC-2", outcome: "ok" });
    expect(chunks[1].match(/"incident"/g)).toHaveLength(1);
    expect(r.bindings()).toEqual({ req: "r1", actor: "U0BOB00002", incident: "INC-2", outcome: "ok" });
  });

  it("request ids are short and differ", () => {
    const ids = new Set(Array.from({ length: 1000 }, newRequestId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
  });

  it("memoryLogger keeps 'level msg' lines and the records with their fields, its children's too", () => {
    const log = memoryLogger();
    log.debug("d");
    log.child({ req: "x" }).error("failed", { code: "boom" });
    expect(log.lines).toEqual(["debug d", "error failed"]);
    expect(log.records[1]).toMatchObject({ level: "error", msg: "failed", req: "x", code: "boom" });
  });
});

describe("secrets in the log", () => {
  it("fields named like secrets are redacted by path, at the top, nested at any depth, and in a child's bindings", () => {
    const { log, all, records } = capture();
    const fields: Record<string, string> = Object.fromEntries(SECRET_KEYS.map((k, i) => [k, `value-of-${k}-${i}-s3cr3t`]));
    log.info("top", fields);
    log.info("nested", { slack: { botToken: "nested-bot-token", signingSecret: "nested-signing-secret" }, a: { b: { password: "deep-password" } } });
    log.info("headers", { req: { headers: { authorization: "Bearer abcdefghijkl", "content-type": "application/json" } } });
    log.child({ token: "bound-token", req: "r1" }).info("child");
    log.info("deep", { a: { b: { c: { d: { apiToken: "four-levels-down" } } } } });
    for (const k of SECRET_KEYS) expect(records()[0][k]).toBe("***");
    expect(records()[1].slack).toEqual({ botToken: "***", signingSecret: "***" });
    expect(records()[1].a.b.password).toBe("***");
    expect(records()[2].req.headers).toEqual({ authorization: "***", "content-type": "application/json" });
    expect(records()[3]).toMatchObject({ token: "***", req: "r1" });
    expect(records()[4].a.b.c.d.apiToken).toBe("***");
    for (const leak of ["s3cr3t", "nested-bot-token", "nested-signing-secret", "deep-password", "abcdefghijkl", "bound-token", "four-levels-down"]) expect(all()).not.toContain(leak);
  });

  it("DATABASE_URL and git remotes keep where they point, not their password", () => {
    const { log, records, all } = capture();
    log.info("database", {
      DATABASE_URL: "postgresql://incident_bot:hunter2secret@db.internal:5432/incident_bot",
      POSTMORTEM_GIT_REMOTE: "https://bot:ghtoken12345@github.com/acme/acme.wiki.git",
      config: { DATABASE_URL: "postgres://u:p%40ss%2Fword@h/db" },
      remote: "git@github.com:acme/acme.wiki.git",
    });
    const r = records()[0];
    expect(r.DATABASE_URL).toBe("postgresql://incident_bot:***@db.internal:5432/incident_bot");
    expect(r.POSTMORTEM_GIT_REMOTE).toBe("https://bot:***@github.com/acme/acme.wiki.git");
    expect(r.config.DATABASE_URL).toBe("postgres://u:***@h/db");
    expect(r.remote).toBe("git@github.com:acme/acme.wiki.git");
    for (const leak of ["hunter2secret", "ghtoken12345", "p%40ss"]) expect(all()).not.toContain(leak);
  });

  it("secrets inside the message and inside any string field are hidden", () => {
    const cases: [string, string][] = [
      ["could not connect to postgres://incident_bot:hunter2@db:5432/x", "could not connect to postgres://incident_bot:***@db:5432/x"],
      ["postgresql://user:p@ss@word@host/db", "postgresql://user:***@host/db"],
      ["git push https://bot:ghtoken12345@github.com/acme/wiki.git failed", "git push https://bot:***@github.com/acme/wiki.git failed"],
      ["cloning https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/wiki.git", "cloning https://***@github.com/acme/wiki.git"],
      ["token xoxb-1234-5678-abcdefABCDEF refused", "token xoxb-*** refused"],
      ["user token xoxp-1-2-3-abc, app token xapp-1-A0-123-abc", "user token xoxp-***, app token xapp-***"],
      ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Authorization: Bearer ***"],
      ["Authorization: Basic Ym90QGV4YW1wbGUuY29tOkFUQVRUM3hGZkdGMA==", "Authorization: Basic ***"],
      ["a GitHub token ghp_abcdefghijklmnopqrstuvwxyz0123 and github_pat_11ABCDEFG0123456789_abcdefghijkl", "a GitHub token ghp_*** and github_pat_***"],
      ["Confluence token ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz=1234ABCD", "Confluence token ATATT***"],
      ["GET https://api.example.com/x?access_token=abc123def&page=2", "GET https://api.example.com/x?access_token=***&page=2"],
    ];
    const { log, records } = capture();
    for (const [input] of cases) log.info(input, { detail: input, list: [input], nested: { deeper: input } });
    cases.forEach(([, expected], i) => {
      expect(records()[i]).toMatchObject({ msg: expected, detail: expected, list: [expected], nested: { deeper: expected } });
    });
  });

  it("the configured secrets' values are hidden wherever they appear (messages, fields, bindings, errors)", () => {
    const { log, all, records } = capture("debug", { secrets: [SIGNING_SECRET, "short"] });
    log.info(`secret is ${SIGNING_SECRET}.`, { body: `x=${SIGNING_SECRET}` });
    log.child({ note: SIGNING_SECRET }).error("failed", { err: new Error(`bad ${SIGNING_SECRET}`) });
    expect(all()).not.toContain(SIGNING_SECRET);
    expect(records()[0]).toMatchObject({ msg: "secret is ***.", body: "x=***" });
    expect(records()[1]).toMatchObject({ note: "***", err: { message: "bad ***" } });
    // too short to hide without hiding ordinary words
    log.info("a short word");
    expect(records()[2].msg).toBe("a short word");
  });

  it("leaves ordinary text alone", () => {
    for (const text of [
      "serving Slack requests at http://0.0.0.0:3000/slack/events (liveness: /healthz, readiness: /readyz)",
      "git@github.com:acme/acme.wiki.git and ssh://git@github.com/acme/wiki.git",
      "INC-12: created channel #inc-12-checkout-is-down (C0123456789)",
      "mail bob@example.com about https://example.atlassian.net/wiki/spaces/ENG",
      "Slack refuses the bot's token (token_revoked): reinstall the app",
    ]) {
      expect(scrubSecrets(text)).toBe(text);
    }
  });

  it("property: a password in a URL never survives, whatever it is", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%@-]{10,40}$/), fc.constantFrom("postgres", "postgresql", "https", "http", "git+https"), (password, scheme) => {
        const text = `failed: ${scheme}://someone:${password}@host.example:5432/path and more`;
        const out = scrubSecrets(text);
        expect(out).toContain(`${scheme}://someone:***@`);
        expect(out).not.toContain(password);
      }),
    );
  });

  it("the git exporter's messages hide the same tokens (and the URL's user too)", () => {
    expect(redactCredentials("https://bot:s3cret@git.example.com/wiki.git")).toBe("https://***@git.example.com/wiki.git");
    expect(redactCredentials("remote: invalid token ghp_abcdefghijklmnopqrstuvwxyz0123")).toBe("remote: invalid token ghp_***");
  });
});

describe("the pretty format", () => {
  it("is time, level, message, then key=value of the fields (no pid or host)", () => {
    const { log, all } = capture("debug", { format: "pretty" });
    log.child({ req: "abc123", incident: "INC-12" }).warn("outbox: retrying", { lane: "channel", detail: "two words", n: 3, token: "xoxb-1-2" });
    expect(all()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn  outbox: retrying req=abc123 incident=INC-12 lane=channel detail="two words" n=3 token=\*\*\*\n$/);
  });

  it("is the default on a terminal; JSON lines are the default anywhere else (a pipe, a file, CI)", () => {
    const tty = capture("info", { isTTY: true });
    tty.log.info("hello", { req: "r1" });
    expect(tty.all()).toMatch(/^\S+Z info  hello req=r1\n$/);
    const pipe = capture("info", { isTTY: false });
    pipe.log.info("hello", { req: "r1" });
    expect(JSON.parse(pipe.all())).toMatchObject({ level: "info", msg: "hello", req: "r1" });
    const asked = capture("info", { isTTY: true, format: "json" });
    asked.log.info("hello");
    expect(JSON.parse(asked.all())).toMatchObject({ msg: "hello" });
  });

  it("puts an error's stack below its line", () => {
    const { log, all } = capture("debug", { format: "pretty" });
    log.error("/incident sev failed: Error: connection reset", { err: new Error("connection reset"), req: "r1" });
    const [first, second, third] = all().split("\n");
    expect(first).toMatch(/ error \/incident sev failed: Error: connection reset req=r1$/);
    expect(second).toBe("    Error: connection reset");
    expect(third).toMatch(/^ {4}\s*at /);
  });

  it("prettyLine leaves a line that is not JSON as it is", () => {
    expect(prettyLine("not json\n")).toBe("not json\n");
  });
});

describe("LOG_FORMAT and LOG_LEVEL", () => {
  it("are read from the environment: LOG_FORMAT unset means 'by the terminal'", () => {
    expect(parseConfig({}).LOG_FORMAT).toBeUndefined();
    expect(parseConfig({ LOG_FORMAT: "" }).LOG_FORMAT).toBeUndefined();
    expect(parseConfig({ LOG_FORMAT: "pretty", LOG_LEVEL: "debug" })).toMatchObject({ LOG_FORMAT: "pretty", LOG_LEVEL: "debug" });
    expect(() => parseConfig({ LOG_FORMAT: "xml" })).toThrow(ConfigError);
    try {
      parseConfig({ LOG_FORMAT: "xml" });
    } catch (err) {
      expect((err as ConfigError).problems.join("\n")).toMatch(/^LOG_FORMAT: expected json .* or pretty/);
    }
  });

  it("the configured secrets are what the log is told to hide", () => {
    const config = parseConfig({
      SLACK_BOT_TOKEN: "xoxb-configured-token",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: "xapp-configured-app-token",
      CONFLUENCE_BASE_URL: "https://example.atlassian.net/wiki",
      CONFLUENCE_EMAIL: "bot@example.com",
      CONFLUENCE_API_TOKEN: "confluence-api-token-value",
      CONFLUENCE_SPACE_KEY: "ENG",
    });
    expect(secretValues(config).sort()).toEqual(["confluence-api-token-value", SIGNING_SECRET, "xapp-configured-app-token", "xoxb-configured-token"].sort());
  });
});
