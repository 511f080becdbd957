// What Slack sends and what goes wrong on the wire: signatures, retries, double submissions,
// Slack answering errors or being down for a while.
import { readFileSync } from "node:fs";
import pg from "pg";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, sign, startHarness, type Harness } from "../support/bot.ts";

const SHARED = path.resolve(__dirname, "../../../shared/slack");
const shared = (file: string) => readFileSync(path.join(SHARED, file), "utf8");
const hasShared = (() => {
  try {
    shared("inbound/url_verification.slack-docs.json");
    return true;
  } catch {
    return false;
  }
})();

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

describe("request signing", () => {
  it("signs as Slack's own worked example does", () => {
    // The known-answer vector from Slack's docs (also in the shared examples).
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(sign(body, "8f742231b10e8888abcd99yyyzzz85a5", 1531420618)["x-slack-signature"]).toBe("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
  });

  it("refuses a bad signature with 401 and acts on nothing", async () => {
    const body = new URLSearchParams({ command: "/incident", text: "declare Forged sev1", user_id: ALICE, channel_id: "C1", trigger_id: "1.2.3" }).toString();
    const forged = await h.post(body, { headers: { "x-slack-signature": "v0=" + "0".repeat(64), "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)) }, unsigned: true });
    expect(forged.status).toBe(401);
    const unsigned = await h.post(body, { unsigned: true });
    expect(unsigned.status).toBe(401);
    expect(await h.t.db.incident.count()).toBe(0);
  });

  it("refuses a stale timestamp (a replayed request) with 401", async () => {
    const body = new URLSearchParams({ command: "/incident", text: "declare Replayed sev1", user_id: ALICE, channel_id: "C1", trigger_id: "1.2.4" }).toString();
    const stale = await h.post(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(await h.t.db.incident.count()).toBe(0);
  });

  it("answers the Events API handshake (Slack's own example when it is at hand)", async () => {
    const body = hasShared
      ? shared("inbound/url_verification.slack-docs.json")
      : JSON.stringify({ token: "x", challenge: "a-challenge-of-our-own", type: "url_verification" });
    const res = await h.post(body, { contentType: "application/json" });
    expect(res.status).toBe(200);
    expect(res.text).toContain(JSON.parse(body).challenge);
  });
});

describe("bad input", () => {
  it.each([
    ["frobnicate", /don't know `frobnicate`/],
    ["sev 9", /1 to 4/],
    ["commander @bob", /Mention them/],
    ["role chef <@U0BOB00002>", /not a role/],
    ["status fixed", /not a status/],
    ["sev 1 INC-77", /There is no INC-77/],
  ])("`/incident %s` gets an ephemeral reply saying what would work, and nothing is written", async (text, pattern) => {
    const before = { incidents: await h.t.db.incident.count(), events: await h.t.db.timelineEvent.count(), outbox: await h.t.db.outboxMessage.count() };
    const reply = await h.command(text, { user: ALICE });
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.text).toMatch(pattern);
    expect({ incidents: await h.t.db.incident.count(), events: await h.t.db.timelineEvent.count(), outbox: await h.t.db.outboxMessage.count() }).toEqual(before);
    // only reads (who the bot is, who is asking): nothing was said or changed in Slack
    expect(h.slack.calls.filter((c) => !["auth.test", "users.info"].includes(c.method))).toEqual([]);
  });

  it("answers /incident help with every command", async () => {
    const reply = await h.command("help");
    for (const verb of ["declare", "commander", "role", "sev", "status", "update", "note", "resolve", "reopen", "close", "list", "show", "timeline"]) expect(reply.text).toContain(`/incident ${verb}`);
  });
});

describe("retries and double submissions", () => {
  it("a retried slash command (same trigger, X-Slack-Retry-Num) declares once", async () => {
    const triggerId = h.slack.issueTriggerId(ALICE);
    const first = await h.command("declare Retried request sev2", { triggerId });
    const again = await h.command("declare Retried request sev2", { triggerId, headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } });
    expect(first.text).toContain("INC-");
    expect(again.text).toContain("Already declared");
    await h.deliver();
    expect(await h.t.db.incident.count({ where: { title: "Retried request" } })).toBe(1);
    expect(h.slack.callsTo("conversations.create").length).toBe(1);
  });

  it("the declare modal opens, refuses an empty title on the field, and a double submit declares once", async () => {
    const calls = h.slack.callsTo("views.open").length;
    const reply = await h.command("", { user: BOB });
    expect(reply).toBeNull(); // a bare acknowledgement; the modal opens instead
    const opened = h.slack.callsTo("views.open");
    expect(opened.length).toBe(calls + 1);
    const open = h.slack.openViews().at(-1)!;
    expect(open.view.callback_id).toBe("incident_declare");
    const filled = (title: string) => ({
      title: { value: title },
      severity: { value: "SEV2" },
      description: { value: "Payments time out" },
      commander: { value: ALICE },
    });
    const empty = await h.submitView(open.id, BOB, filled("  "));
    expect(empty.body).toEqual({ response_action: "errors", errors: { title: expect.stringMatching(/title/) } });
    const a = await h.submitView(open.id, BOB, filled("Payments timing out"));
    const b = await h.submitView(open.id, BOB, filled("Payments timing out"));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await h.deliver();
    const declared = await h.t.db.incident.findMany({ where: { title: "Payments timing out" } });
    expect(declared.length).toBe(1);
    expect(declared[0]).toMatchObject({ severity: "SEV2", commanderId: ALICE, declaredById: BOB, description: "Payments time out" });
    expect(h.slack.callsTo("conversations.create").filter((c) => String(c.args.name).includes("payments-timing-out")).length).toBe(1);
  });

  it("a retried event is answered once", async () => {
    const channel = h.slack.channel("general")!.id;
    const envelope = {
      type: "event_callback",
      token: "x",
      team_id: h.slack.teamId,
      api_app_id: h.slack.appId,
      event: { type: "app_mention", user: ALICE, text: `<@${h.slack.botUserId}> help`, ts: "1700000000.000100", channel, event_ts: "1700000000.000100" },
      event_id: "Ev0RETRY01",
      event_time: 1700000000,
      authorizations: [{ team_id: h.slack.teamId, user_id: h.slack.botUserId, is_bot: true }],
    };
    const body = JSON.stringify(envelope);
    expect((await h.post(body, { contentType: "application/json" })).status).toBe(200);
    await h.bot.settled();
    expect((await h.post(body, { contentType: "application/json", headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } })).status).toBe(200);
    await h.deliver();
    const replies = h.slack.messages(channel).filter((m) => m.threadTs === "1700000000.000100");
    expect(replies.length).toBe(1);
    expect(replies[0].text).toContain("/incident help");
  });
});

describe("when Slack misbehaves", () => {
  it("a taken channel name gets a suffix", async () => {
    const next = (await h.t.db.incident.count()) + 1;
    h.slack.addChannel(`inc-${next}-db-primary-down`);
    const reply = await h.command("declare DB primary down sev1");
    expect(reply.text).toContain(`INC-${next}`);
    await h.deliver();
    const incident = await h.bot.incidents.byNumber(next);
    expect(incident!.channelName).toBe(`inc-${next}-db-primary-down-2`);
    expect(h.slack.channel(`inc-${next}-db-primary-down-2`)!.id).toBe(incident!.channelId);
  });

  it("honours Retry-After on 429 and sends each message once", async () => {
    h.slack.failNext("conversations.create", { status: 429, retryAfterSeconds: 30 });
    await h.command("declare Rate limited sev3");
    await h.deliver();
    const incident = await h.t.db.incident.findFirstOrThrow({ where: { title: "Rate limited" } });
    expect(incident.channelId).toBeNull();
    h.clock.advance(29_000);
    await h.deliver();
    expect((await h.bot.incidents.byId(incident.id))!.channelId).toBeNull();
    h.clock.advance(1_000);
    await h.deliver();
    const after = await h.bot.incidents.byId(incident.id);
    expect(after!.channelId).not.toBeNull();
    expect(after!.cardTs).not.toBeNull();
    expect(h.slack.callsTo("conversations.create").filter((c) => String(c.args.name).includes("rate-limited")).map((c) => c.status)).toEqual([429, 200]);
    expect(h.slack.messages(after!.channelId!).filter((m) => m.blocks).length).toBe(1);
  });

  it("while Slack is down the incident is declared and recorded; messages go out once it is back", async () => {
    h.slack.down(true);
    const reply = await h.command("declare Everything is on fire sev1");
    expect(reply.text).toContain("declared");
    await h.deliver();
    const incident = await h.t.db.incident.findFirstOrThrow({ where: { title: "Everything is on fire" } });
    expect(await h.t.db.timelineEvent.count({ where: { incidentId: incident.id } })).toBe(1);
    await h.command(`sev 2 INC-${incident.number}`);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(60_000);
      await h.deliver();
    }
    expect((await h.bot.incidents.byId(incident.id))!.channelId).toBeNull();
    h.slack.down(false);
    h.clock.advance(60_000);
    await h.deliver();
    const after = await h.bot.incidents.byId(incident.id);
    expect(after!.channelId).not.toBeNull();
    const cards = h.slack.messages(after!.channelId!).filter((m) => m.blocks);
    expect(cards.length).toBe(1);
    expect(JSON.stringify(cards[0].blocks)).toContain("SEV2");
    expect(h.slack.messages(h.announce).filter((m) => m.text.includes("Everything is on fire")).length).toBe(1);
    const pending = await h.t.db.outboxMessage.count({ where: { state: "pending" } });
    expect(pending).toBe(0);
  });

  it("an error that cannot succeed is not retried for ever, and is reported in the incident channel", async () => {
    const reply = await h.command("declare Announce breaks sev4");
    const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    h.slack.failNext("chat.postMessage", { error: "not_in_channel" }); // the first post is the card
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    const failed = await h.t.db.outboxMessage.findMany({ where: { incidentId: incident.id, state: "failed" } });
    expect(failed.map((f) => f.kind)).toEqual(["incident.post_card"]);
    expect(failed[0].lastError).toContain("not_in_channel");
    h.clock.advance(3_600_000);
    await h.deliver();
    expect(h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === incident.channelId && c.args.blocks).length).toBe(1);
    const report = h.slack.messages(incident.channelId!).find((m) => m.text.includes("could not post the incident card"));
    expect(report).toBeDefined();
    expect(h.log.lines.some((l) => l.startsWith("error") && l.includes("not_in_channel"))).toBe(true);
  });
});

describe("within Slack's 3 seconds", () => {
  it("acknowledges a command whose work is held up, and answers when the work is done", async () => {
    const reply = await h.command("declare Slow database sev3");
    const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    // Another transaction holds the incident's row: the command's work has to wait for it.
    const holder = new pg.Client({ connectionString: h.t.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM incident WHERE id = $1 FOR UPDATE", [incident.id]);
    const form = new URLSearchParams({ command: "/incident", text: "sev 1", user_id: ALICE, user_name: "alice", channel_id: incident.channelId!, team_id: h.slack.teamId, trigger_id: h.slack.issueTriggerId(ALICE), response_url: "https://hooks.slack.com/commands/x" }).toString();
    const res = await h.post(form); // answered while the row is still held
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    expect((await h.bot.incidents.byId(incident.id))!.severity).toBe("SEV3");
    await holder.query("COMMIT");
    await holder.end();
    await h.bot.settled();
    expect((await h.bot.incidents.byId(incident.id))!.severity).toBe("SEV1");
    const late = h.slack.callsTo("chat.postEphemeral").filter((c) => c.args.user === ALICE && String(c.args.text).includes("SEV3 → SEV1"));
    expect(late.length).toBe(1);
  });
});

describe("housekeeping", () => {
  it("forgets handled requests after a day and delivered messages after 30 days, keeping failed ones", async () => {
    await h.deliver();
    expect(await h.t.db.processedRequest.count()).toBeGreaterThan(0);
    const failedBefore = await h.t.db.outboxMessage.count({ where: { state: "failed" } });
    expect(failedBefore).toBeGreaterThan(0);
    h.clock.advance(31 * 86_400_000);
    const old = () => h.t.db.outboxMessage.count({ where: { state: "sent", sentAt: { lt: new Date(h.clock.now().getTime() - 30 * 86_400_000) } } });
    expect(await old()).toBeGreaterThan(0);
    await h.bot.engine.tick();
    expect(await h.t.db.processedRequest.count()).toBe(0);
    expect(await old()).toBe(0);
    expect(await h.t.db.outboxMessage.count({ where: { state: "failed" } })).toBe(failedBefore);
  });
});
