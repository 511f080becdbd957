// The calendar feed, as a calendar reads it: the file parsed back (unfolded, unescaped) by a
// small reader written here from RFC 5545, independently of the renderer, and its events compared
// with the schedule's segments (the same ones `incident-bot oncall --from --to` prints).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCalendar, utc, type ParsedEvent } from "../../support/ical.ts";
import { escapeText, feedShifts, foldLine, renderCalendar, shiftsOf } from "../../../src/oncall/ical.ts";
import { parseRotaFile } from "../../../src/oncall/rota-file.ts";
import { segments, type Schedule, type Segment } from "../../../src/oncall/schedule.ts";

/** Each person's time on call as merged [start, end) intervals in ms, clipped to [from, to). */
function intervalsBySegments(segs: Segment[], from: number, to: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of segs) {
    const a = Math.max(s.start.getTime(), from);
    const b = Math.min(s.end.getTime(), to);
    if (b <= a) continue;
    for (const u of s.onCall) {
      const list = out.get(u) ?? [];
      const last = list.at(-1);
      if (last && last[1] === a) last[1] = b;
      else list.push([a, b]);
      out.set(u, list);
    }
  }
  return out;
}

function intervalsByEvents(events: ParsedEvent[], who: (e: ParsedEvent) => string, from: number, to: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const e of [...events].sort((x, y) => utc(x.DTSTART).getTime() - utc(y.DTSTART).getTime())) {
    const a = Math.max(utc(e.DTSTART).getTime(), from);
    const b = Math.min(utc(e.DTEND).getTime(), to);
    if (b <= a) continue;
    const list = out.get(who(e)) ?? [];
    list.push([a, b]);
    out.set(who(e), list);
  }
  return out;
}

const EXAMPLE = path.resolve(__dirname, "../../../examples/rota.yaml");
function exampleSchedule(): Schedule {
  const parsed = parseRotaFile(readFileSync(EXAMPLE, "utf8"));
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.rota.schedules.find((s) => s.name === "platform-primary")!;
}

// ------------------------------------------------------------------------------ tests

