// The pager under the faults a production week brings, counted at the Slack stand-in: Slack slow,
// Slack refusing the token, an answer lost after Slack did the work, PostgreSQL going away.
// Nothing acknowledged may be lost, nothing sent twice, and nothing may stop paging elsewhere.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { DatabaseClock } from "../../src/db/clock.ts";
import { enqueue } from "../../src/db/outbox.ts";
import { Outbox } from "../../src/engine/outbox.ts";
import { memoryLogger } from "../../src/log.ts";
import { ALICE, BOB, CAROL, DAVE, postCommand, startBot, startHarness, startStandIn, type Harness } from "../support/bot.ts";
import { ownPostgres } from "../support/postgres.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA = rotaFile({
  schedules: [weeklySchedule("primary", "Europe/London", ["U0ALICE001"])],
  policies: [policy("platform", [[["schedule:primary"], "5m"], [["user:U0CAROL003", "user:U0DAVE0004"], "10m"]])],
  services: { checkout: "platform" },
});

const MIN = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Direct messages to each person mentioning INC-<n>, counted at the stand-in. */
function dmsFor(h: Pick<Harness, "slack">, number: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of h.slack.callsTo("chat.postMessage")) {
    const channel = String(call.args.channel);
    if (call.status === 200 && (call.response as { ok?: boolean })?.ok && /^[UW]/.test(channel) && String(call.args.text).includes(`INC-${number} `)) counts[channel] = (counts[channel] ?? 0) + 1;
  }
  return counts;
}

