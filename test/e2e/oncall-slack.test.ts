// `/incident oncall` and overrides from Slack, against a rota applied to the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, DAVE, startHarness, type Harness } from "../support/bot.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA = rotaFile({
  schedules: [weeklySchedule("primary", "America/New_York", ["U0ALICE001", "U0BOB00002"])],
  policies: [policy("platform", [[["schedule:primary"], "5m"]])],
  services: { checkout: "platform" },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rota: ROTA });
  h.clock.set("2026-03-07T15:00:00Z"); // Saturday 10:00 in New York (EST)
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

describe("/incident oncall", () => {
  it("says who is on call now, until when and who is next, in the schedule's zone and the asker's", async () => {
    const reply = await h.command("oncall primary", { user: CAROL }); // Carol's profile is in Europe/London
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.text).toContain(`On call now: <@${BOB}>`); // week 2 from Feb 23 09:00
    expect(reply.text).toContain("Until Mon 9 Mar, 09:00 EDT"); // the handoff keeps 09:00 local across the DST change
    expect(reply.text).toContain("13:00 GMT your time");
    expect(reply.text).toContain(`then <@${ALICE}>`);
  });

  it("covers a shift with an override, lists it, and removes it", async () => {
    // Dave takes Bob's weekend: the person who will cover may add the override
    const reply = await h.command(`oncall override primary <@${DAVE}|dave> 2026-03-07T18:00 2d`, { user: DAVE });
    expect(reply.response_type).toBe("in_channel");
    expect(reply.text).toContain(`Told <@${BOB}>`);
    await h.deliver();
    const told = h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === BOB && String(c.args.text).includes(`<@${DAVE}> covers your on-call shift on *primary*`));
    expect(told.length).toBe(1);
    const id = Number(/#(\d+)/.exec(reply.text)![1]);
    expect(reply.text).toContain("2026-03-07T23:00:00.000Z"); // 18:00 EST
    expect(reply.text).toContain("2026-03-09T22:00:00.000Z"); // 18:00 EDT two days later, wall clock
    h.clock.set("2026-03-08T12:00:00Z");
    const now = await h.command("oncall primary", { user: ALICE });
    expect(now.text).toContain(`On call now: <@${DAVE}>`);
    expect(now.text).toContain(`#${id}`);
    const removed = await h.command(`oncall override remove ${id}`, { user: DAVE }); // whoever created it
    expect(removed.text).toContain(`Removed override #${id}`);
    expect((await h.command("oncall primary", { user: ALICE })).text).toContain(`On call now: <@${BOB}>`);
  });

  it("refuses bad overrides with what would work, writing nothing", async () => {
    const count = await h.t.db.scheduleOverride.count();
    expect((await h.command(`oncall override nowhere <@${DAVE}> now 8h`)).text).toMatch(/no schedule `nowhere`.*primary/);
    expect((await h.command(`oncall override primary <@${DAVE}> tomorrow 8h`)).text).toMatch(/not a time/);
    expect((await h.command(`oncall override primary <@${DAVE}> now 8x`)).text).toMatch(/not an end time or a duration/);
    expect((await h.command(`oncall override primary @dave now 8h`)).text).toMatch(/Mention them/);
    expect((await h.command(`oncall override remove 999`)).text).toMatch(/no override 999/);
    expect(await h.t.db.scheduleOverride.count()).toBe(count);
  });

  it("lists every schedule without a name, and says when a name is unknown", async () => {
    expect((await h.command("oncall")).text).toContain("*primary* (America/New_York)");
    expect((await h.command("oncall secondary")).text).toMatch(/no schedule `secondary`/);
  });

  it("refuses to declare for an unknown service, naming the known ones", async () => {
    const reply = await h.command("declare Broken thing sev1 service:nope");
    expect(reply.text).toMatch(/no service `nope`.*checkout/);
    expect(await h.t.db.incident.count()).toBe(0);
  });
});

describe("shift notices", () => {
  it("tells each person once when their shift starts, however many ticks and engines", async () => {
    const toAlice = () => h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === ALICE && String(c.args.text).includes("Your on-call shift on *primary*"));
    h.clock.set("2026-03-09T12:59:00Z"); // a minute before Alice's shift (09:00 EDT)
    await h.tick();
    expect(toAlice().length).toBe(0);
    h.clock.set("2026-03-09T13:00:30Z");
    await h.tick();
    await Promise.all([h.bot.engine.tick(), h.bot.engine.tick()]);
    h.clock.set("2026-03-09T13:20:00Z");
    await h.tick();
    expect(toAlice().length).toBe(1);
    expect(String(toAlice()[0].args.text)).toContain("Mon 9 Mar, 09:00 EDT");
    expect(String(toAlice()[0].args.text)).toContain("until Mon 16 Mar, 09:00 EDT");
  });
});
