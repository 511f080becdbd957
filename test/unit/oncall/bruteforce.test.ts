/**
 * Brute force: for each test zone and each of the year's two changes, sample every 5 minutes
 * across a week around the change (plus every boundary instant and the millisecond before it)
 * and compare onCallAt and segments with the naive reference model in reference.ts.
 */
import { describe, expect, it } from "vitest";
import { onCallAt, segments, type Layer, type Override, type Restriction, type Schedule } from "../../../src/oncall/schedule.ts";
import { ReferenceSchedule, ZoneTable } from "./reference.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface Change {
  zone: string;
  label: string;
  day: string; // local date of the change
  edge: string; // local time where the skipped/repeated span starts
  inside: string; // a local time inside it
}

const CHANGES: Change[] = [
  { zone: "America/New_York", label: "spring forward (02:00 -> 03:00)", day: "2026-03-08", edge: "02:00", inside: "02:30" },
  { zone: "America/New_York", label: "fall back (02:00 -> 01:00)", day: "2026-11-01", edge: "01:00", inside: "01:30" },
  { zone: "Europe/London", label: "spring forward (01:00 -> 02:00)", day: "2026-03-29", edge: "01:00", inside: "01:30" },
  { zone: "Europe/London", label: "fall back (02:00 -> 01:00)", day: "2026-10-25", edge: "01:00", inside: "01:30" },
  { zone: "Australia/Lord_Howe", label: "fall back 30 min (02:00 -> 01:30)", day: "2026-04-05", edge: "01:30", inside: "01:45" },
  { zone: "Australia/Lord_Howe", label: "spring forward 30 min (02:00 -> 02:30)", day: "2026-10-04", edge: "02:00", inside: "02:15" },
  { zone: "Pacific/Chatham", label: "fall back (03:45 -> 02:45)", day: "2026-04-05", edge: "02:45", inside: "03:00" },
  { zone: "Pacific/Chatham", label: "spring forward (02:45 -> 03:45)", day: "2026-09-27", edge: "02:45", inside: "03:15" },
  { zone: "Asia/Kolkata", label: "no change (March)", day: "2026-03-08", edge: "02:00", inside: "02:30" },
  { zone: "Asia/Kolkata", label: "no change (November)", day: "2026-11-01", edge: "01:00", inside: "01:30" },
];

const WEEKDAY = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

function localAt(day: string, dayOffset: number, hhmm: string) {
  const base = Date.parse(`${day}T00:00:00Z`) + dayOffset * DAY;
  const d = new Date(base);
  const [h, m] = hhmm.split(":").map(Number);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: h, minute: m };
}

function mkLayer(name: string, members: string[], amount: number, unit: "h" | "d" | "w", start: ReturnType<typeof localAt>, restrictions?: Restriction[]): Layer {
  return { name, members, rotation: { every: { amount, unit }, start }, ...(restrictions ? { restrictions } : {}) };
}

