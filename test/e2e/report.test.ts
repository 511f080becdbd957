// Incident metrics end to end: incidents declared, paged, acknowledged, mitigated and resolved
// through the real bot with a clock the test moves; then `incident-bot report` run as a process
// and `/incident stats` asked in Slack, each giving the figures worked out by hand below.
//
// Rota: schedule primary (America/New_York), weekly from Mon 2026-02-23 09:00 local: Alice, then
// Bob (2026-03-02T14:00Z → 2026-03-09T13:00Z, 09:00 EST → 09:00 EDT), then Alice again. Policy
// platform: primary for 5 min, then Dave for 10 min, no repeat.
//
//   INC-1 SEV1 checkout, Erin: declared Mon 03-02 15:00Z, pages Bob at once; Bob acks at +3 min,
//         monitoring at +20 min, resolved at +60 min.
//   INC-2 SEV2 search, Erin: declared Wed 03-04 03:00Z, pages Bob (22:00 EST Tue), Dave at 03:05Z,
//         exhausted 03:15Z; monitoring at +30 min, resolved at +90 min. Never acknowledged.
//   INC-3 SEV3 checkout, Erin: declared Mon 03-09 13:30Z; `/incident page checkout` at 13:31Z
//         pages Alice (09:31 EDT: 08:31 if the EST offset were frozen); Alice acks at 13:41Z;
//         resolved at 15:30Z (no monitoring).
//   INC-4 SEV2 checkout, private, Alice: declared Tue 03-10 12:00Z, pages Alice (12:00 UTC, 08:00
//         EDT); Alice acks at +2 min; resolved at +30 min.
//   INC-5 SEV4, no service, Carol: declared Thu 03-12 20:00Z, still open.
//
// Window 2026-02-13T00:00Z → 2026-03-15T00:00Z (`--from 2026-02-13 --to 2026-03-14`, and
// `/incident stats 30d` at 2026-03-15T00:00Z). Everything:
//   tta 2, 3, 10 min → median 3 min, p90 (nearest rank, ceil(2.7) = 3rd) 10 min
//   ttm 20, 30 min → median 25 min, p90 30 min
//   ttr 30, 60, 90, 120 min → median 75 min, p90 (ceil(3.6) = 4th) 120 min
//   pages 4 sent, 3 acknowledged, 1 exhausted
//   hours on call: Alice 02-23T14:00Z → 03-02T14:00Z (168 h) + 03-09T13:00Z → 03-15T00:00Z (131 h)
//   = 299 h; Bob 167 h (the week with the spring change is an hour short); Dave 0 h.
//   Out of working hours (Mon–Fri 09:00–18:00): Bob's 03:00Z page (Slack zone UTC, or the
//   schedule's New York), Dave's 03:05Z page; Alice's 12:00Z page only when her zone is taken from
//   the schedule (08:00 EDT), not from Slack (UTC).
// Without the private INC-4 (Bob is not in its channel): tta 3, 10 → median 6.5 min, p90 10 min;
//   ttr 60, 90, 120 → median 90 min, p90 120 min; 3 pages sent, 2 acknowledged, 1 exhausted.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, DAVE, ERIN, startHarness, TOKEN, type Harness } from "../support/bot.ts";
import { runCli } from "../support/process.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA = rotaFile({
  schedules: [weeklySchedule("primary", "America/New_York", [ALICE, BOB], "2026-02-23T09:00")],
  policies: [policy("platform", [[["schedule:primary"], "5m"], [[`user:${DAVE}`], "10m"]], 0)],
  services: { checkout: "platform", search: "platform" },
});

const MIN = 60_000;
const H = 60 * MIN;
let h: Harness;
let cwd: string;

beforeAll(async () => {
  h = await startHarness({ rota: ROTA });
  cwd = mkdtempSync(path.join(os.tmpdir(), "report-cli-"));
});
afterAll(async () => h?.stop());

async function declare(text: string, user: string): Promise<{ number: number; channelId: string; id: number }> {
  const reply = await h.command(text, { user });
  const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
  expect(number, reply.text).toBeGreaterThan(0);
  await h.deliver();
  const incident = (await h.bot.incidents.byNumber(number))!;
  return { number, channelId: incident.channelId!, id: incident.id };
}

async function say(text: string, user: string, channel: string): Promise<string> {
  const reply = await h.command(text, { user, channel });
  await h.deliver();
  return reply?.text ?? "";
}

const summary = (count: number, medianMin: number | null, p90Min: number | null) => ({ count, medianMs: medianMin === null ? null : medianMin * MIN, p90Ms: p90Min === null ? null : p90Min * MIN });

