// Incident metrics by hand: a set of five incidents whose medians and p90s are worked out below,
// pages outside working hours on both sides of the spring daylight-saving changes of New York
// (2026-03-08) and London (2026-03-29), and hours on call from a schedule's segments.
import { describe, expect, it } from "vitest";
import { parseReportArgs } from "../../src/cli/report.ts";
import { parseRotaFile, DEFAULT_WORKING_HOURS } from "../../src/oncall/rota-file.ts";
import { segments, type Schedule, type Segment } from "../../src/oncall/schedule.ts";
import { buildReport, groupIncidents, isWorkingTime, median, onCallMs, percentile, type IncidentFacts } from "../../src/report/aggregate.ts";
import { reportCsv, reportJson } from "../../src/report/views.ts";

const MIN = 60_000;
const H = 3_600_000;

// tta / ttm / ttr in minutes:
//   INC-1 SEV1 checkout  A:  2 / 30 /  60
//   INC-2 SEV2 checkout  B:  4 / 10 /  40
//   INC-3 SEV2 search    A: 10 /  — /  90
//   INC-4 SEV3 (none)    B:  — /  5 /   —
//   INC-5 SEV1 search    A:  1 / 20 / 120
const inc = (number: number, highestSeverity: IncidentFacts["highestSeverity"], service: string | null, commanderId: string, tta: number | null, ttm: number | null, ttr: number | null): IncidentFacts => ({
  number,
  highestSeverity,
  service,
  commanderId,
  timeToAcknowledgeMs: tta === null ? null : tta * MIN,
  timeToMitigateMs: ttm === null ? null : ttm * MIN,
  timeToResolveMs: ttr === null ? null : ttr * MIN,
});
const INCIDENTS = [
  inc(1, "SEV1", "checkout", "UA", 2, 30, 60),
  inc(2, "SEV2", "checkout", "UB", 4, 10, 40),
  inc(3, "SEV2", "search", "UA", 10, null, 90),
  inc(4, "SEV3", null, "UB", null, 5, null),
  inc(5, "SEV1", "search", "UA", 1, 20, 120),
];

const P = "U0PNEWYORK"; // America/New_York
const Q = "U0QLONDON0"; // Europe/London
const R = "U0RNOPAGES"; // on call, never paged

const seg = (start: string, end: string, onCall: string[]): Segment => ({ start: new Date(start), end: new Date(end), onCall });

const NOTIFICATIONS = [
  // P, New York (EST −5 until 2026-03-08 07:00Z, then EDT −4)
  { userId: P, at: new Date("2026-03-05T22:30:00Z") }, // Thu 17:30 EST: inside
  { userId: P, at: new Date("2026-03-06T13:30:00Z") }, // Fri 08:30 EST: outside
  { userId: P, at: new Date("2026-03-07T15:00:00Z") }, // Sat 10:00 EST: outside (weekend)
  { userId: P, at: new Date("2026-03-09T13:30:00Z") }, // Mon 09:30 EDT: inside (08:30 with the offset frozen)
  { userId: P, at: new Date("2026-03-09T22:30:00Z") }, // Mon 18:30 EDT: outside (17:30 with the offset frozen)
  // Q, London (GMT until 2026-03-29 01:00Z, then BST +1)
  { userId: Q, at: new Date("2026-03-27T08:30:00Z") }, // Fri 08:30 GMT: outside
  { userId: Q, at: new Date("2026-03-30T08:30:00Z") }, // Mon 09:30 BST: inside (08:30 with the offset frozen)
  { userId: Q, at: new Date("2026-03-09T13:30:00Z") }, // Mon 13:30 GMT: inside
];

const SEGMENTS = new Map<string, Segment[]>([
  [
    "primary",
    [
      seg("2026-03-07T00:00:00Z", "2026-03-08T00:00:00Z", [P]), // P 24 h
      seg("2026-03-08T00:00:00Z", "2026-03-08T12:00:00Z", []),
      seg("2026-03-08T12:00:00Z", "2026-03-09T00:00:00Z", [P, Q]), // P 12 h, Q 12 h
    ],
  ],
  [
    "secondary",
    [
      seg("2026-03-07T00:00:00Z", "2026-03-07T06:30:00Z", [Q]), // Q 6.5 h
      seg("2026-03-07T06:30:00Z", "2026-03-07T07:00:00Z", [R]), // R 0.5 h
    ],
  ],
]);

