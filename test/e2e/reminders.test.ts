// Reminders end to end: the real bot over signed HTTP, the Slack stand-in counting every message,
// a clock the test moves (never a sleep), and two engines on one database sending each reminder once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { remindersModule } from "../../src/engine/modules/reminders.ts";
import { memoryLogger } from "../../src/log.ts";
import { DEFAULT_UPDATE_CADENCE } from "../../src/reminders/plan.ts";
import { sendDueReminders } from "../../src/reminders/nudges.ts";
import { earliestReminderAt } from "../../src/reminders/store.ts";
import { ALICE, BOB, CAROL, DAVE, startHarness, type Harness } from "../support/bot.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const MIN = 60_000;
const HOUR = 60 * MIN;

async function declare(text: string, user = ALICE): Promise<{ number: number; channelId: string; id: number }> {
  const reply = await h.command(text, { user });
  const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
  expect(number, reply.text).toBeGreaterThan(0);
  await h.deliver();
  const incident = (await h.bot.incidents.byNumber(number))!;
  return { number, channelId: incident.channelId!, id: incident.id };
}

/** Messages in a channel (or a person's direct messages) whose text matches. */
const said = (channel: string, pattern: RegExp) => h.slack.messages(channel).filter((m) => pattern.test(m.text));
const dm = (user: string) => h.slack.channels().find((c) => c.isIm && c.members.includes(user))?.id ?? "none";
const NO_UPDATE = /has had no status update/;

describe("status update reminders", () => {
  it("a SEV1 without an update for 30 min: a nudge to the commander with Post update and Snooze; snooze waits 15 min; an update resets the clock", async () => {
    const inc = await declare("declare Checkout down sev1");
    await h.command("role comms <@U0BOB00002>", { user: ALICE, channel: inc.channelId });
    await h.deliver();
    h.clock.advance(30 * MIN - 1000);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE)).toEqual([]);
    h.clock.advance(1000);
    await h.tick();
    const nudges = said(inc.channelId, NO_UPDATE);
    expect(nudges.length).toBe(1);
    expect(nudges[0].text).toContain(`<@${BOB}>`); // the communications lead
    expect(nudges[0].text).toContain("30 min");
    const blocks = JSON.stringify(nudges[0].blocks);
    expect(blocks).toContain("Post update");
    expect(blocks).toContain("Snooze 15 min");

    // Snooze: nothing for 15 minutes, then again.
    expect(await h.click({ user: BOB, channel: inc.channelId, actionId: "reminder_snooze" })).toBe(200);
    await h.deliver();
    h.clock.advance(15 * MIN - 1000);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE).length).toBe(1);
    h.clock.advance(1000);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE).length).toBe(2);

    // Post update opens the form; its update resets the clock.
    await h.click({ user: BOB, channel: inc.channelId, actionId: "reminder_post_update" });
    const form = h.slack.openViews().at(-1)!;
    expect(form.view.callback_id).toBe("reminder_update_view");
    const empty = await h.submitView(form.id, BOB, { text: { value: " " } });
    expect(empty.body).toEqual({ response_action: "errors", errors: { text: "Say how things stand." } });
    expect((await h.submitView(form.id, BOB, { text: { value: "Rolled back; errors falling" } })).body).toBeNull();
    await h.deliver();
    expect(said(inc.channelId, /Rolled back; errors falling/).length).toBe(1);
    h.clock.advance(30 * MIN - 1000);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE).length).toBe(2);
    h.clock.advance(1000);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE).length).toBe(3);

    // A severity change applies the new cadence (SEV3: none); resolving stops them.
    await h.command("sev 3", { user: ALICE, channel: inc.channelId });
    h.clock.advance(2 * HOUR);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE).length).toBe(3);
    await h.command("sev 2", { user: ALICE, channel: inc.channelId });
    await h.command("resolve rolled back", { user: ALICE, channel: inc.channelId });
    h.clock.advance(2 * HOUR);
    await h.tick();
    expect(said(inc.channelId, NO_UPDATE).length).toBe(3);
  });

  it("a SEV2 without a communications lead 10 minutes after declaration: one nudge to the commander", async () => {
    const inc = await declare("declare Payments slow sev2", CAROL);
    h.clock.advance(10 * MIN);
    await h.tick();
    h.clock.advance(20 * MIN);
    await h.tick();
    const nudges = said(inc.channelId, /without a communications lead/);
    expect(nudges.length).toBe(1);
    expect(nudges[0].text).toContain(`<@${CAROL}>`);
    // an assigned lead means no nudge: a second incident gets one in time
    const other = await declare("declare Search slow sev2", CAROL);
    await h.command("role comms <@U0DAVE0004>", { user: CAROL, channel: other.channelId });
    h.clock.advance(HOUR);
    await h.tick();
    expect(said(other.channelId, /without a communications lead/)).toEqual([]);
    await h.command("resolve", { user: CAROL, channel: inc.channelId });
    await h.command("resolve", { user: CAROL, channel: other.channelId });
    await h.deliver();
  });
});

