// `incident-bot doctor` in its own process, as a deploy runs it: against a real PostgreSQL, the
// Slack stand-in over HTTP (which says the token's scopes in `x-oauth-scopes`, as Slack does) and
// a git wiki in a local bare repository. Everything fine exits 0; a missing scope, an announce
// channel the bot is not in (or that does not exist), a person the rota names whom Slack does not
// know, an unreachable wiki or a database not migrated fail their line, say what to do, and exit 1.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { applyRota } from "../../src/oncall/apply.ts";
import { parseRotaFile } from "../../src/oncall/rota-file.ts";
import { readManifestBotScopes } from "../../src/slack/manifest.ts";
import { SlackStandIn } from "../../src/standin/index.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";
import { runCli } from "../support/process.ts";

const TOKEN = "xoxb-doctor-test";
const PEOPLE = ["U0ALICE001", "U0BOB00002", "U0CAROL003"];
const GROUP = "S0ONCALL01";
const GHOST = "U0GHOST001";
const GONE = "U0GONE0001";

const ROTA = `${rotaFile({
  admins: [GROUP],
  schedules: [weeklySchedule("platform", "Europe/London", PEOPLE.slice(0, 2), "2026-02-23T09:00", [PEOPLE[2]])],
  policies: [policy("platform", [[["schedule:platform"], "5m"], [[`user:${PEOPLE[2]}`], "10m"]])],
  services: { checkout: "platform" },
})}usergroups:
  platform-oncall: { id: ${GROUP}, schedules: [platform] }
`;

/** The same rota naming someone Slack never heard of and someone deactivated, and a user group that is gone. */
const BAD_ROTA = rotaFile({
  admins: ["S0NOGROUP1"],
  schedules: [weeklySchedule("platform", "Europe/London", [PEOPLE[0], GHOST], "2026-02-23T09:00", [GONE])],
  policies: [policy("platform", [[["schedule:platform"], "5m"], [[`user:${GHOST}`], "10m"]])],
});

async function applied(t: TestDatabase, text: string): Promise<void> {
  const parsed = parseRotaFile(text);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  await applyRota(t.db, parsed.rota);
}

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

let slack: SlackStandIn;
let t: TestDatabase;
let cwd: string;
let wiki: string;
let env: Record<string, string>;
let incidents: string;
let elsewhere: string;

beforeAll(async () => {
  slack = new SlackStandIn({ token: TOKEN, users: PEOPLE.map((id) => ({ id, name: id.toLowerCase() })) });
  slack.addUser({ id: GONE, name: "gone", deleted: true });
  slack.addUserGroup(GROUP, "platform-oncall", PEOPLE.slice(0, 2));
  incidents = slack.addChannel("incidents", { members: [PEOPLE[0], slack.botUserId] }).id;
  elsewhere = slack.addChannel("random", { members: [PEOPLE[0]] }).id;
  t = await freshDatabase();
  await applied(t, ROTA);
  cwd = mkdtempSync(path.join(os.tmpdir(), "doctor-"));
  wiki = path.join(cwd, "wiki.git");
  git(cwd, "init", "--quiet", "--bare", "--initial-branch=main", wiki);
  env = {
    DATABASE_URL: t.url,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: "a-signing-secret",
    SLACK_API_URL: await slack.start(),
    INCIDENT_ANNOUNCE_CHANNEL: incidents,
    POSTMORTEM_GIT_REMOTE: wiki,
  };
});
afterAll(async () => {
  await slack?.stop();
  await t?.drop();
});
beforeEach(() => {
  slack.resetCalls();
  slack.grantScopes(readManifestBotScopes());
});

const doctor = (extra: Record<string, string> = {}, args: string[] = []) => runCli(["doctor", "--timeout", "15", ...args], { ...env, ...extra }, cwd);

/** The report's line of one check. */
function line(stdout: string, check: string): string {
  const found = stdout.split("\n").find((l) => new RegExp(`^(ok  |FAIL|warn|skip) ${check} `).test(l));
  if (!found) throw new Error(`no line for ${check} in:\n${stdout}`);
  return found;
}

