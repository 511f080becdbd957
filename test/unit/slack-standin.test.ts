// The Slack Web API stand-in, driven by the real @slack/web-api client over loopback HTTP.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebClient, ErrorCode } from "@slack/web-api";
import { readManifestBotScopes } from "../../src/slack/manifest.ts";
import { SlackStandIn, type StandInChange } from "../../src/standin/index.ts";

const ALICE = "U0ALICE001";
const BOB = "U0BOB00001";
const TS = /^\d{10}\.\d{6}$/;

let slack: SlackStandIn;
let url: string;
let client: WebClient;

function clientWith(token = "xoxb-test"): WebClient {
  return new WebClient(token, { slackApiUrl: url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
}

/** The Slack error code of a rejected call (WebAPIPlatformError keeps the answer in `data`). */
async function slackError(p: Promise<unknown>): Promise<{ code: string; error?: string; data?: Record<string, unknown>; [k: string]: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; data?: Record<string, unknown> };
    return { ...err, code: err.code, error: err.data?.error as string | undefined, data: err.data };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

beforeEach(async () => {
  slack = new SlackStandIn({
    users: [
      { id: ALICE, name: "alice", realName: "Alice Example", email: "alice@example.com", tz: "Europe/Paris" },
      { id: BOB, name: "bob" },
    ],
  });
  url = await slack.start();
  client = clientWith();
});

afterEach(async () => {
  await slack.stop();
});

describe("SlackStandIn", () => {
  it("serves under /api/ on loopback and answers auth.test with the bot identity", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const me = await client.auth.test();
    expect(me).toMatchObject({ ok: true, team_id: slack.teamId, user_id: slack.botUserId, bot_id: slack.botId });
    expect(me.url).toMatch(/^https:\/\/.+\.slack\.com\/$/);

    const bad = await slackError(clientWith("xoxb-wrong").chat.postMessage({ channel: "C1", text: "x" }));
    expect(bad).toMatchObject({ code: ErrorCode.PlatformError, error: "invalid_auth" });
    expect(slack.callsTo("chat.postMessage")[0]).toMatchObject({ status: 200, response: { ok: false, error: "invalid_auth" } });
  });

  it("says the token's scopes in x-oauth-scopes, as Slack does: the manifest's by default, or those granted", async () => {
    const raw = await fetch(`${url}auth.test`, { method: "POST", headers: { authorization: "Bearer xoxb-test" } });
    expect(raw.headers.get("x-oauth-scopes")).toBe(readManifestBotScopes().join(","));
    expect((await client.auth.test()).response_metadata?.scopes).toEqual(readManifestBotScopes());
    expect((await client.users.info({ user: ALICE })).response_metadata?.scopes).toEqual(readManifestBotScopes());

    slack.grantScopes(["commands", "chat:write"]);
    expect(slack.scopes()).toEqual(["commands", "chat:write"]);
    expect((await client.auth.test()).response_metadata?.scopes).toEqual(["commands", "chat:write"]);
    // a refused token is told nothing about scopes
    const refused = await fetch(`${url}auth.test`, { method: "POST", headers: { authorization: "Bearer xoxb-wrong" } });
    expect(refused.headers.get("x-oauth-scopes")).toBeNull();

    const other = new SlackStandIn({ token: "xoxb-other", scopes: ["chat:write"] });
    const otherUrl = await other.start();
    try {
      const me = await new WebClient("xoxb-other", { slackApiUrl: otherUrl, retryConfig: { retries: 0 } }).auth.test();
      expect(me.response_metadata?.scopes).toEqual(["chat:write"]);
    } finally {
      await other.stop();
    }
  });

  it("answers users.info for a deactivated user with deleted: true", async () => {
    slack.addUser({ id: "U0GONE0001", name: "gone", deleted: true });
    expect((await client.users.info({ user: "U0GONE0001" })).user).toMatchObject({ id: "U0GONE0001", deleted: true });
    expect((await client.users.info({ user: ALICE })).user).toMatchObject({ deleted: false });
  });

  it("answers conversations.info with is_member, and conversations.list finds a channel by name", async () => {
    const inIt = slack.addChannel("incidents", { members: [slack.botUserId] });
    const notIn = slack.addChannel("random", { members: [ALICE] });
    expect((await client.conversations.info({ channel: inIt.id })).channel).toMatchObject({ id: inIt.id, name: "incidents", is_member: true, is_archived: false });
    expect((await client.conversations.info({ channel: notIn.id })).channel).toMatchObject({ id: notIn.id, name: "random", is_member: false });
    const listed = await client.conversations.list({ types: "public_channel,private_channel" });
    expect(listed.channels?.find((c) => c.name === "random")).toMatchObject({ id: notIn.id, is_member: false });
    expect((await slackError(client.conversations.info({ channel: "C0NOSUCH01" }))).error).toBe("channel_not_found");
  });

  it("creates a channel, posts, updates and pins, keeping real state", async () => {
    const created = await client.conversations.create({ name: "inc-42-db-down" });
    const ch = created.channel!;
    expect(ch.id).toMatch(/^C[0-9A-Z]{10}$/);
    expect(ch).toMatchObject({ name: "inc-42-db-down", is_channel: true, is_private: false, is_archived: false, is_member: true, creator: slack.botUserId });

    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*SEV1* database down" } }];
    const posted = await client.chat.postMessage({ channel: ch.id!, text: "SEV1 database down", blocks });
    expect(posted).toMatchObject({ ok: true, channel: ch.id, message: { text: "SEV1 database down", blocks, bot_id: slack.botId, user: slack.botUserId } });
    expect(posted.ts).toMatch(TS);

    const reply = await client.chat.postMessage({ channel: ch.id!, text: "investigating", thread_ts: posted.ts });
    expect(Number(reply.ts)).toBeGreaterThan(Number(posted.ts));

    const updated = await client.chat.update({ channel: ch.id!, ts: posted.ts!, text: "SEV1 database down (mitigated)" });
    expect(updated).toMatchObject({ ok: true, channel: ch.id, ts: posted.ts, text: "SEV1 database down (mitigated)" });
    await client.pins.add({ channel: ch.id!, timestamp: posted.ts! });
    expect(await slackError(client.pins.add({ channel: ch.id!, timestamp: posted.ts! }))).toMatchObject({ error: "already_pinned" });
    expect(await slackError(client.pins.add({ channel: ch.id!, timestamp: "1.000001" }))).toMatchObject({ error: "message_not_found" });

    const msgs = slack.messages(ch.id!);
    expect(msgs.map((m) => m.text)).toEqual(["SEV1 database down (mitigated)", "investigating"]);
    expect(msgs[0]).toMatchObject({ ts: posted.ts, pinned: true, blocks, botId: slack.botId });
    expect(msgs[0].edited?.ts).toMatch(TS);
    expect(msgs[0].history).toEqual([{ text: "SEV1 database down", blocks }]);
    expect(msgs[1]).toMatchObject({ threadTs: posted.ts, pinned: false });
    expect(slack.channel("inc-42-db-down")?.members).toEqual([slack.botUserId]);

    const pins = await client.pins.list({ channel: ch.id! });
    expect(pins.items?.map((i) => i.message?.ts)).toEqual([posted.ts]);
    const link = await client.chat.getPermalink({ channel: ch.id!, message_ts: reply.ts! });
    expect(link.permalink).toBe(`https://stand-in-workspace.slack.com/archives/${ch.id}/p${reply.ts!.replace(".", "")}?thread_ts=${posted.ts}&cid=${ch.id}`);
  });

  it("derives ts from the clock and keeps it strictly increasing when the clock stands still", async () => {
    let now = new Date("2026-01-05T12:00:00.250Z");
    const frozen = new SlackStandIn({ clock: () => now });
    const c = new WebClient("xoxb-test", { slackApiUrl: await frozen.start(), retryConfig: { retries: 0 } });
    try {
      const { channel } = await c.conversations.create({ name: "inc-time" });
      expect(channel?.created).toBe(1767614400);
      const a = await c.chat.postMessage({ channel: channel!.id!, text: "a" });
      const b = await c.chat.postMessage({ channel: channel!.id!, text: "b" });
      expect([a.ts, b.ts]).toEqual(["1767614400.250000", "1767614400.250001"]);
      now = new Date("2026-01-05T12:00:01Z");
      expect((await c.chat.postMessage({ channel: channel!.id!, text: "c" })).ts).toBe("1767614401.000000");
    } finally {
      await frozen.stop();
    }
  });

  it("enforces channel names and answers name_taken", async () => {
    await client.conversations.create({ name: "incidents" });
    expect(await slackError(client.conversations.create({ name: "incidents" }))).toMatchObject({ error: "name_taken" });
    expect(await slackError(client.conversations.create({ name: "Incidents Now" }))).toMatchObject({ error: "invalid_name_specials" });
    expect(await slackError(client.conversations.create({ name: "x".repeat(81) }))).toMatchObject({ error: "invalid_name_maxlength" });
    expect(await slackError(client.conversations.create({ name: "" }))).toMatchObject({ error: "invalid_name_required" });
    await client.conversations.create({ name: "x".repeat(80), is_private: true });
    expect(slack.channel("x".repeat(80))?.isPrivate).toBe(true);
    expect(slack.channels()).toHaveLength(2);
  });

  it("answers not_in_channel when the bot is not a member, and channel_not_found for unknown ids", async () => {
    const ops = slack.addChannel("ops", { members: [ALICE] });
    expect(await slackError(client.chat.postMessage({ channel: ops.id, text: "hello" }))).toMatchObject({ error: "not_in_channel" });
    expect(await slackError(client.chat.postMessage({ channel: "C0000000000", text: "hello" }))).toMatchObject({ error: "channel_not_found" });
    expect(await slackError(client.chat.postMessage({ channel: ops.id, text: "" }))).toMatchObject({ error: "not_in_channel" });
    expect(slack.messages(ops.id)).toEqual([]);

    await client.conversations.join({ channel: ops.id });
    expect(await slackError(client.chat.postMessage({ channel: ops.id, text: "" }))).toMatchObject({ error: "no_text" });
    await client.chat.postMessage({ channel: "#ops", text: "hello" });
    expect(slack.messages(ops.id).map((m) => m.text)).toEqual(["hello"]);
  });

  it("invites users with Slack's errors", async () => {
    const { channel } = await client.conversations.create({ name: "inc-1" });
    const id = channel!.id!;
    const invited = await client.conversations.invite({ channel: id, users: `${ALICE},${BOB}` });
    expect(invited.channel?.id).toBe(id);
    expect((await client.conversations.members({ channel: id })).members).toEqual([slack.botUserId, ALICE, BOB]);
    expect(await slackError(client.conversations.invite({ channel: id, users: ALICE }))).toMatchObject({ error: "already_in_channel" });
    expect(await slackError(client.conversations.invite({ channel: id, users: slack.botUserId }))).toMatchObject({ error: "cant_invite_self" });
    const notFound = await slackError(client.conversations.invite({ channel: id, users: "U0NOBODY00" }));
    expect(notFound).toMatchObject({ error: "user_not_found", data: { errors: [{ user: "U0NOBODY00", ok: false, error: "user_not_found" }] } });
    expect(await slackError(client.conversations.invite({ channel: "C0000000000", users: ALICE }))).toMatchObject({ error: "channel_not_found" });

    await client.conversations.setTopic({ channel: id, topic: "DB down" });
    expect((await client.conversations.info({ channel: id })).channel?.topic?.value).toBe("DB down");
    await client.conversations.archive({ channel: id });
    expect(await slackError(client.chat.postMessage({ channel: id, text: "x" }))).toMatchObject({ error: "is_archived" });
    expect(await slackError(client.conversations.create({ name: "inc-1" }))).toMatchObject({ error: "name_taken" });
  });

  it("opens the same DM for a user and posts to a user id through it", async () => {
    const first = await client.conversations.open({ users: ALICE });
    const dm = first.channel!.id!;
    expect(dm).toMatch(/^D[0-9A-Z]{10}$/);
    expect((await client.conversations.open({ users: ALICE })).channel?.id).toBe(dm);
    expect((await client.conversations.open({ users: BOB })).channel?.id).not.toBe(dm);

    const posted = await client.chat.postMessage({ channel: ALICE, text: "You are the incident commander" });
    expect(posted.channel).toBe(dm);
    expect(slack.messages(dm).map((m) => m.text)).toEqual(["You are the incident commander"]);
    expect(slack.channel(dm)).toMatchObject({ isIm: true, user: ALICE });

    expect(await slackError(client.conversations.open({ users: "U0NOBODY00" }))).toMatchObject({ error: "user_not_found" });
    expect(await slackError(client.chat.postMessage({ channel: "U0NOBODY00", text: "x" }))).toMatchObject({ error: "channel_not_found" });
  });

  it("stores ephemeral messages for one user only", async () => {
    const { channel } = await client.conversations.create({ name: "inc-2" });
    const id = channel!.id!;
    expect(await slackError(client.chat.postEphemeral({ channel: id, user: ALICE, text: "psst" }))).toMatchObject({ error: "user_not_in_channel" });
    await client.conversations.invite({ channel: id, users: ALICE });
    const eph = await client.chat.postEphemeral({ channel: id, user: ALICE, text: "psst" });
    expect(eph.message_ts).toMatch(TS);
    expect(slack.messages(id)).toMatchObject([{ text: "psst", ephemeralTo: ALICE }]);
    expect(await slackError(client.chat.update({ channel: id, ts: eph.message_ts!, text: "x" }))).toMatchObject({ error: "message_not_found" });
    expect((await client.conversations.history({ channel: id })).messages).toEqual([]);
  });

  it("refuses to update someone else's message", async () => {
    const { channel } = await client.conversations.create({ name: "inc-3" });
    const theirs = slack.postAsUser(ALICE, channel!.id!, "I see errors");
    expect(await slackError(client.chat.update({ channel: channel!.id!, ts: theirs.ts, text: "x" }))).toMatchObject({ error: "cant_update_message" });
    expect(slack.messages(channel!.id!)[0]).toMatchObject({ text: "I see errors", user: ALICE });
  });

  it("answers 429 with Retry-After, then recovers", async () => {
    const { channel } = await client.conversations.create({ name: "inc-4" });
    slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 7 });
    const err = await slackError(client.chat.postMessage({ channel: channel!.id!, text: "one" }));
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(slack.messages(channel!.id!)).toEqual([]);

    slack.failNext("*", { status: 429, retryAfterSeconds: 3 });
    const raw = await fetch(`${url}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ channel: channel!.id!, text: "two" }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("3");
    expect(await raw.json()).toEqual({ ok: false, error: "ratelimited" });

    await client.chat.postMessage({ channel: channel!.id!, text: "three" });
    expect(slack.messages(channel!.id!).map((m) => m.text)).toEqual(["three"]);
    expect(slack.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it("answers 503 for a queued fault and while down; can drop the connection", async () => {
    slack.failNext("auth.test", { status: 503 }, 2);
    for (let i = 0; i < 2; i++) {
      expect(await slackError(client.auth.test())).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    }
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });

    slack.down(true);
    expect(await slackError(client.users.list({}))).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    slack.down(false);
    await expect(client.users.list({})).resolves.toMatchObject({ ok: true });

    slack.failNext("auth.test", { network: true });
    expect(await slackError(client.auth.test())).toMatchObject({ code: ErrorCode.RequestError });
    slack.failNext("users.info", { error: "fatal_error" });
    expect(await slackError(client.users.info({ user: ALICE }))).toMatchObject({ error: "fatal_error" });
    expect(slack.calls.map((c) => c.status)).toEqual([503, 503, 200, 503, 200, 0, 200]);
    slack.failNext("*", { status: 500 });
    expect(await slackError(client.auth.test())).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(slack.unexpected).toEqual([]); // injected faults are not the bot's fault
  });

  it("counts methods it does not implement as unexpected", async () => {
    slack.assertNoUnexpectedCalls();
    const err = await slackError(client.reactions.add({ channel: "C1", timestamp: "1.000001", name: "eyes" }));
    expect(err).toMatchObject({ code: ErrorCode.PlatformError, error: "unknown_method" });
    expect(slack.unexpected.map((c) => c.method)).toEqual(["reactions.add"]);
    expect(slack.unexpected[0].args).toMatchObject({ channel: "C1", name: "eyes" });
    expect(() => slack.assertNoUnexpectedCalls()).toThrow(/reactions\.add/);
  });

  it("allowOnly makes every other method unexpected", async () => {
    slack.allowOnly(["chat.postMessage", "conversations.open"]);
    await client.chat.postMessage({ channel: BOB, text: "hi" });
    slack.assertNoUnexpectedCalls();
    await client.users.info({ user: ALICE }); // still answered, but counted
    expect(slack.unexpected.map((c) => c.method)).toEqual(["users.info"]);
    expect(() => slack.assertNoUnexpectedCalls()).toThrow(/users\.info/);
  });

  it("opens, updates and pushes views; a trigger works once", async () => {
    const trigger = slack.issueTriggerId(ALICE);
    const view = {
      type: "modal" as const,
      callback_id: "declare",
      title: { type: "plain_text" as const, text: "Declare an incident" },
      blocks: [{ type: "input", block_id: "title", label: { type: "plain_text", text: "Title" }, element: { type: "plain_text_input", action_id: "v" } }],
    };
    const opened = await client.views.open({ trigger_id: trigger, view });
    const id = opened.view!.id!;
    expect(id).toMatch(/^V[0-9A-Z]{10}$/);
    expect(opened.view).toMatchObject({ ...view, id, state: { values: {} }, root_view_id: id, private_metadata: "" });
    expect(slack.openViews()).toMatchObject([{ id, userId: ALICE, triggerId: trigger, view: { callback_id: "declare" } }]);

    expect(await slackError(client.views.open({ trigger_id: trigger, view }))).toMatchObject({ error: "exchanged_trigger_id" });
    expect(await slackError(client.views.open({ trigger_id: slack.issueTriggerId(ALICE), view: { ...view, title: undefined } as never }))).toMatchObject({
      error: "invalid_arguments",
      data: { response_metadata: { messages: ["missing required field: title"] } },
    });

    const updated = await client.views.update({ view_id: id, view: { ...view, title: { type: "plain_text", text: "Declared" } } });
    expect(updated.view).toMatchObject({ id, title: { text: "Declared" } });
    const pushed = await client.views.push({ trigger_id: slack.issueTriggerId(ALICE), view });
    expect(pushed.view).toMatchObject({ root_view_id: id, previous_view_id: id });
    expect(slack.openViews().map((v) => v.id)).toEqual([id, pushed.view!.id]);
    expect(await slackError(client.views.update({ view_id: "VNOPE00000", view }))).toMatchObject({ error: "not_found" });
  });

  it("accepts JSON bodies and a token field; parses JSON form fields; emits events", async () => {
    const changes: StandInChange[] = [];
    const calls: string[] = [];
    slack.on("change", (c: StandInChange) => changes.push(c));
    slack.on("call", (c: { method: string }) => calls.push(c.method));
    const ch = slack.addChannel("general", { members: [slack.botUserId, ALICE] });

    const res = await fetch(`${url}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test", "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: ch.id, text: "json", blocks: [{ type: "divider" }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: ch.id, message: { text: "json", blocks: [{ type: "divider" }] } });
    const form = await fetch(`${url}chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: "xoxb-test", channel: ch.id, text: "form", blocks: JSON.stringify([{ type: "divider" }]) }),
    });
    expect(await form.json()).toMatchObject({ ok: true, message: { blocks: [{ type: "divider" }] } });
    expect(slack.callsTo("chat.postMessage")[1].args).toEqual({ channel: ch.id, text: "form", blocks: [{ type: "divider" }] });
    const broken = await fetch(`${url}chat.postMessage`, {
      method: "POST",
      headers: { authorization: "Bearer xoxb-test", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ channel: ch.id, text: "x", blocks: "[not json" }),
    });
    expect(await broken.json()).toEqual({ ok: false, error: "invalid_blocks_format" });

    expect(calls).toEqual(["chat.postMessage", "chat.postMessage", "chat.postMessage"]);
    expect(changes.map((c) => c.kind)).toEqual(["channel", "message", "message"]);
    expect((await client.users.info({ user: ALICE })).user).toMatchObject({ id: ALICE, name: "alice", real_name: "Alice Example", tz: "Europe/Paris", profile: { email: "alice@example.com" } });
    expect(await slackError(client.users.info({ user: "U0NOBODY00" }))).toMatchObject({ error: "user_not_found" });
  });
});