const ZONES = new Map([
  [P, { zone: "America/New_York", source: "slack" as const }],
  [Q, { zone: "Europe/London", source: "schedule" as const }],
]);

const report = (by: "severity" | "service" | "commander" | null = null) =>
  buildReport({
    from: new Date("2026-03-01T00:00:00Z"),
    to: new Date("2026-04-01T00:00:00Z"),
    by,
    incidents: INCIDENTS,
    pages: ["acknowledged", "acknowledged", "exhausted", "cancelled", "escalating"],
    notifications: NOTIFICATIONS,
    segments: SEGMENTS,
    workingHours: DEFAULT_WORKING_HOURS,
    zones: ZONES,
  });

describe("median and p90", () => {
  it("median: the middle value, or the mean of the two middle values", () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("p90 by nearest rank: sorted[ceil(0.9 n) − 1]", () => {
    expect(percentile([], 90)).toBeNull();
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4); // ceil(3.6) = 4
    expect(percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 90)).toBe(9); // ceil(9) = 9
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10); // ceil(9.9) = 10
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 90)).toBe(18);
  });
});

describe("the hand-computed set", () => {
  it("counts by severity (highest reached) and service, and every duration's median and p90", () => {
    const r = report();
    expect(r.declared).toBe(5);
    expect(r.bySeverity).toEqual({ SEV1: 2, SEV2: 2, SEV3: 1, SEV4: 0 });
    expect(r.byService).toEqual([
      { service: "checkout", declared: 2 },
      { service: "search", declared: 2 },
      { service: null, declared: 1 },
    ]);
    // tta 1, 2, 4, 10 min: median (2 + 4) / 2 = 3 min, p90 ceil(3.6) = 4th = 10 min
    expect(r.timeToAcknowledge).toEqual({ count: 4, medianMs: 3 * MIN, p90Ms: 10 * MIN });
    // ttm 5, 10, 20, 30 min: median 15 min, p90 30 min
    expect(r.timeToMitigate).toEqual({ count: 4, medianMs: 15 * MIN, p90Ms: 30 * MIN });
    // ttr 40, 60, 90, 120 min: median 75 min, p90 120 min
    expect(r.timeToResolve).toEqual({ count: 4, medianMs: 75 * MIN, p90Ms: 120 * MIN });
    expect(r.groups).toEqual([{ key: "all", declared: 5, timeToAcknowledge: r.timeToAcknowledge, timeToMitigate: r.timeToMitigate, timeToResolve: r.timeToResolve }]);
    expect(r.pages).toEqual({ sent: 5, acknowledged: 2, exhausted: 1, cancelled: 1, escalating: 1 });
  });

  it("groups by severity, service and commander", () => {
    expect(groupIncidents(INCIDENTS, "severity")).toEqual([
      {
        key: "SEV1",
        declared: 2,
        timeToAcknowledge: { count: 2, medianMs: 1.5 * MIN, p90Ms: 2 * MIN },
        timeToMitigate: { count: 2, medianMs: 25 * MIN, p90Ms: 30 * MIN },
        timeToResolve: { count: 2, medianMs: 90 * MIN, p90Ms: 120 * MIN },
      },
      {
        key: "SEV2",
        declared: 2,
        timeToAcknowledge: { count: 2, medianMs: 7 * MIN, p90Ms: 10 * MIN },
        timeToMitigate: { count: 1, medianMs: 10 * MIN, p90Ms: 10 * MIN },
        timeToResolve: { count: 2, medianMs: 65 * MIN, p90Ms: 90 * MIN },
      },
      {
        key: "SEV3",
        declared: 1,
        timeToAcknowledge: { count: 0, medianMs: null, p90Ms: null },
        timeToMitigate: { count: 1, medianMs: 5 * MIN, p90Ms: 5 * MIN },
        timeToResolve: { count: 0, medianMs: null, p90Ms: null },
      },
    ]);
    expect(groupIncidents(INCIDENTS, "service").map((g) => [g.key, g.declared, g.timeToResolve.medianMs])).toEqual([
      ["(none)", 1, null],
      ["checkout", 2, 50 * MIN],
      ["search", 2, 105 * MIN],
    ]);
    // A: tta 1, 2, 10 → median 2, p90 ceil(2.7) = 3rd = 10; B: tta 4 only
    expect(groupIncidents(INCIDENTS, "commander").map((g) => [g.key, g.declared, g.timeToAcknowledge])).toEqual([
      ["UA", 3, { count: 3, medianMs: 2 * MIN, p90Ms: 10 * MIN }],
      ["UB", 2, { count: 1, medianMs: 4 * MIN, p90Ms: 4 * MIN }],
    ]);
    expect(groupIncidents([], null)).toEqual([{ key: "all", declared: 0, timeToAcknowledge: { count: 0, medianMs: null, p90Ms: null }, timeToMitigate: { count: 0, medianMs: null, p90Ms: null }, timeToResolve: { count: 0, medianMs: null, p90Ms: null } }]);
  });

  it("on-call load: pages received, those outside working hours in each person's zone, hours on call", () => {
    expect(report().oncall).toEqual([
      { userId: P, timeZone: "America/New_York", timeZoneSource: "slack", pagesReceived: 5, pagesOutsideWorkingHours: 3, onCallMs: 36 * H, hoursOnCall: 36 },
      { userId: Q, timeZone: "Europe/London", timeZoneSource: "schedule", pagesReceived: 3, pagesOutsideWorkingHours: 1, onCallMs: 18.5 * H, hoursOnCall: 18.5 },
      { userId: R, timeZone: "UTC", timeZoneSource: "default", pagesReceived: 0, pagesOutsideWorkingHours: 0, onCallMs: 0.5 * H, hoursOnCall: 0.5 },
    ]);
  });

  it("JSON and CSV say the same figures", () => {
    const r = report("severity");
    const json = reportJson(r);
    expect(json.from).toBe("2026-03-01T00:00:00.000Z");
    expect(json.by).toBe("severity");
    expect(json.incidents.bySeverity).toEqual({ SEV1: 2, SEV2: 2, SEV3: 1, SEV4: 0 });
    expect(json.durations.timeToResolve).toEqual({ count: 4, medianMs: 75 * MIN, p90Ms: 120 * MIN });
    expect(json.oncall[0]).toEqual({ user: P, timeZone: "America/New_York", timeZoneSource: "slack", pagesReceived: 5, pagesOutsideWorkingHours: 3, hoursOnCall: 36 });
    expect(reportCsv(r).split("\n")).toEqual([
      "group,declared,tta_count,tta_median_ms,tta_p90_ms,ttm_count,ttm_median_ms,ttm_p90_ms,ttr_count,ttr_median_ms,ttr_p90_ms",
      "SEV1,2,2,90000,120000,2,1500000,1800000,2,5400000,7200000",
      "SEV2,2,2,420000,600000,1,600000,600000,2,3900000,5400000",
      "SEV3,1,0,,,1,300000,300000,0,,",
    ]);
  });
});

