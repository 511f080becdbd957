// Slack user groups that follow the rota, end to end: the engine's ticks at a clock the test moves,
// the outbox delivering to the stand-in (which keeps each group's members and answers missing_scope
// without usergroups:write, as Slack does), overrides made from Slack, and `doctor`'s verdict.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { runDoctor } from "../../src/doctor/doctor.ts";
import { memoryLogger } from "../../src/log.ts";
import { readManifestBotScopes } from "../../src/slack/manifest.ts";
import { ALICE, BOB, CAROL, DAVE, ERIN, TOKEN, startHarness, type Harness } from "../support/bot.ts";

// New York. primary: Alice and Bob weekly from Monday 23 Feb 09:00 (Bob's week from 2 Mar, Alice's
// from 9 Mar, across spring forward on 8 Mar). secondary: Dave on weekdays 09:00–17:00.
// later: nobody before 1 June.
const ROTA = `
schedules:
  primary:
    timezone: America/New_York
    slack_usergroup: S0PRIMARY1
    layers:
      - { name: weekly, members: [${ALICE}, ${BOB}], rotation: { every: 1w, start: "2026-02-23T09:00" } }
  secondary:
    timezone: America/New_York
    layers:
      - name: business-hours
        members: [${DAVE}]
        rotation: { every: 1w, start: "2026-02-23T09:00" }
        restrictions: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }]
  later:
    timezone: America/New_York
    slack_usergroup: { id: S0LATER001, when_empty: keep }
    layers:
      - { name: weekly, members: [${CAROL}], rotation: { every: 1w, start: "2026-06-01T09:00" } }
usergroups:
  platform-oncall: { id: S0PLATFORM, schedules: [primary, secondary] }
  secondary-oncall: { id: S0SECOND01, schedules: [secondary], when_empty: ${ERIN} }
`;

let h: Harness;
const updates = () => h.slack.callsTo("usergroups.users.update");
const members = (id: string) => h.slack.userGroupMembers(id);