describe("with the stand-in on a clock the test moves", () => {
  let h: Harness;
  beforeAll(async () => {
    // A short lease: Slack calls time out after 1 s (a quarter of it), deliveries after 2 s.
    h = await startHarness({ rota: ROTA, env: { OUTBOX_LEASE_SECONDS: "4" } });
  });
  afterEach(() => h.slack.assertNoUnexpectedCalls());
  afterAll(async () => h.stop());

  async function declare(text: string): Promise<{ number: number; id: number; channelId: string | null }> {
    const reply = await h.command(text);
    const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    return { number, id: incident.id, channelId: incident.channelId };
  }

  it("a slow Slack holds up only its own message: pages behind it go out, escalation keeps stepping, the slow edit is retried after its lease", async () => {
    const inc = await declare("declare Slow edits sev1 service:checkout");
    expect(dmsFor(h, inc.number)).toEqual({ [ALICE]: 1 });
    h.slack.failNext("chat.update", { delayMs: 3_000 });
    await h.command("sev 2", { channel: inc.channelId! });
    await h.command("page <@U0BOB00002> are you around?", { channel: inc.channelId! });
    const started = Date.now();
    await h.deliver();
    expect(Date.now() - started).toBeLessThan(2_900); // nobody waited for the slow edit's answer
    expect(dmsFor(h, inc.number)).toEqual({ [ALICE]: 1, [BOB]: 1 });
    const edit = await h.t.db.outboxMessage.findFirstOrThrow({ where: { incidentId: inc.id, kind: "incident.update_card", state: "pending" } });
    expect(edit.attempts).toBe(1);
    expect(edit.lastError).toMatch(/could not reach Slack|timeout/i);

    h.clock.advance(5 * MIN); // the next level is due: the engine steps, the card edit waits no longer either
    await h.tick();
    // (Bob, paged directly, is asked again after five minutes too)
    expect(dmsFor(h, inc.number)).toEqual({ [ALICE]: 1, [BOB]: 2, [CAROL]: 1, [DAVE]: 1 });
    expect((await h.t.db.outboxMessage.findUniqueOrThrow({ where: { id: edit.id } })).state).toBe("sent");
    const card = h.slack.messages(inc.channelId!).find((m) => m.pinned)!;
    expect(JSON.stringify(card.blocks)).toContain("SEV2");
  });

  it("Slack refusing the token pauses delivery with every message kept; once it is accepted again, each goes out once", async () => {
    h.slack.refuseToken("token_revoked");
    const reply = await h.command("declare Token revoked sev1 service:checkout");
    const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
    await h.deliver();
    expect(h.bot.circuit.isOpen()).toBe(true);
    expect(await h.t.db.outboxMessage.count({ where: { state: "failed" } })).toBe(0);
    const readyz = await fetch(h.url.replace("/slack/events", "/readyz"));
    expect(readyz.status).toBe(503);
    const body = (await readyz.json()) as { failing: string[]; checks: Record<string, { detail: string }> };
    expect(body.failing).toContain("slack");
    expect(body.checks.slack.detail).toContain("token_revoked");
    expect(h.log.lines.filter((l) => l.startsWith("error") && l.includes("refuses the bot's token (token_revoked)") && l.includes("Reinstall")).length).toBe(1);

    // an hour without Slack: the page keeps escalating, nothing is given up
    for (let i = 0; i < 12; i++) {
      h.clock.advance(5 * MIN);
      await h.tick();
    }
    expect(await h.t.db.outboxMessage.count({ where: { state: "failed" } })).toBe(0);
    expect(dmsFor(h, number)).toEqual({});
    expect(h.log.lines.filter((l) => l.includes("refuses the bot's token (token_revoked)")).length).toBeGreaterThan(1); // said again, once a minute

    h.slack.refuseToken(null);
    await h.deliver();
    expect(h.bot.circuit.isOpen()).toBe(false);
    expect(await h.t.db.outboxMessage.count({ where: { state: { not: "sent" } } })).toBe(0);
    // (the commander's second message is the reminder that a SEV1 has no communications lead: its
    // channel did not exist yet when it was due, so it went as a direct message)
    expect(dmsFor(h, number)).toEqual({ [ALICE]: 2, [CAROL]: 1, [DAVE]: 1 });
    expect(h.slack.messages(h.slack.channels().find((c) => c.isIm && c.members.includes(ALICE))!.id).filter((m) => /without a communications lead/.test(m.text)).length).toBe(1);
    const incident = (await h.bot.incidents.byNumber(number))!;
    expect(h.slack.callsTo("conversations.create").filter((c) => String(c.args.name).startsWith(`inc-${number}-`) && (c.response as { ok: boolean }).ok).length).toBe(1);
    expect(h.slack.messages(incident.channelId!).filter((m) => m.blocks).length).toBe(1);
    expect(h.slack.messages(h.announce).filter((m) => m.text.includes(`INC-${number} declared`)).length).toBe(1);
    expect((await fetch(h.url.replace("/slack/events", "/readyz"))).status).toBe(200);
  });

  it("a channel created by a call whose answer was lost is adopted, not created again as -2", async () => {
    h.slack.failNext("conversations.create", { delayMs: 2_500 }); // Slack makes it; the answer comes too late
    const reply = await h.command("declare Lost answer sev3");
    const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
    await h.deliver();
    expect((await h.bot.incidents.byNumber(number))!.channelId).toBeNull();
    const made = h.slack.channel(`inc-${number}-lost-answer`)!;
    expect(made.creator).toBe(h.slack.botUserId);

    h.clock.advance(10_000);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    expect(incident.channelId).toBe(made.id);
    expect(incident.channelName).toBe(`inc-${number}-lost-answer`);
    expect(h.slack.channel(`inc-${number}-lost-answer-2`)).toBeUndefined();
    expect(h.slack.messages(made.id).filter((m) => m.blocks).length).toBe(1);
  });

  it("a channel of that name someone else made is not adopted", async () => {
    const next = (await h.t.db.incident.count()) + 1;
    h.slack.addChannel(`inc-${next}-not-ours`, { creator: ALICE, members: [ALICE] });
    await h.command("declare Not ours sev4");
    await h.deliver();
    expect((await h.bot.incidents.byNumber(next))!.channelName).toBe(`inc-${next}-not-ours-2`);
  });
});