describe("working hours", () => {
  it("read on the person's wall clock, across a daylight-saving change", () => {
    // 13:30Z on a Friday before New York springs forward is 08:30; on the Monday after, 09:30
    expect(isWorkingTime(new Date("2026-03-06T13:30:00Z"), "America/New_York", DEFAULT_WORKING_HOURS)).toBe(false);
    expect(isWorkingTime(new Date("2026-03-09T13:30:00Z"), "America/New_York", DEFAULT_WORKING_HOURS)).toBe(true);
    // 09:00 inclusive, 18:00 exclusive
    expect(isWorkingTime(new Date("2026-03-09T13:00:00Z"), "America/New_York", DEFAULT_WORKING_HOURS)).toBe(true);
    expect(isWorkingTime(new Date("2026-03-09T12:59:59Z"), "America/New_York", DEFAULT_WORKING_HOURS)).toBe(false);
    expect(isWorkingTime(new Date("2026-03-09T22:00:00Z"), "America/New_York", DEFAULT_WORKING_HOURS)).toBe(false);
    // the same instant is inside for London and outside for Tokyo (22:30)
    expect(isWorkingTime(new Date("2026-03-09T13:30:00Z"), "Europe/London", DEFAULT_WORKING_HOURS)).toBe(true);
    expect(isWorkingTime(new Date("2026-03-09T13:30:00Z"), "Asia/Tokyo", DEFAULT_WORKING_HOURS)).toBe(false);
    // a rota's own hours: weekends 10:00–14:00
    const weekend = { days: ["sat" as const, "sun" as const], from: "10:00", to: "14:00" };
    expect(isWorkingTime(new Date("2026-03-07T15:00:00Z"), "America/New_York", weekend)).toBe(true); // Sat 10:00
    expect(isWorkingTime(new Date("2026-03-09T15:00:00Z"), "America/New_York", weekend)).toBe(false); // Mon
  });

  it("the rota file's working_hours is optional and validated with paths", () => {
    const base = "schedules:\n  s: { timezone: UTC, layers: [{ name: l, members: [U0AAAA0001], rotation: { every: 1w, start: \"2026-03-02T09:00\" } }] }\n";
    const none = parseRotaFile(base);
    expect(none.ok && none.rota.workingHours).toBeUndefined();
    const good = parseRotaFile(`${base}working_hours: { days: [monday, tue, wed, thu], from: "08:00", to: "16:30" }\n`);
    expect(good.ok && good.rota.workingHours).toEqual({ days: ["mon", "tue", "wed", "thu"], from: "08:00", to: "16:30" });
    const partial = parseRotaFile(`${base}working_hours: { to: "17:00" }\n`);
    expect(partial.ok && partial.rota.workingHours).toEqual({ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00" });
    const bad = parseRotaFile(`${base}working_hours: { days: [mon, someday], from: "9am", to: "25:00", lunch: "12:00" }\n`);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors).toEqual([
        'working_hours: unknown key "lunch"',
        'working_hours.days[1]: unknown weekday "someday" (expected mon, tue, wed, thu, fri, sat or sun)',
        "working_hours.from: expected a time like 09:00 (HH:MM, 00:00 to 23:59)",
        "working_hours.to: expected a time like 09:00 (HH:MM, 00:00 to 23:59)",
      ]);
    }
    const backwards = parseRotaFile(`${base}working_hours: { from: "18:00", to: "09:00" }\n`);
    expect(!backwards.ok && backwards.errors).toEqual(["working_hours.to: must be after from (18:00)"]);
  });
});

