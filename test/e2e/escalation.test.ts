// Paging end to end: the real bot, a rota applied to the database, a clock the test moves, the
// Slack stand-in counting every direct message.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { escalationModule } from "../../src/engine/modules/escalation.ts";
import { memoryLogger } from "../../src/log.ts";
import { ALICE, applyRotaText, BOB, CAROL, DAVE, ERIN, startHarness, type Harness } from "../support/bot.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA = rotaFile({
  schedules: [
    weeklySchedule("primary", "America/New_York", ["U0ALICE001", "U0BOB00002"]),
    weeklySchedule("secondary", "America/New_York", ["U0CAROL003"]),
    weeklySchedule("empty", "America/New_York", ["U0ERIN0005"], "2027-01-04T09:00"), // nobody until next year
  ],
  policies: [
    policy("platform", [[["schedule:primary"], "5m"], [["schedule:secondary", "user:U0DAVE0004"], "10m"]], 1),
    policy("hollow", [[["schedule:empty"], "1m"], [["user:U0BOB00002"], "1m"]]),
  ],
  services: { checkout: "platform", ghost: "hollow" },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rota: ROTA });
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const MIN = 60_000;
/** Pages (direct messages) each person received for an incident, counted at the Slack stand-in. */
function pagesTo(number: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of h.slack.callsTo("chat.postMessage")) {
    const channel = String(call.args.channel);
    if (call.status === 200 && /^[UW]/.test(channel) && String(call.args.text).includes(`INC-${number} `)) counts[channel] = (counts[channel] ?? 0) + 1;
  }
  return counts;
}

async function declare(text: string, user = ERIN): Promise<{ number: number; channelId: string; id: number }> {
  const reply = await h.command(text, { user });
  const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
  expect(number, reply.text).toBeGreaterThan(0);
  await h.deliver();
  const incident = (await h.bot.incidents.byNumber(number))!;
  return { number, channelId: incident.channelId!, id: incident.id };
}

const timelineKinds = async (id: number) => (await h.bot.incidents.timeline(id)).map((e) => e.data.kind);

