// The real command, as a user runs it: `incident-bot serve` in its own process.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SlackStandIn } from "../../src/standin/index.ts";
import { freshDatabase } from "../support/db.ts";
import { sign } from "../support/bot.ts";
import { parseMetrics } from "../support/metrics.ts";
import { freePort, startCli as run, until } from "../support/process.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("incident-bot serve", () => {
  it("without Slack credentials and INCIDENT_BOT_LOCAL=0 exits, naming what is missing and how to create the app", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const p = run(["serve"], { INCIDENT_BOT_LOCAL: "0" }, cwd);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("SLACK_BOT_TOKEN");
    expect(p.output()).toContain("SLACK_SIGNING_SECRET");
    expect(p.output()).toContain("slack-app-manifest.yml");
  });

  it("with Slack half configured, stops and names what is missing (no local mode against anything)", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const p = run(["serve"], { SLACK_BOT_TOKEN: "xoxb-only-half" }, cwd);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("Slack is partly configured: SLACK_SIGNING_SECRET is missing.");
    expect(p.output()).not.toContain("local mode");
  });

  it("without Slack credentials but with DATABASE_URL, stops instead of opening local mode on that database", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const p = run(["serve"], { DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" }, cwd);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("Local mode starts only on a fresh start");
    expect(p.output()).toContain("INCIDENT_BOT_LOCAL=1");
  });

  it("serving Slack without DATABASE_URL needs EMBEDDED_POSTGRES=1", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const p = run(["serve"], { SLACK_BOT_TOKEN: "xoxb-serve-test", SLACK_SIGNING_SECRET: "serve-test-signing-secret" }, cwd);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("set DATABASE_URL, or EMBEDDED_POSTGRES=1");
  });

  it("reports every configuration problem at once, by name", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const p = run(["serve"], { PORT: "nope", SLACK_BOT_TOKEN: "wrong-secret-token", SLACK_SIGNING_SECRET: "x" }, cwd);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/PORT: expected a port/);
    expect(p.output()).toMatch(/SLACK_BOT_TOKEN: expected a bot token/);
    expect(p.output()).toMatch(/SLACK_SIGNING_SECRET/);
    expect(p.output()).not.toContain("wrong-secret-token");
  });

  it("migrates, serves /slack/events, /healthz, /readyz and /metrics, and stops cleanly on SIGTERM", async () => {
    const t = await freshDatabase();
    cleanups.push(() => t.drop());
    // an empty database: serve applies the migrations itself
    await t.db.$executeRawUnsafe(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`).catch(async () => {
      await t.db.$executeRawUnsafe(`DROP SCHEMA public CASCADE`);
      await t.db.$executeRawUnsafe(`CREATE SCHEMA public`);
    });
    const slack = new SlackStandIn({ token: "xoxb-serve-test" });
    const apiUrl = await slack.start();
    cleanups.push(() => slack.stop());
    const general = slack.addChannel("general", { members: [slack.botUserId, "U0ALICE001"] });
    slack.addUser({ id: "U0ALICE001", name: "alice" });
    const port = await freePort();
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const secret = "serve-test-signing-secret";
    const p = run(["serve"], { DATABASE_URL: t.url, SLACK_BOT_TOKEN: "xoxb-serve-test", SLACK_SIGNING_SECRET: secret, SLACK_API_URL: apiUrl, PORT: String(port) }, cwd);
    cleanups.push(async () => {
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
    });
    const health = await until("healthz", async () => {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      return r.status === 200 ? r.status : undefined;
    }, p.output);
    expect(health).toBe(200);
    expect(p.output()).toContain("applied migrations");

    const body = new URLSearchParams({ command: "/incident", text: "declare Served for real sev2", user_id: "U0ALICE001", channel_id: general.id, team_id: slack.teamId, trigger_id: "9.9.9" }).toString();
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...sign(body, secret) }, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toContain("INC-1");
    // Its stderr is a pipe, not a terminal: JSON lines, the request's carrying its id, who asked and the incident.
    const jsonLines = () => p.stderr().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const handled = await until("the request's log line", async () => jsonLines().find((r) => r.msg === "handled /incident declare"), p.output);
    expect(handled).toMatchObject({ level: "info", req: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/), actor: "U0ALICE001", incident: "INC-1", kind: "command", verb: "declare" });
    // the outbox delivers on its own in a running bot
    const channel = await until("the incident channel", async () => slack.channel("inc-1-served-for-real"), p.output);
    await until("the pinned card", async () => slack.messages(channel.id).find((m) => m.pinned), p.output);
    const ready = await until("readiness", async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      return r.status === 200 ? ((await r.json()) as { checks: Record<string, { ok: boolean }> }) : undefined;
    }, p.output);
    expect(Object.keys(ready.checks).sort()).toEqual(["database", "engine", "migrations", "outbox", "slack"]);
    // metrics beside them (open: METRICS_TOKEN is unset)
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    const scraped = parseMetrics(await metrics.text());
    expect(scraped.value("incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" })).toBe(1);
    expect(scraped.value("incident_bot_open_incidents", { severity: "SEV2" })).toBe(1);

    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain("stopped");
    // every line of its log is JSON, on stderr; nothing on stdout; no secret in it
    expect(jsonLines().map((r) => r.msg)).toContain("stopped");
    expect(p.stdout()).toBe("");
    expect(p.stderr()).not.toContain(secret);
    expect(p.stderr()).not.toContain("xoxb-serve-test");
  });
});