describe("hours on call from the schedule's segments", () => {
  it("a weekly rotation across New York's spring change: a week one hour short, then a full one", () => {
    const schedule: Schedule = {
      name: "primary",
      timezone: "America/New_York",
      layers: [{ name: "weekly", members: [P, Q], rotation: { every: { amount: 1, unit: "w" }, start: { year: 2026, month: 3, day: 2, hour: 9, minute: 0 } } }],
      overrides: [],
    };
    const from = new Date("2026-03-02T14:00:00Z"); // Mon 09:00 EST
    const to = new Date("2026-03-16T13:00:00Z"); // Mon 09:00 EDT, two weeks on
    const ms = onCallMs(new Map([["primary", segments(schedule, from, to)]]));
    expect(ms.get(P)).toBe(167 * H); // 09:00 EST → 09:00 EDT
    expect(ms.get(Q)).toBe(168 * H);
  });
});

describe("report's command line", () => {
  const NOW = new Date("2026-03-20T12:00:00Z");
  it("defaults to the last 30 days; dates are UTC days, --to including its day; instants as given", () => {
    expect(parseReportArgs([], NOW)).toEqual({ from: new Date("2026-02-18T12:00:00Z"), to: NOW, by: null, format: "text" });
    expect(parseReportArgs(["--from", "2026-03-01", "--to=2026-03-31", "--by", "service", "--csv"], NOW)).toEqual({
      from: new Date("2026-03-01T00:00:00Z"),
      to: new Date("2026-04-01T00:00:00Z"),
      by: "service",
      format: "csv",
    });
    expect(parseReportArgs(["--from", "2026-03-01T09:00:00-05:00", "--json"], NOW)).toEqual({ from: new Date("2026-03-01T14:00:00Z"), to: NOW, by: null, format: "json" });
    expect(parseReportArgs(["--to", "2026-03-10"], NOW).from).toEqual(new Date("2026-02-09T00:00:00Z"));
  });

  it("refuses what it cannot read", () => {
    const bad = (args: string[]) => {
      try {
        parseReportArgs(args, NOW);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad(["--from", "2026-02-30"])).toBe('--from: "2026-02-30" is not a date that exists');
    expect(bad(["--from", "yesterday"])).toMatch(/^--from: "yesterday" is not a date; give a UTC date such as 2026-03-01/);
    expect(bad(["--from", "2026-03-10", "--to", "2026-03-01"])).toBe("--to (2026-03-02T00:00:00.000Z) must be after --from (2026-03-10T00:00:00.000Z)");
    expect(bad(["--by", "team"])).toBe('--by: "team" is not one of severity, service, commander');
    expect(bad(["--json", "--csv"])).toBe("give --json or --csv, not both");
    expect(bad(["last-week"])).toBe("unexpected argument last-week");
    expect(bad(["--to"])).toBe("--to needs a value");
  });
});