describe("with PostgreSQL of its own, stopped and started again", () => {
  it("an outcome the database could not take waits in memory and is recorded before anything else is claimed", async () => {
    const pg = await ownPostgres();
    try {
      const clock = new ManualClock("2026-05-01T00:00:00Z");
      await pg.db.$transaction((tx) => enqueue(tx, [{ key: "blip-1", kind: "record" }, { key: "blip-2", kind: "record" }], clock.now()));
      const sent: string[] = [];
      const box = new Outbox({
        db: pg.db,
        clock,
        log: memoryLogger(),
        lanes: { channel: { concurrency: 1 } },
        handlers: {
          record: async ({ message }) => {
            sent.push(message.idempotencyKey);
            if (message.idempotencyKey === "blip-1") await pg.stop(); // Slack did it; then the database goes
          },
        },
      });
      await box.drain();
      expect(sent).toEqual(["blip-1"]);
      expect(box.stats().unrecorded).toBe(1);
      clock.advance(10 * MIN); // long past the lease
      await box.drain();
      expect(sent).toEqual(["blip-1"]);
      await pg.start();
      await box.drain();
      expect(sent).toEqual(["blip-1", "blip-2"]);
      for (const key of ["blip-1", "blip-2"]) expect(await pg.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: key } })).toMatchObject({ state: "sent", attempts: 1 });
    } finally {
      await pg.destroy();
    }
  });

  it("stopped for a few seconds under load: nothing acknowledged is lost, nothing posted twice, /readyz 503 during and 200 after, no restart", async () => {
    const pg = await ownPostgres();
    const { slack, apiUrl, announce, general } = await startStandIn();
    const { bot, url, log } = await startBot({ db: pg.db, clock: new DatabaseClock(pg.db), apiUrl, announce, env: { ENGINE_TICK_SECONDS: "1" }, engine: true, outboxIntervalMs: 200 });
    const readyz = async () => (await fetch(url.replace("/slack/events", "/readyz"))).status;
    try {
      const declared = await postCommand(url, slack, "declare Database blips sev2", { channel: general });
      const number = Number(/INC-(\d+)/.exec(declared.text)?.[1]);
      const channel = await until("the incident channel", async () => (await bot.incidents.byNumber(number))?.channelId ?? undefined);
      await until("ready", async () => (await readyz()) === 200);

      // Slack answers slowly, so deliveries are in flight when the database goes.
      slack.failNext("chat.postMessage", { delayMs: 700 }, 8);
      const results: { text: string; ok: boolean }[] = [];
      const load = (async () => {
        for (let i = 0; i < 40; i++) {
          const text = `blip-update-${String(i).padStart(2, "0")}`;
          const res = await postCommand(url, slack, `update ${text}`, { channel, user: ALICE }).catch(() => ({ status: 0, text: "" }));
          results.push({ text, ok: res.status === 200 && res.text.includes("Status update posted") });
          await sleep(150);
        }
      })();
      await sleep(1_000);
      // The next post is done by Slack, but answered only once the database is gone.
      slack.failNext("chat.postMessage", { delayMs: 1_500 });
      await new Promise<void>((resolve) => slack.once("call", (call: { method: string }) => call.method === "chat.postMessage" && resolve()));
      await pg.stop();
      await until("/readyz to fail", async () => (await readyz()) === 503, 10_000);
      await sleep(3_000);
      await pg.start();
      await load;
      await until("/readyz to pass again", async () => (await readyz()) === 200, 30_000);
      await until("the outbox to empty", async () => (await pg.db.outboxMessage.count({ where: { state: "pending" } })) === 0, 30_000);

      const acknowledged = results.filter((r) => r.ok);
      const refused = results.filter((r) => !r.ok);
      expect(refused.length).toBeGreaterThan(0); // the outage was real
      expect(acknowledged.length).toBeGreaterThan(10);
      const posted = (where: string, text: string) => slack.messages(where).filter((m) => m.text.includes(text)).length;
      for (const r of acknowledged) {
        expect(posted(channel, r.text), r.text).toBe(1);
        expect(posted(announce, r.text), r.text).toBe(1);
      }
      for (const r of refused) expect(posted(channel, r.text), r.text).toBe(0); // told it failed, and nothing half-written
      const timeline = (await bot.incidents.timeline((await bot.incidents.byNumber(number))!.id)).filter((e) => e.data.kind === "status_update");
      expect(timeline.length).toBe(acknowledged.length);
      // nothing the bot posted went out twice
      const texts = slack.callsTo("chat.postMessage").filter((c) => (c.response as { ok?: boolean })?.ok).map((c) => `${c.args.channel} ${c.args.text}`);
      expect(texts.length).toBe(new Set(texts).size);
      expect(await pg.db.outboxMessage.count({ where: { state: "failed" } })).toBe(0);
      // the post answered while the database was away was recorded once it came back, not sent again
      expect(log.lines.some((l) => l.includes("kept in memory"))).toBe(true);
      expect(log.lines.some((l) => l.includes("now that the database answers"))).toBe(true);
    } finally {
      await bot.stop();
      await slack.stop();
      await pg.destroy();
    }
  }, 90_000);
});