describe("incident-bot doctor", () => {
  it("everything fine: one ok line per check, a summary, exit 0, and nothing written anywhere", async () => {
    const r = await doctor();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(line(r.stdout, "database")).toMatch(/^ok {3}database +PostgreSQL at 127\.0\.0\.1:\d+\/incident_bot_test_\w+ \(\d+[.\d]*\): all \d+ migrations applied$/);
    expect(line(r.stdout, "slack token")).toBe(`ok   slack token          accepted for workspace ${slack.teamId} (${slack.teamName}) as @incident-bot (${slack.botUserId})`);
    expect(line(r.stdout, "slack scopes")).toMatch(/^ok {3}slack scopes +all 14 scopes of slack-app-manifest\.yml granted$/);
    expect(line(r.stdout, "announce channel")).toMatch(new RegExp(`^ok {3}announce channel +#incidents \\(${incidents}\\) exists and the bot is in it$`));
    expect(line(r.stdout, "postmortem export")).toMatch(/^ok {3}postmortem export +git: .*wiki\.git answers; branch main does not exist yet \(the first export creates it\); a push is accepted \(dry run\)$/);
    expect(line(r.stdout, "private postmortems")).toMatch(/^skip private postmortems +POSTMORTEM_PRIVATE_DIR is not set/);
    expect(line(r.stdout, "rota people")).toMatch(/^ok {3}rota people +the 3 people and 1 user group the rota names are in Slack$/);
    expect(line(r.stdout, "user groups")).toBe("ok   user groups          1 user group follows the rota: platform-oncall (S0ONCALL01)");
    expect(r.stdout.trim().split("\n").at(-1)).toBe("All 8 checks passed (1 skipped).");

    // Only questions were asked of Slack, and the wiki got no branch from the push check.
    expect([...new Set(slack.calls.map((c) => c.method))].sort()).toEqual(["auth.test", "conversations.info", "usergroups.users.list", "users.info"]);
    expect(slack.callsTo("users.info").map((c) => c.args.user).sort()).toEqual([...PEOPLE].sort());
    slack.assertNoUnexpectedCalls();
    expect(git(wiki, "for-each-ref")).toBe("");
  });

  it("a scope the manifest asks for but the token lacks: that line fails naming it, with the fix; exit 1", async () => {
    slack.grantScopes(readManifestBotScopes().filter((s) => s !== "usergroups:read"));
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(line(r.stdout, "slack scopes")).toBe(
      "FAIL slack scopes         missing: usergroups:read — reinstall the app from slack-app-manifest.yml (update the app's manifest, then OAuth & Permissions → Reinstall to Workspace)",
    );
    expect(line(r.stdout, "slack token")).toMatch(/^ok /);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1 of 9 checks failed (1 skipped): fix it before deploying.");
  });

  it("an announce channel the bot is not in, given by id or by name: fails with how to invite it", async () => {
    for (const setting of [elsewhere, "#random", "random"]) {
      const r = await doctor({ INCIDENT_ANNOUNCE_CHANNEL: setting });
      expect(r.code, setting).toBe(1);
      expect(line(r.stdout, "announce channel")).toBe(`FAIL announce channel     the bot is not in #random (${elsewhere}) — invite the bot: /invite @incident-bot in #random`);
    }
    expect(slack.callsTo("conversations.list").length).toBeGreaterThan(0);
  });

  it("an announce channel that does not exist: fails, saying to create it or fix the setting", async () => {
    const byId = await doctor({ INCIDENT_ANNOUNCE_CHANNEL: "C0NOSUCH01" });
    expect(byId.code).toBe(1);
    expect(line(byId.stdout, "announce channel")).toMatch(/^FAIL announce channel +no channel C0NOSUCH01 .* — create it or fix INCIDENT_ANNOUNCE_CHANNEL$/);
    const byName = await doctor({ INCIDENT_ANNOUNCE_CHANNEL: "#war-room" });
    expect(line(byName.stdout, "announce channel")).toMatch(/^FAIL announce channel +no channel #war-room .* — create it or fix INCIDENT_ANNOUNCE_CHANNEL$/);
  });

  it("a rota naming someone Slack does not know, someone deactivated and a user group that is gone: fails, listing each with where", async () => {
    const other = await freshDatabase();
    try {
      await applied(other, BAD_ROTA);
      const r = await doctor({ DATABASE_URL: other.url });
      expect(r.code).toBe(1);
      const lines = r.stdout.split("\n");
      const at = lines.indexOf(line(r.stdout, "rota people"));
      expect(lines[at]).toBe("FAIL rota people          2 of 3 people and 1 of 1 user group the rota names are not in Slack — fix the rota file and apply it again (incident-bot rota apply <file>)");
      expect(lines.slice(at + 1, at + 4).map((l) => l.trim()).sort()).toEqual([
        "S0NOGROUP1: no such Slack user group (access.admins[0])",
        `${GHOST}: no such Slack user (schedules.platform.layers[0].members[1], escalation_policies.platform.levels[1].notify[0])`,
        `${GONE}: deactivated in Slack (schedules.platform.owners[0])`,
      ]);
      expect(lines[at + 4]).toMatch(/^skip user groups +no user group follows the rota/);
      expect(lines[at + 5]).toBe("1 of 9 checks failed (2 skipped): fix it before deploying.");
    } finally {
      await other.drop();
    }
  });

  it("a wiki that cannot be reached: the exporter's line fails (credentials hidden); a folder exporter is checked for writing", async () => {
    const r = await doctor({ POSTMORTEM_GIT_REMOTE: "http://bot:hunter2@127.0.0.1:9/wiki.git" });
    expect(r.code).toBe(1);
    expect(line(r.stdout, "postmortem export")).toMatch(/^FAIL postmortem export +git: git ls-remote failed for http:\/\/\*\*\*@127\.0\.0\.1:9\/wiki\.git .* — check POSTMORTEM_GIT_REMOTE/);
    expect(r.stdout).not.toContain("hunter2");

    const folder = await doctor({ POSTMORTEM_GIT_REMOTE: "", POSTMORTEM_DIR: "drafts", POSTMORTEM_PRIVATE_DIR: path.join(cwd, "private") });
    expect(folder.code).toBe(0);
    expect(line(folder.stdout, "postmortem export")).toBe(`ok   postmortem export    directory: ${path.join(cwd, "drafts")} does not exist yet; it will be created in ${cwd}, which is writable`);
    expect(line(folder.stdout, "private postmortems")).toMatch(/^ok {3}private postmortems +.*private does not exist yet/);
  });

  it("a database never migrated: fails with `run incident-bot migrate`; the rota's people are not checked", async () => {
    const admin = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
    const name = `incident_bot_empty_${randomBytes(4).toString("hex")}`;
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(inject("adminDatabaseUrl"));
      url.pathname = `/${name}`;
      const r = await doctor({ DATABASE_URL: url.toString() });
      expect(r.code).toBe(1);
      expect(line(r.stdout, "database")).toMatch(/^FAIL database +PostgreSQL at .*: no migrations applied \(this version has \d+\) — run incident-bot migrate$/);
      expect(line(r.stdout, "rota people")).toMatch(/^skip rota people +needs the database$/);
      // doctor only looks: it did not migrate the database
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      expect((await c.query(`SELECT to_regclass('"_prisma_migrations"') AS t`)).rows[0].t).toBeNull();
      await c.end();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("a token Slack refuses: fails saying so, and the checks that need Slack are skipped; --json says the same", async () => {
    slack.refuseToken("token_revoked");
    try {
      const r = await doctor({}, ["--json"]);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; status: string; summary: string }[] };
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === "slack token")).toMatchObject({ status: "fail", summary: "Slack refused the token (token_revoked)" });
      expect(report.checks.filter((c) => c.status === "skip").map((c) => c.name)).toEqual(["slack scopes", "announce channel", "private postmortems", "rota people"]);
    } finally {
      slack.refuseToken(null);
    }
  });
});
