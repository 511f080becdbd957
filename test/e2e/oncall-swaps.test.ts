// Shift swaps from Slack: `/incident oncall swap …`, the direct message with Accept / Decline to the
// person asked, and what accepting makes (overrides) and tells (both people, the schedule's channel).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { segments } from "../../src/oncall/schedule.ts";
import { loadSchedule } from "../../src/oncall/store.ts";
import { ALICE, BOB, CAROL, DAVE, ERIN, startHarness, type Harness } from "../support/bot.ts";

const CHANNEL = "C0ONCALL01";

// primary: Bob from Mon 2 Mar 09:00 to Mon 9 Mar 09:00 (New York), then Alice; its channel is told of swaps.
// secondary: Bob the same week, then Dave; it names no channel.
const ROTA = `access:
  max_override: 3d
schedules:
  primary:
    timezone: America/New_York
    channel: ${CHANNEL}
    layers:
      - { name: weekly, members: [${ALICE}, ${BOB}], rotation: { every: 1w, start: "2026-02-23T09:00" } }
  secondary:
    timezone: America/New_York
    layers:
      - { name: weekly, members: [${DAVE}, ${BOB}], rotation: { every: 1w, start: "2026-02-23T09:00" } }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rota: ROTA });
  h.slack.addChannel("oncall-primary", { id: CHANNEL, members: [h.slack.botUserId, ALICE, BOB] });
  h.clock.set("2026-03-02T15:00:00Z"); // Monday 10:00 in New York: Bob is on call on both
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const dmOf = (u: string) => h.slack.channels().find((c) => c.isIm && c.members.includes(u))!.id;
const posts = (channel: string, contains: string) => h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === channel && String(c.args.text).includes(contains));
const swapIdOf = (reply: { text: string }) => Number(/swap request #(\d+)/.exec(reply.text)![1]);

async function onCallAt(schedule: string, at: string): Promise<string[]> {
  const s = (await loadSchedule(h.t.db, schedule, { from: new Date(at), to: new Date(Date.parse(at) + 60_000) }))!;
  return segments(s, new Date(at), new Date(Date.parse(at) + 60_000))[0].onCall;
}

/** The person asked clicks a button of the request's direct message. */
const answer = (user: string, actionId: "swap_accept" | "swap_decline", id: number) => h.click({ user, channel: dmOf(user), actionId, value: String(id) });
const ephemeralTo = (user: string) => h.slack.callsTo("chat.postEphemeral").filter((c) => c.args.user === user).map((c) => String(c.args.text));

describe("/incident oncall swap", () => {
  it("asks; on Accept the person asked covers the window, and both people and the schedule's channel are told; a double click does it once", async () => {
    const reply = await h.command(`oncall swap primary <@${CAROL}|carol> 2026-03-04T09:00 1d`, { user: BOB });
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.text).toContain(`Asked <@${CAROL}> to take your shift on *primary* (Wed 4 Mar, 09:00 EST → Thu 5 Mar, 09:00 EST)`);
    const id = swapIdOf(reply);
    expect((await h.t.db.shiftSwap.findUniqueOrThrow({ where: { id } })).state).toBe("pending");
    expect(await h.t.db.scheduleOverride.count()).toBe(0); // nothing changes until Carol accepts
    await h.deliver();
    const request = posts(CAROL, `<@${BOB}> asks you to take their on-call shift on *primary*`);
    expect(request.length).toBe(1);

    // Carol clicks Accept twice at once (a double click; it could land on two replicas)
    const statuses = await Promise.all([answer(CAROL, "swap_accept", id), answer(CAROL, "swap_accept", id)]);
    expect(statuses).toEqual([200, 200]);
    await h.deliver();
    const overrides = await h.t.db.scheduleOverride.findMany();
    expect(overrides.length).toBe(1);
    expect(overrides[0]).toMatchObject({ userId: CAROL, createdById: CAROL, source: "slack", startAt: new Date("2026-03-04T14:00:00Z"), endAt: new Date("2026-03-05T14:00:00Z") });
    const row = await h.t.db.shiftSwap.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ state: "accepted", overrideId: overrides[0].id, decidedAt: h.clock.now() });
    expect(ephemeralTo(CAROL).filter((t) => t.includes(`Swap request #${id} is already accepted`)).length).toBe(1);

    expect(posts(BOB, `<@${CAROL}> accepted your swap on *primary*`).length).toBe(1);
    expect(posts(CAROL, `You accepted <@${BOB}>'s swap on *primary*`).length).toBe(1);
    expect(posts(CHANNEL, `Shift swap on *primary*: <@${CAROL}> covers <@${BOB}> Wed 4 Mar, 09:00 EST → Thu 5 Mar, 09:00 EST (override #${overrides[0].id})`).length).toBe(1);
    expect(posts(BOB, "covers your on-call shift").length).toBe(0); // Bob reads the swap's words, once

    expect(await onCallAt("primary", "2026-03-04T15:00:00Z")).toEqual([CAROL]);
    expect(await onCallAt("primary", "2026-03-05T15:00:00Z")).toEqual([BOB]);
    h.clock.set("2026-03-04T15:00:00Z");
    expect((await h.command("oncall primary", { user: ALICE })).text).toContain(`On call now: <@${CAROL}>`);
    h.clock.set("2026-03-02T15:00:00Z");

    // Clicked again later: told, nothing more made
    await answer(CAROL, "swap_accept", id);
    expect(await h.t.db.scheduleOverride.count()).toBe(1);
  });

  it("a trade: on Accept each covers the other's window (the schedule names no channel: only both people are told)", async () => {
    const reply = await h.command(`oncall swap secondary <@${DAVE}> 2026-03-05T09:00 1d for 2026-03-10T09:00 1d`, { user: BOB });
    expect(reply.text).toContain("and to give you theirs (Tue 10 Mar, 09:00 EDT → Wed 11 Mar, 09:00 EDT) in return");
    const id = swapIdOf(reply);
    await h.deliver();
    expect(posts(DAVE, "In return, <@" + BOB + "> takes yours: Tue 10 Mar, 09:00 EDT → Wed 11 Mar, 09:00 EDT").length).toBe(1);
    const channelPosts = h.slack.callsTo("chat.postMessage").length;
    await answer(DAVE, "swap_accept", id);
    await h.deliver();
    const overrides = await h.t.db.scheduleOverride.findMany({ where: { schedule: { name: "secondary" } }, orderBy: { id: "asc" } });
    expect(overrides.map((o) => [o.userId, o.createdById, o.startAt.toISOString(), o.endAt.toISOString()])).toEqual([
      [DAVE, DAVE, "2026-03-05T14:00:00.000Z", "2026-03-06T14:00:00.000Z"],
      [BOB, BOB, "2026-03-10T13:00:00.000Z", "2026-03-11T13:00:00.000Z"],
    ]);
    expect(await h.t.db.shiftSwap.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "accepted", overrideId: overrides[0].id, tradeOverrideId: overrides[1].id });
    expect(await onCallAt("secondary", "2026-03-05T15:00:00Z")).toEqual([DAVE]);
    expect(await onCallAt("secondary", "2026-03-10T15:00:00Z")).toEqual([BOB]);
    expect(await onCallAt("secondary", "2026-03-11T15:00:00Z")).toEqual([DAVE]);
    expect(posts(BOB, `<@${DAVE}> accepted your swap on *secondary*`)[0].args.text).toContain(`and you cover theirs Tue 10 Mar, 09:00 EDT → Wed 11 Mar, 09:00 EDT (override #${overrides[1].id})`);
    expect(posts(DAVE, `You accepted <@${BOB}>'s swap on *secondary*`)[0].args.text).toContain(`<@${BOB}> covers your shift Tue 10 Mar`);
    expect(posts(DAVE, "covers your on-call shift").length).toBe(0);
    // two direct messages, no channel post
    expect(h.slack.callsTo("chat.postMessage").length - channelPosts).toBe(2);
  });

  it("Decline makes nothing and tells the asker", async () => {
    const count = await h.t.db.scheduleOverride.count();
    const id = swapIdOf(await h.command(`oncall swap primary <@${DAVE}> 2026-03-06T09:00 8h`, { user: BOB }));
    await h.deliver();
    await answer(DAVE, "swap_decline", id);
    await h.deliver();
    expect(await h.t.db.scheduleOverride.count()).toBe(count);
    expect(await h.t.db.shiftSwap.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "declined", overrideId: null });
    expect(posts(BOB, `<@${DAVE}> declined your swap request #${id} on *primary*`).length).toBe(1);
    expect(ephemeralTo(DAVE)).toContain(`Declined swap request #${id}; <@${BOB}> is told.`);
    // Accept after Decline changes nothing either
    await answer(DAVE, "swap_accept", id);
    expect(ephemeralTo(DAVE).at(-1)).toContain("already declined");
    expect(await h.t.db.scheduleOverride.count()).toBe(count);
  });

  it("refuses when the asker is not on call for the whole window, listing when they are", async () => {
    const swaps = await h.t.db.shiftSwap.count();
    const notTheirs = await h.command(`oncall swap primary <@${DAVE}> 2026-03-04T09:00 1d`, { user: ALICE });
    expect(notTheirs.text).toContain("You are not on call on primary for all of Wed 4 Mar, 09:00 EST → Thu 5 Mar, 09:00 EST");
    expect(notTheirs.text).toContain("Your shifts on primary until Thu 2 Apr, 10:00 EDT:\n• Mon 9 Mar, 09:00 EDT → Mon 16 Mar, 09:00 EDT\n• Mon 23 Mar");
    // Bob's week, split by Carol's override, and only partly in the window asked for
    const partly = await h.command(`oncall swap primary <@${DAVE}> 2026-03-08T09:00 2d`, { user: BOB });
    expect(partly.text).toContain("You are not on call on primary for all of");
    expect(partly.text).toContain("• Mon 2 Mar, 10:00 EST → Wed 4 Mar, 09:00 EST\n• Thu 5 Mar, 09:00 EST → Mon 9 Mar, 09:00 EDT\n• Mon 16 Mar");
    // longer than max_override, myself, a trade the other person is not on call for
    expect((await h.command(`oncall swap primary <@${DAVE}> 2026-03-05T09:00 4d`, { user: BOB })).text).toMatch(/at most 3 days .* one of 95 hours/);
    expect((await h.command(`oncall swap primary <@${BOB}> 2026-03-03T09:00 1d`, { user: BOB })).text).toMatch(/not yourself/);
    expect((await h.command(`oncall swap primary <@${DAVE}> 2026-03-03T09:00 1d for 2026-03-10T09:00 1d`, { user: BOB })).text).toContain(`<@${DAVE}> is not on call on primary for all of Tue 10 Mar`);
    expect((await h.command(`oncall swap primary <@${DAVE}> 2026-03-01T09:00 1d`, { user: BOB })).text).toMatch(/That window is over/);
    expect((await h.command(`oncall swap primary @dave now 8h`, { user: BOB })).text).toMatch(/Mention them/);
    expect((await h.command(`oncall swap primary <@${DAVE}> now`, { user: BOB })).text).toMatch(/A swap needs a schedule, a person, a start and an end/);
    expect(await h.t.db.shiftSwap.count()).toBe(swaps);
  });

  it("refuses on Accept a request whose schedule changed under it, or whose window is over, and tells the asker", async () => {
    const changed = swapIdOf(await h.command(`oncall swap primary <@${ERIN}> 2026-03-08T09:00 4h`, { user: BOB }));
    const late = swapIdOf(await h.command(`swap primary <@${ERIN}> 2026-03-06T18:00 2h`, { user: BOB })); // `/incident swap` is the same command
    await h.deliver();
    expect(posts(ERIN, "asks you to take their on-call shift").length).toBe(2);
    // Dave takes Sunday morning with an override of his own: Bob is no longer on call then
    await h.command(`oncall override primary <@${DAVE}> 2026-03-08T08:00 6h`, { user: DAVE });
    await answer(ERIN, "swap_accept", changed);
    expect(ephemeralTo(ERIN).at(-1)).toContain(`<@${BOB}> is no longer on call on primary for all of Sun 8 Mar`);
    expect(await h.t.db.shiftSwap.findUniqueOrThrow({ where: { id: changed } })).toMatchObject({ state: "expired", overrideId: null });

    h.clock.set("2026-03-07T02:00:00Z"); // Friday 21:00 in New York: the 18:00-20:00 window is over
    await answer(ERIN, "swap_accept", late);
    expect(ephemeralTo(ERIN).at(-1)).toContain(`Swap request #${late} can no longer be accepted: its window is over`);
    await answer(ERIN, "swap_accept", late);
    expect(ephemeralTo(ERIN).at(-1)).toContain(`Swap request #${late} has expired`);
    await h.deliver();
    expect(await h.t.db.scheduleOverride.count({ where: { userId: ERIN } })).toBe(0);
    expect(posts(BOB, "can no longer be accepted").length).toBe(2); // once per request
  });
});