describe("incident metrics", () => {
  beforeAll(async () => {
    h.clock.set("2026-03-02T15:00:00Z");
    const one = await declare("declare Checkout down sev1 service:checkout", ERIN);
    h.clock.advance(3 * MIN);
    expect(await say("ack", BOB, one.channelId)).toContain(`acknowledged by <@${BOB}>`);
    h.clock.advance(17 * MIN);
    await say("status monitoring", ERIN, one.channelId);
    h.clock.advance(40 * MIN);
    await say("resolve rolled back", ERIN, one.channelId);

    h.clock.set("2026-03-04T03:00:00Z");
    const two = await declare("declare Search slow sev2 service:search", ERIN);
    h.clock.advance(5 * MIN);
    await h.tick(); // Dave
    h.clock.advance(10 * MIN);
    await h.tick(); // exhausted
    h.clock.advance(15 * MIN);
    await say("status monitoring", ERIN, two.channelId);
    h.clock.advance(60 * MIN);
    await say("resolve", ERIN, two.channelId);

    h.clock.set("2026-03-09T13:30:00Z");
    const three = await declare("declare Checkout errors sev3 service:checkout", ERIN);
    h.clock.advance(MIN);
    expect(await say("page checkout", ERIN, three.channelId)).toContain(`<@${ALICE}>`);
    h.clock.advance(10 * MIN);
    expect(await say("ack", ALICE, three.channelId)).toContain(`acknowledged by <@${ALICE}>`);
    h.clock.set("2026-03-09T15:30:00Z");
    await say("resolve", ERIN, three.channelId);

    h.clock.set("2026-03-10T12:00:00Z");
    const four = await declare("declare Secret thing sev2 private service:checkout", ALICE);
    h.clock.advance(2 * MIN);
    expect(await say("ack", ALICE, four.channelId)).toContain(`acknowledged by <@${ALICE}>`);
    h.clock.advance(28 * MIN);
    await say("resolve", ALICE, four.channelId);

    h.clock.set("2026-03-12T20:00:00Z");
    await declare("declare Minor glitch sev4", CAROL);

    // outside the window: declared after it ends
    h.clock.set("2026-03-15T00:00:00Z");
    await declare("declare Tomorrow's problem sev3", CAROL);
  });

  it("the timeline holds what was done (pages through the escalation engine)", async () => {
    const pages = await h.t.db.page.findMany({ orderBy: { id: "asc" }, select: { state: true } });
    expect(pages.map((p) => p.state)).toEqual(["acknowledged", "exhausted", "acknowledged", "acknowledged"]);
  });

  it("`incident-bot report --json` (Slack zones through SLACK_BOT_TOKEN) gives the hand-computed figures", async () => {
    const r = await runCli(["report", "--from", "2026-02-13", "--to", "2026-03-14", "--json"], { DATABASE_URL: h.t.url, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: h.apiUrl }, cwd);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      from: "2026-02-13T00:00:00.000Z",
      to: "2026-03-15T00:00:00.000Z",
      by: null,
      workingHours: { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" },
      incidents: {
        declared: 5,
        bySeverity: { SEV1: 1, SEV2: 2, SEV3: 1, SEV4: 1 },
        byService: [
          { service: "checkout", declared: 3 },
          { service: "search", declared: 1 },
          { service: null, declared: 1 },
        ],
      },
      durations: { timeToAcknowledge: summary(3, 3, 10), timeToMitigate: summary(2, 25, 30), timeToResolve: summary(4, 75, 120) },
      groups: [{ key: "all", declared: 5, timeToAcknowledge: summary(3, 3, 10), timeToMitigate: summary(2, 25, 30), timeToResolve: summary(4, 75, 120) }],
      pages: { sent: 4, acknowledged: 3, exhausted: 1, cancelled: 0, escalating: 0 },
      oncall: [
        { user: ALICE, timeZone: "UTC", timeZoneSource: "slack", pagesReceived: 2, pagesOutsideWorkingHours: 0, hoursOnCall: 299 },
        { user: BOB, timeZone: "UTC", timeZoneSource: "slack", pagesReceived: 2, pagesOutsideWorkingHours: 1, hoursOnCall: 167 },
        { user: DAVE, timeZone: "UTC", timeZoneSource: "slack", pagesReceived: 1, pagesOutsideWorkingHours: 1, hoursOnCall: 0 },
      ],
    });
  });

  it("without a Slack token, a person's zone is their schedule's (Alice's 08:00 EDT page is outside her hours); --csv by severity", async () => {
    const r = await runCli(["report", "--from", "2026-02-13", "--to", "2026-03-14", "--json", "--by", "commander"], { DATABASE_URL: h.t.url }, cwd);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.oncall).toEqual([
      { user: ALICE, timeZone: "America/New_York", timeZoneSource: "schedule", pagesReceived: 2, pagesOutsideWorkingHours: 1, hoursOnCall: 299 },
      { user: BOB, timeZone: "America/New_York", timeZoneSource: "schedule", pagesReceived: 2, pagesOutsideWorkingHours: 1, hoursOnCall: 167 },
      { user: DAVE, timeZone: "UTC", timeZoneSource: "default", pagesReceived: 1, pagesOutsideWorkingHours: 1, hoursOnCall: 0 },
    ]);
    expect(json.groups.map((g: { key: string; declared: number }) => [g.key, g.declared])).toEqual([
      [ALICE, 1],
      [CAROL, 1],
      [ERIN, 3],
    ]);

    const csv = await runCli(["report", "--from=2026-02-13", "--to=2026-03-14", "--by=severity", "--csv"], { DATABASE_URL: h.t.url }, cwd);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split("\n")).toEqual([
      "group,declared,tta_count,tta_median_ms,tta_p90_ms,ttm_count,ttm_median_ms,ttm_p90_ms,ttr_count,ttr_median_ms,ttr_p90_ms",
      `SEV1,1,1,${3 * MIN},${3 * MIN},1,${20 * MIN},${20 * MIN},1,${H},${H}`,
      `SEV2,2,1,${2 * MIN},${2 * MIN},1,${30 * MIN},${30 * MIN},2,${H},${90 * MIN}`,
      `SEV3,1,1,${10 * MIN},${10 * MIN},0,,,1,${2 * H},${2 * H}`,
      "SEV4,1,0,,,0,,,0,,",
    ]);
  });

  it("bad usage says why, writes nothing and exits 2 (the database is never opened)", async () => {
    const nowhere = { DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" };
    for (const [args, message] of [
      [["report", "--from", "2026-02-30"], '--from: "2026-02-30" is not a date that exists'],
      [["report", "--from", "last week"], '--from: "last week" is not a date'],
      [["report", "--from", "2026-03-14", "--to", "2026-03-01"], "--to (2026-03-02T00:00:00.000Z) must be after --from (2026-03-14T00:00:00.000Z)"],
      [["report", "--by", "team"], '--by: "team" is not one of severity, service, commander'],
      [["report", "--json", "--csv"], "give --json or --csv, not both"],
    ] as const) {
      const r = await runCli([...args], nowhere, cwd);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("Usage: incident-bot report");
    }
  });

  it("`/incident stats` answers only the asker, without the private incidents they cannot see", async () => {
    h.clock.set("2026-03-15T00:00:00Z");
    const bob = await h.command("stats", { user: BOB });
    expect(bob.response_type).toBe("ephemeral");
    expect(bob.text.split("\n")).toEqual([
      "*Incident metrics*, 2026-02-13T00:00:00Z → 2026-03-15T00:00:00Z",
      "Declared: 4 (SEV1 1, SEV2 1, SEV3 1, SEV4 1)",
      "By service: checkout 2, search 1, (none) 1",
      "Time to acknowledge (first page → first ack): median 6 min 30 s, p90 10 min (2 incidents)",
      "Time to mitigate (declared → monitoring): median 25 min, p90 30 min (2 incidents)",
      "Time to resolve (declared → resolved): median 1 h 30 min, p90 2 h (3 incidents)",
      "Pages: 3 sent, 2 acknowledged, 1 exhausted",
      "*On-call load* (working hours mon, tue, wed, thu, fri 09:00–18:00, each person's time zone)",
      `• <@${ALICE}> (UTC): 1 page received, 0 outside working hours, 299 h on call`,
      `• <@${BOB}> (UTC): 2 pages received, 1 outside working hours, 167 h on call`,
      `• <@${DAVE}> (UTC): 1 page received, 1 outside working hours, 0 h on call`,
    ]);

    // Alice is in the private incident's channel: she gets the same figures as the command line
    const alice = await h.command("stats 30d", { user: ALICE });
    expect(alice.text).toContain("Declared: 5 (SEV1 1, SEV2 2, SEV3 1, SEV4 1)");
    expect(alice.text).toContain("Time to acknowledge (first page → first ack): median 3 min, p90 10 min (3 incidents)");
    expect(alice.text).toContain("Time to resolve (declared → resolved): median 1 h 15 min, p90 2 h (4 incidents)");
    expect(alice.text).toContain("Pages: 4 sent, 3 acknowledged, 1 exhausted");
    expect(alice.text).toContain(`• <@${ALICE}> (UTC): 2 pages received, 0 outside working hours, 299 h on call`);

    // the last 7 days: 03-08T00:00Z → 03-15T00:00Z: INC-3 and INC-5 (and INC-4 for Alice)
    const week = await h.command("stats 7d", { user: BOB });
    expect(week.text).toContain("Declared: 2 (SEV3 1, SEV4 1)");
    expect(week.text).toContain(`• <@${BOB}> (UTC): 0 pages received, 0 outside working hours, 37 h on call`); // 03-08T00:00Z → 03-09T13:00Z

    const bad = await h.command("stats 14d", { user: BOB });
    expect(bad.text).toBe("`/incident stats` takes a period: `7d`, `30d` (the default) or `90d`, e.g. `/incident stats 7d`.");
  });
});
