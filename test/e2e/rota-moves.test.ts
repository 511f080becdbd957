// A rota change that moves people's shifts: `rota plan` lists, per person, the time on call
// gained and lost in the next 90 days (in the schedule's zone), and `rota apply` tells each
// affected person once, by direct message through the outbox.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyRota, formatPlan, planRota } from "../../src/oncall/apply.ts";
import { parseRotaFile, type Rota } from "../../src/oncall/rota-file.ts";
import { weeklySchedule, rotaFile } from "../fixtures/rotas.ts";
import { ALICE, BOB, CAROL, DAVE, startHarness, type Harness } from "../support/bot.ts";

const rota = (primary: string[], secondary: string[]): Rota => {
  const parsed = parseRotaFile(rotaFile({ schedules: [weeklySchedule("primary", "America/New_York", primary), weeklySchedule("secondary", "Europe/London", secondary)] }));
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.rota;
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await applyRota(h.t.db, rota([ALICE, BOB, CAROL], [BOB, DAVE]), { now: h.clock.now() }); // clock: Sun 1 Mar 2026
  await h.deliver();
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const dms = (user: string) => h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === user);

describe("a rota change that moves shifts", () => {
  it("rota plan lists each person's shifts gained and lost in the next 90 days, in the schedule's zone", async () => {
    expect(dms(BOB).length).toBe(0); // schedules applied for the first time move nobody's shifts
    // Bob and Carol swap places on primary (weekly from Mon 23 Feb 09:00 New York); Bob and Dave on secondary (London).
    const plan = await planRota(h.t.db, rota([ALICE, CAROL, BOB], [DAVE, BOB]), { now: h.clock.now() });
    const text = formatPlan(plan);
    expect(text).toContain("Shifts that move in the next 90 days:\n  primary (America/New_York):\n");
    expect(text).toContain(
      `    ${BOB} gains Mon 9 Mar 09:00 → Mon 16 Mar 09:00, Mon 30 Mar 09:00 → Mon 6 Apr 09:00, Mon 20 Apr 09:00 → Mon 27 Apr 09:00, Mon 11 May 09:00 → Mon 18 May 09:00, ` +
        "loses Mon 2 Mar 09:00 → Mon 9 Mar 09:00, Mon 23 Mar 09:00 → Mon 30 Mar 09:00, Mon 13 Apr 09:00 → Mon 20 Apr 09:00, Mon 4 May 09:00 → Mon 11 May 09:00, Mon 25 May 09:00 → Sat 30 May 06:00\n",
    );
    expect(text).toMatch(new RegExp(`    ${CAROL} gains Mon 2 Mar 09:00 → Mon 9 Mar 09:00, .*, loses Mon 9 Mar 09:00 → Mon 16 Mar 09:00, `));
    expect(text).not.toContain(`    ${ALICE} `); // Alice's weeks do not move
    // London's handoffs stay at 09:00 local across the UK's change (29 Mar).
    expect(text).toMatch(new RegExp(`  secondary \\(Europe/London\\):\\n    ${BOB} gains Mon 2 Mar 09:00 → Mon 9 Mar 09:00, Mon 16 Mar 09:00 → Mon 23 Mar 09:00, Mon 30 Mar 09:00 → Mon 6 Apr 09:00, `));
    expect(plan.shiftMoves.map((m) => [m.schedule, m.people.map((p) => p.userId)])).toEqual([
      ["primary", [BOB, CAROL]],
      ["secondary", [BOB, DAVE]],
    ]);
    expect(await h.t.db.outboxMessage.count({ where: { kind: "slack.post" } })).toBe(0); // a plan sends nothing
  });

  it("rota apply tells each affected person once, with every schedule's moves in one message; applying again tells nobody", async () => {
    const changed = rota([ALICE, CAROL, BOB], [DAVE, BOB]);
    await applyRota(h.t.db, changed, { now: h.clock.now() });
    await h.deliver();
    expect(dms(ALICE).length).toBe(0);
    expect(dms(BOB).length).toBe(1);
    const text = String(dms(BOB)[0].args.text);
    expect(text).toContain("The rota was changed, and your on-call shifts in the next 90 days move:");
    expect(text).toContain("• *primary* (America/New_York): you gain Mon 9 Mar 09:00 → Mon 16 Mar 09:00, ");
    expect(text).toContain("; you lose Mon 2 Mar 09:00 → Mon 9 Mar 09:00, ");
    expect(text).toContain("• *secondary* (Europe/London): you gain Mon 2 Mar 09:00 → Mon 9 Mar 09:00, ");
    expect(dms(CAROL).length).toBe(1);
    expect(dms(DAVE).length).toBe(1);
    expect(String(dms(DAVE)[0].args.text)).not.toContain("*primary*");

    await applyRota(h.t.db, changed, { now: h.clock.now() });
    await h.tick();
    expect([ALICE, BOB, CAROL, DAVE].map((u) => dms(u).length)).toEqual([0, 1, 1, 1]);
  });
});
