// `incident-bot doctor`'s verdicts and report, without I/O: scopes compared with the manifest,
// migrations with the database's record, the announce channel, the rota's people, the lines and
// the exit code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  channelResult,
  compareScopes,
  databaseLabel,
  exitCode,
  fail,
  formatReport,
  migrationsResult,
  ok,
  parseChannelSetting,
  peopleResult,
  scopesResult,
  skip,
  slackProblem,
  summaryLine,
  tokenFailure,
  tokenResult,
  warn,
} from "../../src/doctor/checks.ts";
import { runCommand } from "../../src/cli/index.ts";
import { MANIFEST_FILE, manifestBotScopes, readManifestBotScopes } from "../../src/slack/manifest.ts";

describe("the manifest's scopes", () => {
  it("are read from oauth_config.scopes.bot of slack-app-manifest.yml", () => {
    const scopes = readManifestBotScopes();
    expect(scopes).toContain("chat:write");
    expect(scopes).toContain("usergroups:read");
    expect(scopes).toEqual(manifestBotScopes(readFileSync(MANIFEST_FILE, "utf8")));
    expect(new Set(scopes).size).toBe(scopes.length);
  });

  it("a manifest without bot scopes is an error", () => {
    expect(() => manifestBotScopes("display_information:\n  name: x\n")).toThrow(/oauth_config\.scopes\.bot/);
    expect(() => manifestBotScopes("oauth_config:\n  scopes:\n    bot: []\n")).toThrow();
    expect(manifestBotScopes("oauth_config:\n  scopes:\n    bot: [commands, chat:write, commands]\n")).toEqual(["commands", "chat:write"]);
  });
});

describe("scopes", () => {
  const wanted = ["commands", "chat:write", "usergroups:read"];

  it("compares what the manifest asks for with what the token has", () => {
    expect(compareScopes(wanted, ["chat:write", "commands", " usergroups:read", "files:read"])).toEqual({ missing: [], extra: ["files:read"] });
    expect(compareScopes(wanted, ["chat:write"])).toEqual({ missing: ["commands", "usergroups:read"], extra: [] });
  });

  it("a missing scope fails, naming it, with the fix", () => {
    const r = scopesResult(wanted, ["commands", "chat:write"]);
    expect(r).toMatchObject({ name: "slack scopes", status: "fail", summary: "missing: usergroups:read" });
    expect(r.fix).toMatch(/^reinstall the app from slack-app-manifest\.yml/);
    expect(scopesResult(wanted, [...wanted, "files:read"])).toEqual(ok("slack scopes", "all 3 scopes of slack-app-manifest.yml granted (and files:read)"));
  });

  it("no x-oauth-scopes header: a warning, not a failure", () => {
    expect(scopesResult(wanted, undefined).status).toBe("warn");
  });
});

describe("the database", () => {
  const files = [
    { name: "001_a", checksum: "a" },
    { name: "002_b", checksum: "b" },
  ];
  const row = (name: string, checksum: string, finished = true) => ({ name, checksum, finished });

  it("every migration applied: ok", () => {
    expect(migrationsResult(files, [row("001_a", "a"), row("002_b", "b")], "PostgreSQL at h:5432/db")).toEqual(ok("database", "PostgreSQL at h:5432/db: all 2 migrations applied"));
  });

  it("none or some pending: fails, saying to run incident-bot migrate", () => {
    expect(migrationsResult(files, null, "db")).toMatchObject({ status: "fail", summary: "db: no migrations applied (this version has 2)", fix: "run incident-bot migrate" });
    expect(migrationsResult(files, [row("001_a", "a")], "db")).toMatchObject({ status: "fail", summary: "db: 1 of 2 migrations not applied: 002_b", fix: "run incident-bot migrate" });
  });

  it("a failed migration, or one changed after it was applied: fails with what to do", () => {
    expect(migrationsResult(files, [row("001_a", "a"), row("002_b", "b", false)], "db")).toMatchObject({ status: "fail", summary: "db: migration 002_b failed earlier and was not rolled back" });
    expect(migrationsResult(files, [row("001_a", "x"), row("002_b", "b")], "db")).toMatchObject({ status: "fail", summary: "db: migration 001_a was changed after it was applied" });
  });

  it("migrations of a newer version: a warning", () => {
    expect(migrationsResult(files, [row("001_a", "a"), row("002_b", "b"), row("003_c", "c")], "db").status).toBe("warn");
  });

  it("says where without the password", () => {
    expect(databaseLabel("postgresql://bot:s3cret@db.example.com:5432/incident_bot?sslmode=require")).toBe("db.example.com:5432/incident_bot");
    expect(databaseLabel("not a url")).toBe("DATABASE_URL");
  });
});