describe("escalation", () => {
  it("a SEV1 declared for a service pages its policy at once, then level by level, repeats, and is exhausted loudly", async () => {
    const inc = await declare("declare Checkout down sev1 service:checkout");
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1 });
    const dm = h.slack.callsTo("chat.postMessage").find((c) => c.args.channel === ALICE)!;
    const blocks = JSON.stringify(dm.args.blocks);
    for (const part of ["Acknowledge", "Escalate now", "SEV1", "Checkout down", `<@${ERIN}>`]) expect(blocks).toContain(part);

    h.clock.advance(5 * MIN - 1000);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1 });
    h.clock.advance(1000);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1, [CAROL]: 1, [DAVE]: 1 });
    h.clock.advance(10 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 2, [CAROL]: 1, [DAVE]: 1 });
    h.clock.advance(5 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 2, [CAROL]: 2, [DAVE]: 2 });
    h.clock.advance(10 * MIN);
    await h.tick();
    h.clock.advance(60 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 2, [CAROL]: 2, [DAVE]: 2 });
    const loud = h.slack.messages(inc.channelId).filter((m) => m.text.includes("<!channel>"));
    expect(loud.length).toBe(1);
    expect(loud[0].text).toMatch(/platform exhausted/);
    const kinds = await timelineKinds(inc.id);
    expect(kinds.filter((k) => k === "page_sent").length).toBe(6);
    expect(kinds.filter((k) => k === "escalated").length).toBe(3);
    expect(kinds.filter((k) => k === "policy_exhausted").length).toBe(1);
    // every step is said in the incident channel
    expect(h.slack.messages(inc.channelId).filter((m) => m.text.startsWith(":pager: Paged")).length).toBe(4);
  });

  it("the first acknowledgement stops the escalation for everyone; a later click is told who was first", async () => {
    const inc = await declare("declare Payments slow sev2 service:checkout");
    h.clock.advance(5 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1, [CAROL]: 1, [DAVE]: 1 });
    const page = await h.t.db.page.findFirstOrThrow({ where: { incidentId: inc.id } });
    const dmOf = (u: string) => h.slack.channels().find((c) => c.isIm && c.members.includes(u))!.id;
    expect(await h.click({ user: CAROL, channel: dmOf(CAROL), actionId: "page_acknowledge", value: String(page.id) })).toBe(200);
    expect(await h.click({ user: DAVE, channel: dmOf(DAVE), actionId: "page_acknowledge", value: String(page.id) })).toBe(200);
    await h.deliver();
    const told = h.slack.callsTo("chat.postEphemeral").filter((c) => c.args.user === DAVE);
    expect(told.length).toBe(1);
    expect(String(told[0].args.text)).toContain(`Already acknowledged by <@${CAROL}>`);
    h.clock.advance(120 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1, [CAROL]: 1, [DAVE]: 1 });
    const kinds = await timelineKinds(inc.id);
    expect(kinds.filter((k) => k === "page_acknowledged").length).toBe(1);
    expect(h.slack.messages(inc.channelId).some((m) => m.text.includes(`<@${CAROL}> acknowledged the page`))).toBe(true);
  });

  it("`/incident ack` acknowledges like the button; `/incident page @user` pages a person", async () => {
    const inc = await declare("declare Search down sev3");
    expect(pagesTo(inc.number)).toEqual({}); // SEV3 without a service pages nobody
    const reply = await h.command(`page <@${BOB}|bob> please look at the index`, { user: ERIN, channel: inc.channelId });
    expect(reply.text).toContain(`notified <@${BOB}>`);
    await h.deliver();
    expect(pagesTo(inc.number)).toEqual({ [BOB]: 1 });
    expect(JSON.stringify(h.slack.callsTo("chat.postMessage").find((c) => c.args.channel === BOB && String(c.args.text).includes(`INC-${inc.number} `))!.args.blocks)).toContain("please look at the index");
    const ack = await h.command("ack", { user: BOB, channel: inc.channelId });
    expect(ack.text).toContain(`acknowledged by <@${BOB}>`);
    const again = await h.command("ack", { user: ALICE, channel: inc.channelId });
    expect(again.text).toContain(`Already acknowledged by <@${BOB}>`);
    h.clock.advance(60 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [BOB]: 1 });
  });

  it("an empty level says nobody is on call there and escalates", async () => {
    const inc = await declare("declare Ghost town sev1 service:ghost");
    expect(pagesTo(inc.number)).toEqual({});
    expect(await timelineKinds(inc.id)).toContain("nobody_on_call");
    expect(h.slack.messages(inc.channelId).some((m) => m.text.includes("Nobody is on call at level 1"))).toBe(true);
    h.clock.advance(MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [BOB]: 1 });
  });

  it("a late tick catches up without paging twice", async () => {
    const inc = await declare("declare Late tick sev1 service:checkout");
    h.clock.advance(16 * MIN); // level 2 was due at +5 min, round 2's level 1 at +15 min
    await h.tick();
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 2, [CAROL]: 1, [DAVE]: 1 });
  });

  it("editing a policy does not change a page already under way", async () => {
    const inc = await declare("declare Frozen policy sev1 service:checkout");
    await applyRotaText(h.t.db, ROTA.replace('"schedule:secondary", "user:U0DAVE0004"', '"user:U0ERIN0005"'));
    h.clock.advance(5 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1, [CAROL]: 1, [DAVE]: 1 });
    await applyRotaText(h.t.db, ROTA);
  });

  it("Escalate now takes the next step at once", async () => {
    const inc = await declare("declare Escalate me sev1 service:checkout");
    const page = await h.t.db.page.findFirstOrThrow({ where: { incidentId: inc.id } });
    const dm = h.slack.channels().find((c) => c.isIm && c.members.includes(ALICE))!.id;
    await h.click({ user: ALICE, channel: dm, actionId: "page_escalate", value: String(page.id) });
    await h.deliver();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1, [CAROL]: 1, [DAVE]: 1 });
    expect((await h.bot.incidents.timeline(inc.id)).some((e) => e.data.kind === "escalated" && e.data.manual)).toBe(true);
    await h.command("resolve", { user: ERIN, channel: inc.channelId }); // the commander
    h.clock.advance(60 * MIN);
    await h.tick();
    expect(pagesTo(inc.number)).toEqual({ [ALICE]: 1, [CAROL]: 1, [DAVE]: 1 }); // resolving stopped it
  });

  it("two engines on one database take each step once; a step claimed by a process that dies is taken by the other", async () => {
    const numbers: number[] = [];
    for (let i = 0; i < 6; i++) numbers.push((await declare(`declare Parallel ${i} sev1 service:checkout`)).number);
    const a = escalationModule({ db: h.t.connect(), log: memoryLogger() });
    const b = escalationModule({ db: h.t.connect(), log: memoryLogger() });
    const run = (m: typeof a) => m.runDue(h.clock.now());
    // a process that claimed one page and then died before committing
    const stuck = await h.t.db.page.findFirstOrThrow({ where: { incident: { number: numbers[0] } } });
    const dying = new pg.Client({ connectionString: h.t.url });
    await dying.connect();
    await dying.query("BEGIN");
    await dying.query("SELECT id FROM page WHERE id = $1 FOR UPDATE", [stuck.id]);
    for (let step = 0; step < 4; step++) {
      h.clock.advance(step % 2 === 0 ? 5 * MIN : 10 * MIN);
      await Promise.all([run(a), run(b), run(a), run(b)]);
      if (step === 1) await dying.end(); // the connection drops: its claim is released
      await h.deliver();
    }
    await Promise.all([run(a), run(b)]);
    await h.deliver();
    for (const n of numbers) expect(pagesTo(n), `INC-${n}`).toEqual({ [ALICE]: 2, [CAROL]: 2, [DAVE]: 2 });
  });
});
