// Calendar feeds end to end: `incident-bot oncall ical` run as a process prints the secret address,
// the bot serves the file at it, and the file's events are the segments `incident-bot oncall
// --from --to --json` prints for the same window (a window across both DST changes of New York).
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readCalendar, utc } from "../support/ical.ts";
import { ALICE, startHarness, type Harness } from "../support/bot.ts";
import { runCli } from "../support/process.ts";

const EXAMPLE = readFileSync(path.resolve(__dirname, "../../examples/rota.yaml"), "utf8");

let h: Harness;
let base: string;
let cwd: string;
const cli = (args: string[]) => runCli(args, { DATABASE_URL: h.t.url, PUBLIC_URL: base }, cwd);

beforeAll(async () => {
  h = await startHarness({ rota: EXAMPLE });
  // The feed shows 2026-08-21 → 2027-03-19: both the fall-back (1 Nov) and the spring-forward (14 Mar 2027) changes.
  h.clock.set("2026-09-20T12:00:00Z");
  base = new URL(h.url).origin;
  cwd = mkdtempSync(path.join(os.tmpdir(), "oncall-ical-"));
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

/** Each person's [start, end) stretches on call, merged, clipped to the window. */
function stretches(items: { start: number; end: number; who: string[] }[], from: number, to: number): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const it of [...items].sort((a, b) => a.start - b.start)) {
    const a = Math.max(it.start, from);
    const b = Math.min(it.end, to);
    if (b <= a) continue;
    for (const u of it.who) {
      const list = (out[u] ??= []);
      const last = list.at(-1);
      if (last && last[1] === a) last[1] = b;
      else list.push([a, b]);
    }
  }
  return out;
}

describe("incident-bot oncall ical", () => {
  it("prints an address whose feed has exactly the segments of `oncall --from --to`, for everyone and for one person", async () => {
    const made = await cli(["oncall", "ical", "platform-primary"]);
    expect(made.code).toBe(0);
    const url = made.stdout.trim();
    expect(url).toMatch(new RegExp(`^${base}/ical/[A-Za-z0-9_-]{43}\\.ics$`));
    expect(made.stderr).toContain("It is shown once");
    // Only the token's hash is stored.
    const token = /ical\/(.+)\.ics$/.exec(url)![1];
    const stored = await h.t.db.calendarFeed.findMany();
    expect(stored.length).toBe(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const { calendar, events } = readCalendar(await res.text());
    expect(calendar.VERSION).toBe("2.0");

    const from = "2026-08-21T12:00:00.000Z";
    const to = "2027-03-19T12:00:00.000Z";
    const segs = await cli(["oncall", "platform-primary", "--from", from, "--to", to, "--json"]);
    expect(segs.code).toBe(0);
    const expected = stretches(
      JSON.parse(segs.stdout).segments.map((s: { start: string; end: string; onCall: string[] }) => ({ start: Date.parse(s.start), end: Date.parse(s.end), who: s.onCall })),
      Date.parse(from),
      Date.parse(to),
    );
    const got = stretches(
      events.map((e) => ({ start: utc(e.DTSTART).getTime(), end: utc(e.DTEND).getTime(), who: [/\((U\w+)\)$/.exec(e.SUMMARY)![1]] })),
      Date.parse(from),
      Date.parse(to),
    );
    expect(got).toEqual(expected);
    expect(Object.keys(got).length).toBe(5);
    for (const e of events) expect(e.TRANSP).toBe("TRANSPARENT");

    const mine = await cli(["oncall", "ical", "platform-primary", "--user", ALICE]);
    expect(mine.code).toBe(0);
    const feed = readCalendar(await (await fetch(mine.stdout.trim())).text());
    expect(feed.events.every((e) => e.SUMMARY === "On call: platform-primary")).toBe(true);
    const alice = stretches(feed.events.map((e) => ({ start: utc(e.DTSTART).getTime(), end: utc(e.DTEND).getTime(), who: [ALICE] })), Date.parse(from), Date.parse(to));
    expect(alice[ALICE]).toEqual(expected[ALICE]);
  });

  it("refuses to make a second feed unless --rotate, which makes the old address stop working", async () => {
    const again = await cli(["oncall", "ical", "platform-primary"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Give --rotate");
    const before = await h.t.db.calendarFeed.findFirst({ where: { userId: "" } });
    const old = `${base}/ical/${"x".repeat(43)}.ics`;
    expect((await fetch(old)).status).toBe(404);

    const first = (await cli(["oncall", "ical", "platform-primary", "--user", "U0BOB00002"])).stdout.trim();
    expect((await fetch(first)).status).toBe(200);
    const rotated = await cli(["oncall", "ical", "platform-primary", "--user", "U0BOB00002", "--rotate"]);
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain("Replaced the address");
    expect((await fetch(first)).status).toBe(404);
    expect((await fetch(rotated.stdout.trim())).status).toBe(200);
    expect(await h.t.db.calendarFeed.findFirst({ where: { userId: "" } })).toEqual(before);
  });

  it("says what is wrong with a schedule or person, writing nothing", async () => {
    const count = await h.t.db.calendarFeed.count();
    const unknown = await cli(["oncall", "ical", "nowhere"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no schedule `nowhere`.*platform-primary/);
    const badUser = await cli(["oncall", "ical", "platform-primary", "--user", "alice"]);
    expect(badUser.code).toBe(1);
    expect(badUser.stderr).toContain(`"alice" is not a Slack user id`);
    expect(await h.t.db.calendarFeed.count()).toBe(count);
  });
});