beforeAll(async () => {
  h = await startHarness({ rota: ROTA });
  for (const [id, handle] of [["S0PRIMARY1", "primary-oncall"], ["S0PLATFORM", "platform-oncall"], ["S0SECOND01", "secondary-oncall"], ["S0LATER001", "later-oncall"]]) {
    h.slack.addUserGroup(id, handle, [ERIN]);
  }
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

describe("user groups that follow the rota", () => {
  it("hold whoever is on call, once per change, however many ticks and engines", async () => {
    h.clock.set("2026-03-02T15:00:00Z"); // Monday 10:00 EST: Bob's week, Dave in business hours
    await h.tick();
    expect(members("S0PRIMARY1")).toEqual([BOB]);
    expect(members("S0PLATFORM")).toEqual([BOB, DAVE].sort());
    expect(members("S0SECOND01")).toEqual([DAVE]);
    expect(members("S0LATER001")).toEqual([ERIN]); // nobody on call and when_empty: keep: left alone
    expect(updates().length).toBe(3);
    expect(updates().find((c) => c.args.usergroup === "S0LATER001")).toBeUndefined();

    h.clock.set("2026-03-02T15:00:05Z");
    await Promise.all([h.bot.engine.tick(), h.bot.engine.tick()]);
    await h.tick();
    expect(updates().length).toBe(3);
  });

  it("follow a handoff within a tick, at 09:00 local after the clocks changed", async () => {
    h.clock.set("2026-03-09T12:59:55Z"); // 08:59:55 EDT: still Bob's week, before business hours
    await h.tick();
    expect(members("S0PRIMARY1")).toEqual([BOB]);
    expect(members("S0SECOND01")).toEqual([ERIN]); // nobody in secondary: when_empty
    expect(members("S0PLATFORM")).toEqual([BOB]);
    const before = updates().length;
    h.clock.set("2026-03-09T13:00:03Z"); // the next tick after the 09:00 EDT handoff
    await h.tick();
    expect(members("S0PRIMARY1")).toEqual([ALICE]);
    expect(members("S0PLATFORM")).toEqual([ALICE, DAVE].sort());
    expect(members("S0SECOND01")).toEqual([DAVE]);
    expect(updates().length).toBe(before + 3);
  });

  it("follow an override made from Slack, and its end", async () => {
    h.clock.set("2026-03-10T15:00:00Z");
    const reply = await h.command(`oncall override primary <@${CAROL}|carol> now 2h`, { user: CAROL });
    expect(reply.text).toContain("Override #");
    await h.tick();
    expect(members("S0PRIMARY1")).toEqual([CAROL]);
    expect(members("S0PLATFORM")).toEqual([CAROL, DAVE].sort());
    h.clock.set("2026-03-10T17:00:04Z");
    await h.tick();
    expect(members("S0PRIMARY1")).toEqual([ALICE]);
  });

  it("a token without usergroups:write: logged once, not sent again every tick, said by doctor; then it recovers", async () => {
    h.slack.grantScopes(readManifestBotScopes().filter((s) => s !== "usergroups:write"));
    h.clock.set("2026-03-10T18:00:00Z");
    await h.command(`oncall override primary <@${BOB}|bob> now 30m`, { user: BOB });
    await h.tick();
    const refused = updates().slice(-2);
    expect(refused.map((c) => c.args.usergroup).sort()).toEqual(["S0PLATFORM", "S0PRIMARY1"]);
    for (const c of refused) expect(c.response).toMatchObject({ ok: false, error: "missing_scope", needed: "usergroups:write" });
    // Within the hour, nothing is sent again: not on later ticks, not when the override ends.
    const before = updates().length;
    for (const at of ["2026-03-10T18:00:10Z", "2026-03-10T18:30:05Z", "2026-03-10T18:59:00Z"]) {
      h.clock.set(at);
      await h.tick();
    }
    expect(updates().length).toBe(before);
    const warnings = h.log.lines.filter((l) => l.startsWith("warn") && l.includes("cannot follow the rota: Slack answered missing_scope"));
    expect(warnings.length).toBe(2); // once per group refused
    expect(warnings[0]).toContain("usergroups:write");

    const config = parseConfig({ DATABASE_URL: h.t.url, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: h.apiUrl, SLACK_SIGNING_SECRET: "a-signing-secret" });
    const verdict = (await runDoctor(config, { log: memoryLogger(), timeoutMs: 10_000 })).find((c) => c.name === "user groups")!;
    expect(verdict.status).toBe("fail");
    expect(verdict.summary).toBe("4 user groups follow the rota but the token lacks usergroups:write");

    // Reinstalled with the scope: within the hour the groups are tried again and follow the rota.
    h.slack.grantScopes(readManifestBotScopes());
    h.clock.set("2026-03-10T20:00:05Z");
    await h.tick();
    expect(members("S0PRIMARY1")).toEqual([ALICE]);
    expect(h.log.lines.filter((l) => l.includes("follows the rota again")).length).toBe(2);
    const healthy = (await runDoctor(config, { log: memoryLogger(), timeoutMs: 10_000 })).find((c) => c.name === "user groups")!;
    expect(healthy).toMatchObject({ status: "ok" });
    expect(healthy.summary).toContain("platform-oncall (S0PLATFORM)");
  });

  it("a workspace whose plan has no user groups: doctor says so, with the group and the reason", async () => {
    h.slack.failNext("usergroups.users.update", { error: "paid_teams_only" });
    h.clock.set("2026-03-11T15:00:00Z");
    await h.command(`oncall override later <@${CAROL}|carol> now 1h`, { user: CAROL });
    await h.tick();
    expect(members("S0LATER001")).toEqual([ERIN]);
    const config = parseConfig({ DATABASE_URL: h.t.url, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: h.apiUrl, SLACK_SIGNING_SECRET: "a-signing-secret" });
    const verdict = (await runDoctor(config, { log: memoryLogger(), timeoutMs: 10_000 })).find((c) => c.name === "user groups")!;
    expect(verdict.status).toBe("fail");
    expect(verdict.details).toEqual(["later (S0LATER001): paid_teams_only — the workspace's Slack plan has no user groups"]);
  });
});