function schedulesFor(c: Change, transition: number): Array<[string, Schedule]> {
  const z = c.zone;
  const s = (layers: Layer[], overrides: Override[] = []): Schedule => ({ name: "bf", timezone: z, layers, overrides });
  const three = ["UA", "UB", "UC"];
  const changeWeekday = WEEKDAY[new Date(`${c.day}T00:00:00Z`).getUTCDay()];
  const nextWeekday = WEEKDAY[(new Date(`${c.day}T00:00:00Z`).getUTCDay() + 1) % 7];
  const prevWeekday = WEEKDAY[(new Date(`${c.day}T00:00:00Z`).getUTCDay() + 6) % 7];
  return [
    ["hourly at the edge minute", s([mkLayer("h", three, 1, "h", localAt(c.day, -8, c.edge))])],
    ["hourly at the inside minute", s([mkLayer("h", three, 1, "h", localAt(c.day, -8, c.inside))])],
    ["12-hourly from 08:00", s([mkLayer("12h", ["UA", "UB"], 12, "h", localAt(c.day, -8, "08:00"))])],
    ["5-hourly from the inside time", s([mkLayer("5h", three, 5, "h", localAt(c.day, -8, c.inside))])],
    ["daily at the edge time", s([mkLayer("d", three, 1, "d", localAt(c.day, -8, c.edge))])],
    ["daily at the inside time", s([mkLayer("d", three, 1, "d", localAt(c.day, -8, c.inside))])],
    ["weekly at the inside time, one week before", s([mkLayer("w", ["UA", "UB"], 1, "w", localAt(c.day, -7, c.inside))])],
    [
      "stacked layers, restrictions and overlapping overrides",
      s(
        [
          mkLayer("base", three, 1, "d", localAt(c.day, -8, "09:00")),
          mkLayer("cover", ["UX", "UY"], 1, "h", localAt(c.day, -8, c.inside), [
            { days: [changeWeekday], from: c.inside, to: "09:00" },
            { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00" },
            { days: [prevWeekday], from: "22:00", to: c.inside },
          ]),
          // Anchored inside the window: nobody before it, then it beats the others in its hours.
          mkLayer("late", ["UZ", "UW"], 6, "h", localAt(c.day, 1, "12:00"), [{ days: [nextWeekday], from: "12:00", to: "18:00" }]),
        ],
        [
          { user: "UO1", start: new Date(transition - 2 * HOUR), end: new Date(transition + HOUR) },
          { user: "UO2", start: new Date(transition - 30 * MIN), end: new Date(transition + 3 * HOUR) },
          { user: "UO1", start: new Date(transition + 2 * HOUR), end: new Date(transition + 4 * HOUR) },
          { user: "UO3", start: new Date(transition + DAY + 15 * MIN), end: new Date(transition + DAY + 15 * MIN) }, // empty
        ],
      ),
    ],
  ];
}

describe.each(CHANGES)("brute force: $zone, $label", (c) => {
  const changeDay = Date.parse(`${c.day}T00:00:00Z`);
  // Reference tables run from 10 days before to 12 days after the change day (a weekly
  // rotation's next boundary after the window must be inside).
  const table = new ZoneTable(c.zone, changeDay - 10 * DAY, changeDay + 12 * DAY);
  const transitions = table.transitions();
  const transition = transitions.length > 0 ? transitions[0] : changeDay;
  const windowStart = changeDay - Math.floor(3.5 * DAY);
  const windowEnd = changeDay + Math.floor(3.5 * DAY);

  it("the table sees the expected offset changes", () => {
    expect(transitions.length).toBe(c.zone === "Asia/Kolkata" ? 0 : 1);
  });

  it.each(schedulesFor(c, transition))("%s", (_name, schedule) => {
    const ref = new ReferenceSchedule(schedule, table, windowEnd);
    const samples = new Set<number>();
    for (let u = windowStart; u < windowEnd; u += 5 * MIN) samples.add(u);
    for (const b of ref.boundaryInstants()) {
      if (b > windowStart && b < windowEnd) {
        samples.add(b);
        samples.add(b - 1);
      }
    }
    for (const o of schedule.overrides) {
      for (const t of [o.start.getTime(), o.end.getTime()]) {
        samples.add(t);
        samples.add(t - 1);
      }
    }
    const sorted = [...samples].filter((u) => u >= windowStart && u < windowEnd).sort((a, b) => a - b);

    const segs = segments(schedule, new Date(windowStart), new Date(windowEnd));
    expect(segs[0].start.getTime()).toBe(windowStart);
    expect(segs[segs.length - 1].end.getTime()).toBe(windowEnd);
    for (let i = 1; i < segs.length; i++) {
      expect(segs[i].start.getTime()).toBe(segs[i - 1].end.getTime());
      expect(segs[i].end.getTime()).toBeGreaterThan(segs[i].start.getTime());
      expect(segs[i].onCall).not.toEqual(segs[i - 1].onCall);
    }

    let segIndex = 0;
    const mismatches: string[] = [];
    for (const u of sorted) {
      const expected = ref.onCallAt(u);
      const got = onCallAt(schedule, new Date(u));
      while (segs[segIndex].end.getTime() <= u) segIndex++;
      const seg = segs[segIndex];
      if (JSON.stringify(got) !== JSON.stringify(expected) || JSON.stringify(seg.onCall) !== JSON.stringify(expected)) {
        mismatches.push(`${new Date(u).toISOString()}: reference ${JSON.stringify(expected)}, onCallAt ${JSON.stringify(got)}, segment ${JSON.stringify(seg.onCall)}`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // The sampling really exercised the schedule: more than one person and some boundaries.
    expect(new Set(sorted.map((u) => ref.onCallAt(u).join(","))).size).toBeGreaterThan(1);
  });
});