describe("loose ends", () => {
  it("resolved but not closed after 24 h; closed without a reviewed postmortem after 5 business days; `postmortem reviewed` stops it", async () => {
    h.clock.set("2026-03-09T09:00:00Z"); // a Monday
    const a = await declare("declare Queue stuck sev3", DAVE);
    const b = await declare("declare Cache cold sev3", DAVE);
    await h.command("resolve drained", { user: DAVE, channel: a.channelId });
    await h.command("resolve warmed", { user: DAVE, channel: b.channelId });
    h.clock.advance(24 * HOUR - 1000);
    await h.tick();
    expect(said(a.channelId, /still not closed/)).toEqual([]);
    h.clock.advance(1000);
    await h.tick();
    expect(said(a.channelId, /still not closed/).length).toBe(1);
    expect(said(a.channelId, /still not closed/)[0].text).toContain(`<@${DAVE}>`);

    // reviewing before resolution is refused, and nothing is written
    const open = await declare("declare Still open sev4", DAVE);
    const refused = await h.command("postmortem reviewed", { user: DAVE, channel: open.channelId });
    expect(refused.text).toMatch(/is investigating: its postmortem is reviewed once it is resolved/);
    expect((await h.bot.incidents.byNumber(open.number))!.postmortemReviewedAt).toBeNull();

    await h.command("close", { user: DAVE, channel: a.channelId }); // Tuesday 09:00
    await h.command("close", { user: DAVE, channel: b.channelId });
    await h.command("postmortem reviewed", { user: DAVE, channel: b.channelId });
    await h.deliver();
    h.clock.set("2026-03-17T08:59:00Z"); // 5 business days after Tuesday 09:00 is the next Tuesday 09:00
    await h.tick();
    expect(said(a.channelId, /postmortem is not marked reviewed/)).toEqual([]);
    h.clock.set("2026-03-17T09:00:00Z");
    await h.tick();
    h.clock.advance(7 * 24 * HOUR);
    await h.tick();
    expect(said(a.channelId, /postmortem is not marked reviewed/).length).toBe(1);
    expect(said(b.channelId, /postmortem is not marked reviewed/)).toEqual([]);
    expect(said(b.channelId, /postmortem was reviewed/).length).toBe(1);
    await h.command("resolve", { user: DAVE, channel: open.channelId });
    await h.deliver();
  });

  it("an action item past its due date: a direct message to its owner, weekly, until it is done", async () => {
    h.clock.set("2026-04-01T10:00:00Z");
    const inc = await declare("declare Disk full sev3", ALICE);
    const bad = await h.command("action Add disk alerts due:2026-02-30", { user: ALICE, channel: inc.channelId });
    expect(bad.text).toMatch(/`due:2026-02-30` is not a due date/);
    const reply = await h.command("action Add disk alerts <@U0CAROL003> type:detect due:2026-04-03", { user: ALICE, channel: inc.channelId });
    const id = Number(/action item #(\d+)/.exec(reply.text)?.[1]);
    expect(reply.text).toContain("due 2026-04-03");
    await h.deliver();
    const overdue = () => said(dm(CAROL), new RegExp(`Action item #${id} of INC-${inc.number} was due 2026-04-03`));
    h.clock.set("2026-04-03T23:59:00Z");
    await h.tick();
    expect(overdue()).toEqual([]);
    h.clock.set("2026-04-04T00:00:00Z");
    await h.tick();
    expect(overdue().length).toBe(1);
    h.clock.advance(6 * 24 * HOUR);
    await h.tick();
    expect(overdue().length).toBe(1);
    h.clock.advance(24 * HOUR);
    await h.tick();
    expect(overdue().length).toBe(2);
    const done = await h.command(`action done ${id}`, { user: CAROL, channel: inc.channelId });
    expect(done.text).toContain(`action item #${id} done`);
    h.clock.advance(14 * 24 * HOUR);
    await h.tick();
    expect(overdue().length).toBe(2);
    await h.command("resolve", { user: ALICE, channel: inc.channelId });
    await h.deliver();
  });
});

describe("two replicas", () => {
  it("two engines on one database send each due reminder once, however their ticks interleave", async () => {
    h.clock.set("2026-05-04T10:00:00Z");
    await h.tick(); // what earlier tests left due
    const incidents = [];
    for (let i = 0; i < 5; i++) incidents.push(await declare(`declare Parallel ${i} sev1`, ALICE));
    for (const inc of incidents) await h.command("role comms <@U0BOB00002>", { user: ALICE, channel: inc.channelId });
    await h.deliver();
    const a = remindersModule({ log: memoryLogger(), sendDue: (now) => sendDueReminders(h.t.connect(), now, DEFAULT_UPDATE_CADENCE), nextDueAt: () => earliestReminderAt(h.t.db) });
    const dbB = h.t.connect();
    const b = remindersModule({ log: memoryLogger(), sendDue: (now) => sendDueReminders(dbB, now, DEFAULT_UPDATE_CADENCE), nextDueAt: () => earliestReminderAt(dbB) });
    expect(await a.nextDueAt!()).toEqual(new Date("2026-05-04T10:30:00Z"));
    for (let round = 0; round < 3; round++) {
      h.clock.advance(30 * MIN);
      const now = h.clock.now();
      const counts = await Promise.all([a.runDue(now), b.runDue(now), a.runDue(now), b.runDue(now)]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(5);
      await h.deliver();
    }
    for (const inc of incidents) expect(said(inc.channelId, NO_UPDATE).length, `INC-${inc.number}`).toBe(3);
    // a restart (a new engine, a late tick) sends nothing that was sent
    h.clock.advance(10 * MIN);
    expect(await b.runDue(h.clock.now())).toBe(0);
    for (const inc of incidents) await h.command("resolve", { user: ALICE, channel: inc.channelId });
    await h.deliver();
  });
});