describe("Slack", () => {
  it("the token: who it is, or why it is refused", () => {
    expect(tokenResult({ teamId: "T1", team: "Acme", userId: "U0BOT", user: "incident-bot", botId: "B1" })).toEqual(ok("slack token", "accepted for workspace T1 (Acme) as @incident-bot (U0BOT)"));
    expect(tokenResult({ teamId: "T1", userId: "U0ME" }).status).toBe("warn");
    const refused = tokenFailure({ code: "slack_webapi_platform_error", data: { error: "invalid_auth" } }, "https://slack.com/api/");
    expect(refused).toMatchObject({ status: "fail", summary: "Slack refused the token (invalid_auth)" });
    expect(refused.fix).toMatch(/SLACK_BOT_TOKEN/);
    const unreachable = tokenFailure({ code: "slack_webapi_request_error", original: { message: "fetch failed", cause: { code: "ECONNREFUSED" } } }, "http://localhost:9/api/");
    expect(unreachable).toMatchObject({ status: "fail", summary: "could not reach Slack at http://localhost:9/api/ (ECONNREFUSED)" });
    expect(slackProblem({ code: "slack_webapi_platform_error", data: { error: "missing_scope", needed: "channels:read" } }, "x")).toBe("Slack answered missing_scope (needs channels:read)");
    expect(slackProblem({ code: "slack_webapi_http_error", statusCode: 503 }, "https://slack.com/api/")).toBe("Slack at https://slack.com/api/ answered HTTP 503");
  });

  it("the announce channel setting: an id, or a name with or without #", () => {
    expect(parseChannelSetting("C0123456789")).toEqual({ id: "C0123456789" });
    expect(parseChannelSetting("G0123456789")).toEqual({ id: "G0123456789" });
    expect(parseChannelSetting("#incidents")).toEqual({ name: "incidents" });
    expect(parseChannelSetting("incidents")).toEqual({ name: "incidents" });
  });

  it("the announce channel: missing, archived, without the bot, or fine", () => {
    const channel = { id: "C1", name: "incidents", isMember: true, isArchived: false, isPrivate: false };
    expect(channelResult("C1", null, "incident-bot")).toMatchObject({ status: "fail", fix: "create it or fix INCIDENT_ANNOUNCE_CHANNEL" });
    expect(channelResult("#incidents", null, "incident-bot").summary).toMatch(/^no channel #incidents/);
    expect(channelResult("C1", { ...channel, isArchived: true }, "incident-bot")).toMatchObject({ status: "fail", summary: "#incidents (C1) is archived" });
    expect(channelResult("C1", { ...channel, isMember: false }, "ops-bot")).toEqual(fail("announce channel", "the bot is not in #incidents (C1)", "invite the bot: /invite @ops-bot in #incidents"));
    expect(channelResult("incidents", channel, "incident-bot")).toEqual(ok("announce channel", "#incidents (C1) exists and the bot is in it"));
  });
});

describe("the rota's people", () => {
  const users = [
    { path: "schedules.a.layers[0].members[0]", userId: "U1" },
    { path: "schedules.a.layers[0].members[1]", userId: "U2" },
    { path: "escalation_policies.p.levels[0].notify[0]", userId: "U2" },
    { path: "access.admins[0]", userId: "U3" },
  ];
  const groups = [{ path: "schedules.a.owners[0]", groupId: "S1" }];

  it("everyone in Slack: ok", () => {
    const verdicts = { users: new Map([["U1", "ok" as const], ["U2", "ok" as const], ["U3", "ok" as const]]), groups: new Map([["S1", "ok" as const]]) };
    expect(peopleResult(users, groups, verdicts)).toEqual(ok("rota people", "the 3 people and 1 user group the rota names are in Slack"));
  });

  it("unknown and deactivated people, and unknown groups, each with where the rota names them", () => {
    const verdicts = { users: new Map([["U1", "ok" as const], ["U2", "unknown" as const], ["U3", "deleted" as const]]), groups: new Map([["S1", "unknown" as const]]) };
    const r = peopleResult(users, groups, verdicts);
    expect(r).toMatchObject({ status: "fail", summary: "2 of 3 people and 1 of 1 user group the rota names are not in Slack" });
    expect(r.details).toEqual([
      "U2: no such Slack user (schedules.a.layers[0].members[1], escalation_policies.p.levels[0].notify[0])",
      "U3: deactivated in Slack (access.admins[0])",
      "S1: no such Slack user group (schedules.a.owners[0])",
    ]);
    const one = peopleResult(users.slice(0, 1), [], { users: new Map([["U1", "unknown" as const]]), groups: new Map() });
    expect(one.summary).toBe("1 of 1 person the rota names is not in Slack");
  });

  it("a rota naming nobody: skipped", () => {
    expect(peopleResult([], [], { users: new Map(), groups: new Map() }).status).toBe("skip");
  });
});

describe("the report", () => {
  const results = [
    ok("database", "all 6 migrations applied"),
    fail("slack scopes", "missing: usergroups:read", "reinstall the app from slack-app-manifest.yml"),
    warn("postmortem export", "something odd\nover two lines", "look"),
    skip("announce channel", "INCIDENT_ANNOUNCE_CHANNEL is not set"),
    fail("rota people", "1 of 2 people the rota names is not in Slack", "fix the rota file", ["U2: no such Slack user (x)"]),
  ];

  it("one aligned line per check (details below), then a summary", () => {
    expect(formatReport(results)).toEqual([
      "ok   database           all 6 migrations applied",
      "FAIL slack scopes       missing: usergroups:read — reinstall the app from slack-app-manifest.yml",
      "warn postmortem export  something odd over two lines — look",
      "skip announce channel   INCIDENT_ANNOUNCE_CHANNEL is not set",
      "FAIL rota people        1 of 2 people the rota names is not in Slack — fix the rota file",
      "       U2: no such Slack user (x)",
      "2 of 5 checks failed (1 warning, 1 skipped): fix them before deploying.",
    ]);
  });

  it("exits 1 on any failure; warnings and skips pass", () => {
    expect(exitCode(results)).toBe(1);
    const passing = results.filter((r) => r.status !== "fail");
    expect(exitCode(passing)).toBe(0);
    expect(summaryLine(passing)).toBe("All 2 checks passed (1 warning, 1 skipped).");
    expect(summaryLine([ok("a", "x")])).toBe("All 1 check passed.");
  });
});

describe("the command", () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
  };

  it("is listed in the help, and has its own", async () => {
    const help = io();
    expect(await runCommand(["help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toMatch(/^ {2}doctor \[--timeout <seconds>\] \[--json\]$/m);
    const own = io();
    expect(await runCommand(["doctor", "--help"], own.io)).toBe(0);
    expect(own.out.join("\n")).toMatch(/^Usage: incident-bot doctor/);
  });

  it("refuses a bad --timeout or an argument with the usage (exit 2)", async () => {
    for (const args of [["--timeout", "0"], ["--timeout", "soon"], ["now"]]) {
      const r = io();
      expect(await runCommand(["doctor", ...args], r.io)).toBe(2);
      expect(r.err.join("\n")).toMatch(/Usage: incident-bot doctor/);
    }
  });
});