describe("calendar feed", () => {
  it("its events are exactly the segments, for everyone and for each person, over a year across both DST changes", () => {
    const schedule = exampleSchedule(); // New York; restrictions, an override across spring forward
    schedule.overrides.push({ user: "U0BOB00002", start: new Date("2026-11-01T05:30:00Z"), end: new Date("2026-11-01T06:30:00Z") }); // across fall back
    const window = { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2027-01-01T00:00:00Z") };
    const [f, t] = [window.from.getTime(), window.to.getTime()];
    const expected = intervalsBySegments(segments(schedule, window.from, window.to), f, t);
    expect(expected.size).toBe(5);

    const all = readCalendar(renderCalendar({ schedule: schedule.name, userId: null, shifts: feedShifts(schedule, window), generatedAt: new Date("2026-03-01T10:00:00Z") }));
    expect(all.calendar["X-WR-CALNAME"]).toBe("On call: platform-primary");
    const byPerson = intervalsByEvents(all.events, (e) => /\((U\w+)\)$/.exec(e.SUMMARY)![1], f, t);
    expect(byPerson).toEqual(expected);

    for (const user of expected.keys()) {
      const mine = readCalendar(renderCalendar({ schedule: schedule.name, userId: user, shifts: feedShifts(schedule, window, user), generatedAt: new Date("2026-03-01T10:00:00Z") }));
      expect(mine.events.every((e) => e.SUMMARY === "On call: platform-primary")).toBe(true);
      expect(intervalsByEvents(mine.events, () => user, f, t).get(user)).toEqual(expected.get(user));
    }
  });

  it("keeps the wall-clock times across both changes (17:00 local is 22:00Z in winter, 21:00Z in summer)", () => {
    const schedule = exampleSchedule();
    const window = { from: new Date("2026-02-01T00:00:00Z"), to: new Date("2026-12-01T00:00:00Z") };
    const alice = feedShifts(schedule, window, "U0ALICE001");
    // Alice's weeks (k = 6, 9, 42) start when business-hours cover ends on their Monday, 17:00 local.
    expect(alice.map((s) => s.start.toISOString())).toEqual(expect.arrayContaining(["2026-02-16T22:00:00.000Z", "2026-03-09T21:00:00.000Z", "2026-10-26T21:00:00.000Z"]));
    // Week 42 ends at 09:00 EST on the Monday after falling back.
    expect(alice.map((s) => s.end.toISOString())).toContain("2026-11-02T14:00:00.000Z");
  });

  it("marks every event transparent, in UTC, with a UID that stays when the window moves or the shift's end changes", () => {
    const schedule = exampleSchedule();
    const render = (now: string, s: Schedule = schedule) => {
      const at = new Date(now);
      const window = { from: new Date(at.getTime() - 30 * 86_400_000), to: new Date(at.getTime() + 180 * 86_400_000) };
      return readCalendar(renderCalendar({ schedule: s.name, userId: null, shifts: feedShifts(s, window), generatedAt: at })).events;
    };
    const today = render("2026-03-10T12:00:00Z");
    for (const e of today) {
      expect(e.TRANSP).toBe("TRANSPARENT");
      expect(e.DTSTART).toMatch(/^\d{8}T\d{6}Z$/);
      expect(e.DTEND).toMatch(/^\d{8}T\d{6}Z$/);
      expect(e.DTSTAMP).toBe("20260310T120000Z");
    }
    expect(new Set(today.map((e) => e.UID)).size).toBe(today.length);
    // Three days later (the first shift of the window is under way at its start in both).
    const later = render("2026-03-13T12:00:00Z");
    const uidsToday = new Map(today.map((e) => [e.UID, e]));
    const kept = later.filter((e) => uidsToday.has(e.UID));
    expect(kept.length).toBeGreaterThan(later.length - 5);
    for (const e of kept) expect(e.DTSTART).toBe(uidsToday.get(e.UID)!.DTSTART);
    // An override that shortens a shift: the shift keeps its UID with a new end.
    const shift = today.find((e) => utc(e.DTSTART) > new Date("2026-03-11T00:00:00Z") && utc(e.DTEND).getTime() - utc(e.DTSTART).getTime() > 2 * 3_600_000)!;
    const coverer = shift.SUMMARY.includes("U0BOB00002") ? "U0DAVE0004" : "U0BOB00002";
    const cut = { ...schedule, overrides: [...schedule.overrides, { user: coverer, start: new Date(utc(shift.DTEND).getTime() - 3_600_000), end: utc(shift.DTEND) }] };
    const after = render("2026-03-10T12:00:00Z", cut).find((e) => e.UID === shift.UID)!;
    expect(after.DTSTART).toBe(shift.DTSTART);
    expect(utc(after.DTEND).getTime()).toBe(utc(shift.DTEND).getTime() - 3_600_000);
  });

  it("merges a person's consecutive segments into one shift, whoever else comes and goes", () => {
    const d = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
    const shifts = shiftsOf([
      { start: d(0), end: d(2), onCall: ["A"] },
      { start: d(2), end: d(3), onCall: ["A", "B"] },
      { start: d(3), end: d(5), onCall: ["B"] },
      { start: d(5), end: d(6), onCall: [] },
      { start: d(6), end: d(8), onCall: ["A"] },
    ]);
    expect(shifts).toEqual([
      { userId: "A", start: d(0), end: d(3) },
      { userId: "B", start: d(2), end: d(5) },
      { userId: "A", start: d(6), end: d(8) },
    ]);
  });

  it("escapes text and folds long lines at 75 octets without splitting a character", () => {
    expect(escapeText("a,b;c\\d\ne")).toBe("a\\,b\\;c\\\\d\\ne");
    const long = `SUMMARY:${"é".repeat(60)}`;
    const folded = foldLine(long);
    for (const part of folded.split("\r\n")) expect(Buffer.byteLength(part, "utf8")).toBeLessThanOrEqual(75);
    expect(folded.split("\r\n").map((p, i) => (i === 0 ? p : p.slice(1))).join("")).toBe(long);
  });
});
