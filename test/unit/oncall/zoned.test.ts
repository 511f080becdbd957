import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  addDays,
  addHours,
  addLocal,
  addWeeks,
  instantToLocal,
  isValidZone,
  localToInstant,
  parseLocalDateTime,
  weekdayOf,
  zoneOffsetMinutes,
  type LocalDateTime,
} from "../../../src/oncall/zoned.ts";
import { refLocalToInstant, wallOf } from "./reference.ts";

const L = (s: string): LocalDateTime => {
  const l = parseLocalDateTime(s);
  if (!l) throw new Error(`bad local ${s}`);
  return l;
};
const iso = (local: string, zone: string) => localToInstant(L(local), zone).toISOString();

describe("localToInstant: TIME.md rules 3 and 4", () => {
  const cases: Array<[zone: string, local: string, expected: string, why: string]> = [
    // America/New_York: 2026-03-08 02:00 -> 03:00; 2026-11-01 02:00 -> 01:00
    ["America/New_York", "2026-03-08T01:59", "2026-03-08T06:59:00.000Z", "just before the gap, EST"],
    ["America/New_York", "2026-03-08T02:00", "2026-03-08T07:00:00.000Z", "gap start -> the jump"],
    ["America/New_York", "2026-03-08T02:30", "2026-03-08T07:00:00.000Z", "inside the gap -> 03:00 EDT, not 03:30"],
    ["America/New_York", "2026-03-08T02:59:59", "2026-03-08T07:00:00.000Z", "end of the gap -> the jump"],
    ["America/New_York", "2026-03-08T03:00", "2026-03-08T07:00:00.000Z", "03:00 EDT"],
    ["America/New_York", "2026-03-08T03:30", "2026-03-08T07:30:00.000Z", "after the gap"],
    ["America/New_York", "2026-11-01T00:59", "2026-11-01T04:59:00.000Z", "before the repeat"],
    ["America/New_York", "2026-11-01T01:00", "2026-11-01T05:00:00.000Z", "repeated: first (EDT)"],
    ["America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00.000Z", "repeated: first (EDT)"],
    ["America/New_York", "2026-11-01T01:59:59", "2026-11-01T05:59:59.000Z", "repeated: first (EDT)"],
    ["America/New_York", "2026-11-01T02:00", "2026-11-01T07:00:00.000Z", "after the repeat, EST"],
    // Europe/London: 2026-03-29 01:00 -> 02:00; 2026-10-25 02:00 -> 01:00
    ["Europe/London", "2026-03-29T01:30", "2026-03-29T01:00:00.000Z", "gap -> 02:00 BST"],
    ["Europe/London", "2026-03-29T02:00", "2026-03-29T01:00:00.000Z", "02:00 BST"],
    ["Europe/London", "2026-10-25T01:30", "2026-10-25T00:30:00.000Z", "repeated: first (BST)"],
    ["Europe/London", "2026-10-25T02:00", "2026-10-25T02:00:00.000Z", "GMT"],
    // Australia/Lord_Howe: 30-minute shift. 2026-10-04 02:00 -> 02:30; 2026-04-05 02:00 -> 01:30
    ["Australia/Lord_Howe", "2026-10-04T01:59", "2026-10-03T15:29:00.000Z", "before the gap, +10:30"],
    ["Australia/Lord_Howe", "2026-10-04T02:00", "2026-10-03T15:30:00.000Z", "gap -> 02:30 +11"],
    ["Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-03T15:30:00.000Z", "gap -> 02:30 +11, not 02:45"],
    ["Australia/Lord_Howe", "2026-10-04T02:30", "2026-10-03T15:30:00.000Z", "02:30 +11"],
    ["Australia/Lord_Howe", "2026-04-05T01:29", "2026-04-04T14:29:00.000Z", "before the repeat, +11"],
    ["Australia/Lord_Howe", "2026-04-05T01:30", "2026-04-04T14:30:00.000Z", "repeated: first (+11)"],
    ["Australia/Lord_Howe", "2026-04-05T01:45", "2026-04-04T14:45:00.000Z", "repeated: first (+11)"],
    ["Australia/Lord_Howe", "2026-04-05T02:00", "2026-04-04T15:30:00.000Z", "after the repeat, +10:30"],
    // Pacific/Chatham: +12:45 / +13:45. 2026-09-27 02:45 -> 03:45; 2026-04-05 03:45 -> 02:45
    ["Pacific/Chatham", "2026-09-27T02:44", "2026-09-26T13:59:00.000Z", "before the gap, +12:45"],
    ["Pacific/Chatham", "2026-09-27T02:45", "2026-09-26T14:00:00.000Z", "gap -> 03:45 +13:45"],
    ["Pacific/Chatham", "2026-09-27T03:30", "2026-09-26T14:00:00.000Z", "gap -> 03:45 +13:45"],
    ["Pacific/Chatham", "2026-09-27T03:45", "2026-09-26T14:00:00.000Z", "03:45 +13:45"],
    ["Pacific/Chatham", "2026-04-05T02:45", "2026-04-04T13:00:00.000Z", "repeated: first (+13:45)"],
    ["Pacific/Chatham", "2026-04-05T03:44", "2026-04-04T13:59:00.000Z", "repeated: first (+13:45)"],
    ["Pacific/Chatham", "2026-04-05T03:45", "2026-04-04T15:00:00.000Z", "after the repeat, +12:45"],
    // Asia/Kolkata: +05:30 all year
    ["Asia/Kolkata", "2026-03-08T02:30", "2026-03-07T21:00:00.000Z", "+05:30"],
    ["Asia/Kolkata", "2026-11-01T01:30", "2026-10-31T20:00:00.000Z", "+05:30"],
    ["Asia/Kolkata", "2026-01-01T00:00", "2025-12-31T18:30:00.000Z", "+05:30, year rollover"],
  ];
  it.each(cases)("%s %s -> %s (%s)", (zone, local, expected) => {
    expect(iso(local, zone)).toBe(expected);
  });

  it("agrees with a brute-force offset scan for random local times near every change", () => {
    const days: Array<[string, number]> = [
      ["America/New_York", Date.UTC(2026, 2, 8)],
      ["America/New_York", Date.UTC(2026, 10, 1)],
      ["Europe/London", Date.UTC(2026, 2, 29)],
      ["Europe/London", Date.UTC(2026, 9, 25)],
      ["Australia/Lord_Howe", Date.UTC(2026, 3, 5)],
      ["Australia/Lord_Howe", Date.UTC(2026, 9, 4)],
      ["Pacific/Chatham", Date.UTC(2026, 3, 5)],
      ["Pacific/Chatham", Date.UTC(2026, 8, 27)],
      ["Asia/Kolkata", Date.UTC(2026, 5, 1)],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...days),
        fc.integer({ min: -6 * 60, max: 30 * 60 }),
        ([zone, day], minute) => {
          const naive = day + minute * 60_000;
          const d = new Date(naive);
          const local: LocalDateTime = {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            hour: d.getUTCHours(),
            minute: d.getUTCMinutes(),
          };
          expect(localToInstant(local, zone).getTime()).toBe(refLocalToInstant(zone, naive));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("round-trips instants: the local time of any instant maps back to it, or to its first occurrence", () => {
    const zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2020, 0, 1) / 60_000, max: Date.UTC(2032, 0, 1) / 60_000 }),
        (zone, minute) => {
          const u = minute * 60_000;
          const local = instantToLocal(new Date(u), zone);
          const back = localToInstant(local, zone).getTime();
          expect(back).toBeLessThanOrEqual(u);
          // Same wall clock (a repeated time maps to its first occurrence, at most 1h earlier).
          expect(wallOf(zone, back)).toBe(wallOf(zone, u));
          expect(u - back).toBeLessThanOrEqual(60 * 60_000);
          if (back < u) {
            // Then `back` really is an earlier occurrence and nothing earlier shows that time.
            expect(refLocalToInstant(zone, wallOf(zone, u))).toBe(back);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects invalid local date-times and unknown zones", () => {
    expect(() => localToInstant({ year: 2026, month: 2, day: 30, hour: 9, minute: 0 }, "UTC")).toThrow(RangeError);
    expect(() => localToInstant({ year: 2026, month: 1, day: 1, hour: 24, minute: 0 }, "UTC")).toThrow(RangeError);
    expect(() => localToInstant(L("2026-01-01T00:00"), "Mars/Base")).toThrow(/unknown time zone "Mars\/Base"/);
  });
});

describe("instantToLocal", () => {
  it("gives the wall clock on both sides of each change", () => {
    expect(instantToLocal(new Date("2026-03-08T06:59:59Z"), "America/New_York")).toEqual(L("2026-03-08T01:59:59"));
    expect(instantToLocal(new Date("2026-03-08T07:00:00Z"), "America/New_York")).toEqual(L("2026-03-08T03:00"));
    expect(instantToLocal(new Date("2026-11-01T05:30:00Z"), "America/New_York")).toEqual(L("2026-11-01T01:30"));
    expect(instantToLocal(new Date("2026-11-01T06:30:00Z"), "America/New_York")).toEqual(L("2026-11-01T01:30"));
    expect(instantToLocal(new Date("2026-10-03T15:29:59Z"), "Australia/Lord_Howe")).toEqual(L("2026-10-04T01:59:59"));
    expect(instantToLocal(new Date("2026-10-03T15:30:00Z"), "Australia/Lord_Howe")).toEqual(L("2026-10-04T02:30"));
    expect(instantToLocal(new Date("2026-04-04T13:59:00Z"), "Pacific/Chatham")).toEqual(L("2026-04-05T03:44"));
    expect(instantToLocal(new Date("2026-04-04T14:00:00Z"), "Pacific/Chatham")).toEqual(L("2026-04-05T02:45"));
    expect(instantToLocal(new Date("2026-06-30T18:29:59.999Z"), "Asia/Kolkata")).toEqual(L("2026-06-30T23:59:59"));
    expect(instantToLocal(new Date("2026-06-30T18:30:00Z"), "Asia/Kolkata")).toEqual(L("2026-07-01T00:00"));
  });

  it("offsets in minutes, including 45-minute and half-hour zones", () => {
    expect(zoneOffsetMinutes(new Date("2026-07-01T00:00:00Z"), "Pacific/Chatham")).toBe(12 * 60 + 45);
    expect(zoneOffsetMinutes(new Date("2026-01-01T00:00:00Z"), "Pacific/Chatham")).toBe(13 * 60 + 45);
    expect(zoneOffsetMinutes(new Date("2026-07-01T00:00:00Z"), "Australia/Lord_Howe")).toBe(10 * 60 + 30);
    expect(zoneOffsetMinutes(new Date("2026-01-01T00:00:00Z"), "Australia/Lord_Howe")).toBe(11 * 60);
    expect(zoneOffsetMinutes(new Date("2026-01-01T00:00:00Z"), "Asia/Kolkata")).toBe(330);
    expect(zoneOffsetMinutes(new Date("2026-01-01T00:00:00Z"), "America/New_York")).toBe(-300);
  });
});

describe("local wall-clock arithmetic", () => {
  it.each([
    ["2026-12-31T23:00", 1, "h", "2027-01-01T00:00"],
    ["2026-01-31T12:00", 1, "d", "2026-02-01T12:00"],
    ["2026-02-28T12:00", 1, "d", "2026-03-01T12:00"],
    ["2028-02-28T12:00", 1, "d", "2028-02-29T12:00"],
    ["2026-03-07T02:30", 1, "d", "2026-03-08T02:30"], // a time that does not exist: arithmetic does not care
    ["2026-03-08T01:00", 1, "h", "2026-03-08T02:00"],
    ["2026-12-28T09:00", 1, "w", "2027-01-04T09:00"],
    ["2026-01-05T09:00", -1, "w", "2025-12-29T09:00"],
    ["2026-03-01T00:00", -1, "h", "2026-02-28T23:00"],
    ["2026-01-05T08:00", 25, "h", "2026-01-06T09:00"],
  ] as const)("%s + %i%s = %s", (start, n, unit, expected) => {
    expect(addLocal(L(start), n, unit)).toEqual(L(expected));
  });

  it("addHours/addDays/addWeeks agree with each other and invert", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1) / 60_000, max: Date.UTC(2090, 0, 1) / 60_000 }),
        fc.integer({ min: -2000, max: 2000 }),
        (minute, n) => {
          const local = instantToLocal(new Date(minute * 60_000), "UTC");
          expect(addDays(local, n)).toEqual(addHours(local, 24 * n));
          expect(addWeeks(local, n)).toEqual(addDays(local, 7 * n));
          expect(addDays(addDays(local, n), -n)).toEqual(local);
          // A day later keeps the time of day.
          const next = addDays(local, n);
          expect([next.hour, next.minute]).toEqual([local.hour, local.minute]);
        },
      ),
    );
  });

  it("weekdayOf", () => {
    expect(weekdayOf({ year: 2026, month: 1, day: 5 })).toBe("mon");
    expect(weekdayOf({ year: 2026, month: 3, day: 8 })).toBe("sun");
    expect(weekdayOf({ year: 2026, month: 11, day: 1 })).toBe("sun");
    expect(weekdayOf({ year: 2028, month: 2, day: 29 })).toBe("tue");
    expect(weekdayOf({ year: 1969, month: 12, day: 31 })).toBe("wed");
  });

  it("parseLocalDateTime accepts HH:MM and HH:MM:SS, real dates only, no offset", () => {
    expect(parseLocalDateTime("2026-01-05T09:00")).toEqual({ year: 2026, month: 1, day: 5, hour: 9, minute: 0, second: 0 });
    expect(parseLocalDateTime("2026-01-05T09:00:30")?.second).toBe(30);
    for (const bad of ["2026-02-30T09:00", "2026-13-01T09:00", "2026-01-05T24:00", "2026-01-05 09:00", "2026-01-05T09:00Z", "2026-01-05T09:00-05:00", "2026-01-05", "2026-1-5T9:00"]) {
      expect(parseLocalDateTime(bad), bad).toBeNull();
    }
  });
});

describe("isValidZone", () => {
  it("accepts IANA zones and rejects the rest", () => {
    for (const z of ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata", "UTC"]) {
      expect(isValidZone(z), z).toBe(true);
    }
    for (const z of ["Mars/Base", "", "-05:00", "+05:30", "America/Nowhere", "EST+5"]) {
      expect(isValidZone(z), z).toBe(false);
    }
  });
});
