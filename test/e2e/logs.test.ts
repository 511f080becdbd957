// The running bot's log: each Slack request's lines carry its id, who asked and the incident; the
// outbox's carry the message, its lane and its incident; a process whose stderr is not a terminal
// (CI, a pipe, a container's log collector) writes JSON lines there, and nothing to stdout.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/log.ts";
import { ALICE, BOB, SIGNING_SECRET, startHarness, TOKEN, type Harness } from "../support/bot.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";
import { runCli } from "../support/process.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const handled = (what: string): LogRecord[] => h.log.records.filter((r) => r.msg === `handled ${what}`);

describe("a Slack request's log", () => {
  let channelId: string;

  it("a signed /incident over HTTP: a line with the request's id, who asked and the incident", async () => {
    const reply = await h.command("declare Payments are down sev2", { user: ALICE });
    expect(reply.text).toContain("INC-1");
    const [line, ...more] = handled("/incident declare");
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: "info", kind: "command", command: "/incident", verb: "declare", actor: ALICE, incident: "INC-1", outcome: "ok" });
    expect(line.req).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(line.ms).toEqual(expect.any(Number));
  });

  it("the outbox's lines carry the message's id, its lane and kind, and the incident", async () => {
    await h.deliver();
    channelId = h.slack.channel("inc-1-payments-are-down")!.id;
    const created = h.log.records.find((r) => r.msg.startsWith("INC-1: created channel"));
    expect(created).toMatchObject({ level: "info", lane: "channel", kind: "incident.create_channel", incident: "INC-1" });
    expect(created!.outbox).toMatch(/^\d+$/);
    const delivered = h.log.records.filter((r) => r.msg.startsWith("outbox: ") && r.msg.endsWith(" delivered"));
    expect(delivered.length).toBeGreaterThan(3);
    for (const r of delivered) expect(r).toMatchObject({ level: "debug", outbox: expect.stringMatching(/^\d+$/), lane: expect.any(String), kind: expect.any(String) });
    expect(delivered.filter((r) => r.kind === "incident.post_card")).toEqual([expect.objectContaining({ incident: "INC-1", lane: "channel" })]);
  });

  it("each request has an id of its own; a refusal is logged with its code, and the incident it was about", async () => {
    await h.command("sev 1", { user: ALICE, channel: channelId });
    const refused = await h.command("close INC-1", { user: BOB }); // Alice is the commander
    expect(refused.text).toMatch(/^Only the incident commander/);
    const [declare] = handled("/incident declare");
    const [sev] = handled("/incident sev");
    const [close] = handled("/incident close");
    expect(sev).toMatchObject({ actor: ALICE, incident: "INC-1", outcome: "ok" });
    expect(close).toMatchObject({ actor: BOB, incident: "INC-1", outcome: "user_error", code: "forbidden" });
    expect(new Set([declare.req, sev.req, close.req]).size).toBe(3);
  });

  it("a command that cannot be read, and one that names no incident, are logged too", async () => {
    await h.command("frobnicate", { user: BOB });
    await h.command("list", { user: BOB });
    expect(h.log.records.find((r) => r.msg === "handled /incident")).toMatchObject({ actor: BOB, outcome: "bad_input" });
    const [list] = handled("/incident list");
    expect(list).toMatchObject({ actor: BOB, outcome: "ok" });
    expect(list).not.toHaveProperty("incident");
  });

  it("a click on the card: an action, who clicked, and the incident", async () => {
    expect(await h.click({ user: ALICE, channel: channelId, actionId: "incident_status:identified" })).toBe(200);
    const line = h.log.records.find((r) => r.kind === "action" && r.msg.startsWith("handled action incident_status:identified"));
    expect(line).toMatchObject({ level: "info", actor: ALICE, incident: "INC-1", outcome: "ok", req: expect.any(String) });
  });

  it("has neither the bot's token nor the signing secret anywhere", () => {
    const all = JSON.stringify(h.log.records);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(SIGNING_SECRET);
  });
});

describe("a process's log", () => {
  let t: TestDatabase;
  let cwd: string;
  beforeAll(async () => {
    t = await freshDatabase();
    cwd = mkdtempSync(path.join(os.tmpdir(), "bot-logs-"));
  });
  afterAll(async () => {
    await t.drop();
  });

  it("is JSON lines on stderr when stderr is not a terminal; stdout has the command's output only", async () => {
    const r = await runCli(["migrate"], { DATABASE_URL: t.url, LOG_LEVEL: "debug" }, cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Nothing to apply \(\d+ migrations already applied\)\.\n$/);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    expect(records).toContainEqual(expect.objectContaining({ level: "info", msg: "using the PostgreSQL at DATABASE_URL", time: expect.any(String), pid: expect.any(Number) }));
    const password = new URL(t.url).password;
    if (password) expect(r.stderr).not.toContain(password);
  });

  it("is pretty when LOG_FORMAT=pretty asks for it, and quiet at LOG_LEVEL=warn", async () => {
    const pretty = await runCli(["migrate"], { DATABASE_URL: t.url, LOG_FORMAT: "pretty" }, cwd);
    expect(pretty.code).toBe(0);
    expect(pretty.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  using the PostgreSQL at DATABASE_URL$/m);
    const quiet = await runCli(["migrate"], { DATABASE_URL: t.url, LOG_LEVEL: "warn" }, cwd);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
  });
});
