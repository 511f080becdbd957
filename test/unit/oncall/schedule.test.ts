import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  layerShifts,
  nextHandoff,
  onCallAt,
  segments,
  type Layer,
  type Override,
  type Restriction,
  type Schedule,
  type Segment,
} from "../../../src/oncall/schedule.ts";
import { instantToLocal, parseLocalDateTime, type LocalDateTime } from "../../../src/oncall/zoned.ts";

const L = (s: string): LocalDateTime => {
  const l = parseLocalDateTime(s);
  if (!l) throw new Error(`bad local ${s}`);
  return l;
};
const D = (s: string) => new Date(s);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function layer(
  members: string[],
  every: `${number}${"h" | "d" | "w"}`,
  start: string,
  restrictions?: Restriction[],
  name = "layer",
): Layer {
  const m = /^(\d+)([hdw])$/.exec(every)!;
  const l: Layer = { name, members, rotation: { every: { amount: Number(m[1]), unit: m[2] as "h" | "d" | "w" }, start: L(start) } };
  if (restrictions) l.restrictions = restrictions;
  return l;
}

function schedule(timezone: string, layers: Layer[], overrides: Override[] = []): Schedule {
  return { name: "test", timezone, layers, overrides };
}

const ov = (user: string, start: string, end: string): Override => ({ user, start: D(start), end: D(end) });

const localStr = (d: Date, zone: string) => {
  const l = instantToLocal(d, zone);
  return `${String(l.hour).padStart(2, "0")}:${String(l.minute).padStart(2, "0")}`;
};

function expectWellFormed(segs: Segment[], from: Date, to: Date) {
  expect(segs.length).toBeGreaterThan(0);
  expect(segs[0].start.getTime()).toBe(from.getTime());
  expect(segs[segs.length - 1].end.getTime()).toBe(to.getTime());
  for (let i = 0; i < segs.length; i++) {
    expect(segs[i].end.getTime()).toBeGreaterThan(segs[i].start.getTime());
    if (i > 0) {
      expect(segs[i].start.getTime()).toBe(segs[i - 1].end.getTime());
      expect([...segs[i].onCall].sort()).not.toEqual([...segs[i - 1].onCall].sort());
    }
  }
}

describe("rotation boundaries in local wall-clock time", () => {
  it("a 12-hour rotation anchored at 08:00 hands off at 08:00 and 20:00 local all year (New York)", () => {
    const s = schedule("America/New_York", [layer(["UA", "UB"], "12h", "2026-01-01T08:00")]);
    const from = D("2026-01-01T13:00:00Z"); // 08:00 EST
    const to = D("2027-01-01T13:00:00Z");
    const segs = segments(s, from, to);
    expectWellFormed(segs, from, to);
    expect(segs.length).toBe(730);
    const lengths = new Map<number, number>();
    for (const seg of segs) {
      expect(["08:00", "20:00"]).toContain(localStr(seg.start, "America/New_York"));
      const h = (seg.end.getTime() - seg.start.getTime()) / HOUR;
      lengths.set(h, (lengths.get(h) ?? 0) + 1);
    }
    // One 11-hour shift (spring forward), one 13-hour shift (fall back), the rest 12 hours.
    expect(Object.fromEntries(lengths)).toEqual({ 12: 728, 11: 1, 13: 1 });
    // The shifts spanning the changes.
    expect(onCallAt(s, D("2026-03-08T06:00:00Z"))).toEqual(onCallAt(s, D("2026-03-08T11:59:59Z")));
    expect(segs.find((x) => x.start.toISOString() === "2026-03-08T01:00:00.000Z")?.end.toISOString()).toBe("2026-03-08T12:00:00.000Z");
    expect(segs.find((x) => x.start.toISOString() === "2026-11-01T00:00:00.000Z")?.end.toISOString()).toBe("2026-11-01T13:00:00.000Z");
  });

  it.each(["Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"])(
    "a 12-hour rotation anchored at 08:00 keeps 08:00/20:00 all year in %s",
    (zone) => {
      const s = schedule(zone, [layer(["UA", "UB"], "12h", "2025-12-31T08:00")]);
      const from = D("2026-01-01T00:00:00Z");
      const to = D("2027-01-01T00:00:00Z");
      const segs = segments(s, from, to);
      expectWellFormed(segs, from, to);
      for (const seg of segs.slice(1)) expect(["08:00", "20:00"]).toContain(localStr(seg.start, zone));
    },
  );

  it.each([
    ["America/New_York", "1d", "2026-01-05T09:00"],
    ["America/New_York", "1w", "2026-01-05T09:00"],
    ["Europe/London", "1d", "2026-01-05T09:00"],
    ["Australia/Lord_Howe", "1w", "2026-01-05T09:30"],
    ["Pacific/Chatham", "1d", "2026-01-05T09:45"],
    ["Asia/Kolkata", "2d", "2026-01-05T00:15"],
  ] as const)("daily/weekly handoffs keep the local time (%s, every %s from %s)", (zone, every, start) => {
    const s = schedule(zone, [layer(["UA", "UB", "UC"], every, start)]);
    const from = D("2026-01-10T00:00:00Z");
    const to = D("2027-01-10T00:00:00Z");
    const segs = segments(s, from, to);
    expectWellFormed(segs, from, to);
    for (const seg of segs.slice(1)) expect(localStr(seg.start, zone)).toBe(start.slice(11));
  });

  it("a daily handoff inside the skipped hour falls when the clocks jump (02:30 -> 03:00 EDT)", () => {
    const s = schedule("America/New_York", [layer(["UA", "UB"], "1d", "2026-03-01T02:30")]);
    const shifts = layerShifts(s, 0, D("2026-03-07T00:00:00Z"), D("2026-03-10T00:00:00Z"));
    expect(shifts.map((x) => [x.member, x.start.toISOString(), x.end.toISOString()])).toEqual([
      ["UB", "2026-03-06T07:30:00.000Z", "2026-03-07T07:30:00.000Z"], // k=5
      ["UA", "2026-03-07T07:30:00.000Z", "2026-03-08T07:00:00.000Z"], // 23.5 h
      ["UB", "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"], // 23.5 h, back to 02:30 EDT
      ["UA", "2026-03-09T06:30:00.000Z", "2026-03-10T06:30:00.000Z"],
    ]);
    expect(onCallAt(s, D("2026-03-08T06:59:59Z"))).toEqual(["UA"]);
    expect(onCallAt(s, D("2026-03-08T07:00:00Z"))).toEqual(["UB"]);
  });

  it("a daily handoff inside the repeated hour falls at its first occurrence (01:30 EDT)", () => {
    const s = schedule("America/New_York", [layer(["UA", "UB"], "1d", "2026-10-30T01:30")]);
    const shifts = layerShifts(s, 0, D("2026-10-31T12:00:00Z"), D("2026-11-02T12:00:00Z"));
    expect(shifts.map((x) => [x.member, x.start.toISOString(), x.end.toISOString()])).toEqual([
      ["UB", "2026-10-31T05:30:00.000Z", "2026-11-01T05:30:00.000Z"],
      ["UA", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"], // 25 h
      ["UB", "2026-11-02T06:30:00.000Z", "2026-11-03T06:30:00.000Z"],
    ]);
    // The second 01:30 (EST) is not a handoff.
    expect(onCallAt(s, D("2026-11-01T06:30:00Z"))).toEqual(["UA"]);
  });

  it("Lord Howe: an hourly rotation at :15 across the 30-minute gap and the 30-minute repeat", () => {
    const s = schedule("Australia/Lord_Howe", [layer(["UA", "UB", "UC"], "1h", "2026-10-04T00:15")]);
    // 00:15 +10:30 = 13:45Z; 01:15 = 14:45Z; 02:15 is skipped -> 02:30 +11 = 15:30Z; 03:15 +11 = 16:15Z
    const shifts = layerShifts(s, 0, D("2026-10-03T13:45:00Z"), D("2026-10-03T17:00:00Z"));
    expect(shifts.map((x) => [x.index, x.member, x.start.toISOString()])).toEqual([
      [0, "UA", "2026-10-03T13:45:00.000Z"],
      [1, "UB", "2026-10-03T14:45:00.000Z"],
      [2, "UC", "2026-10-03T15:30:00.000Z"],
      [3, "UA", "2026-10-03T16:15:00.000Z"],
    ]);
    const back = schedule("Australia/Lord_Howe", [layer(["UA", "UB", "UC"], "1h", "2026-04-05T00:45")]);
    // 00:45 +11 = 13:45Z; 01:45 first (+11) = 14:45Z; 02:45 +10:30 = 16:15Z (a 90-minute shift)
    expect(layerShifts(back, 0, D("2026-04-04T13:45:00Z"), D("2026-04-04T16:30:00Z")).map((x) => x.start.toISOString())).toEqual([
      "2026-04-04T13:45:00.000Z",
      "2026-04-04T14:45:00.000Z",
      "2026-04-04T16:15:00.000Z",
    ]);
  });

  it("Chatham: a daily 03:00 handoff inside the gap and inside the repeat", () => {
    const s = schedule("Pacific/Chatham", [layer(["UA", "UB"], "1d", "2026-09-20T03:00")]);
    // 2026-09-27 03:00 does not exist (02:45 -> 03:45): the handoff is at 14:00Z (03:45 +13:45).
    expect(layerShifts(s, 0, D("2026-09-26T13:00:00Z"), D("2026-09-26T15:00:00Z")).map((x) => x.start.toISOString())).toEqual([
      "2026-09-25T14:15:00.000Z",
      "2026-09-26T14:00:00.000Z",
    ]);
    const b = schedule("Pacific/Chatham", [layer(["UA", "UB"], "1d", "2026-04-01T03:00")]);
    // 2026-04-05 03:00 happens twice: first at +13:45 = 13:15Z.
    expect(layerShifts(b, 0, D("2026-04-04T13:00:00Z"), D("2026-04-04T15:00:00Z")).map((x) => x.start.toISOString())).toEqual([
      "2026-04-03T13:15:00.000Z",
      "2026-04-04T13:15:00.000Z",
    ]);
  });

  it("shift k goes to member k mod n", () => {
    const members = ["U0", "U1", "U2", "U3"];
    const s = schedule("Asia/Kolkata", [layer(members, "3h", "2026-01-01T00:30")]);
    const anchor = D("2025-12-31T19:00:00Z").getTime();
    for (let k = 0; k < 50; k++) {
      expect(onCallAt(s, new Date(anchor + k * 3 * HOUR))).toEqual([members[k % 4]]);
      expect(onCallAt(s, new Date(anchor + (k + 1) * 3 * HOUR - 1))).toEqual([members[k % 4]]);
    }
  });

  it("before the anchor nobody is on call", () => {
    const s = schedule("America/New_York", [layer(["UA", "UB"], "1w", "2026-01-05T09:00")]);
    expect(onCallAt(s, D("2026-01-05T13:59:59.999Z"))).toEqual([]);
    expect(onCallAt(s, D("2026-01-05T14:00:00Z"))).toEqual(["UA"]);
    expect(onCallAt(s, D("2025-06-01T00:00:00Z"))).toEqual([]);
    const segs = segments(s, D("2026-01-04T00:00:00Z"), D("2026-01-20T00:00:00Z"));
    expect(segs.map((x) => [x.start.toISOString(), x.onCall])).toEqual([
      ["2026-01-04T00:00:00.000Z", []],
      ["2026-01-05T14:00:00.000Z", ["UA"]],
      ["2026-01-12T14:00:00.000Z", ["UB"]],
      ["2026-01-19T14:00:00.000Z", ["UA"]],
    ]);
  });

  it("an empty shift (both ends at the same instant) is skipped, and its member loses that turn", () => {
    // Hourly from 00:00 on the spring-forward day: 02:00 and 03:00 are the same instant.
    const s = schedule("America/New_York", [layer(["UA", "UB", "UC"], "1h", "2026-03-08T00:00")]);
    const shifts = layerShifts(s, 0, D("2026-03-08T05:00:00Z"), D("2026-03-08T09:00:00Z"));
    expect(shifts.map((x) => [x.index, x.member, x.start.toISOString(), x.end.toISOString()])).toEqual([
      [0, "UA", "2026-03-08T05:00:00.000Z", "2026-03-08T06:00:00.000Z"],
      [1, "UB", "2026-03-08T06:00:00.000Z", "2026-03-08T07:00:00.000Z"],
      // k = 2 (UC, 02:00-03:00) is empty
      [3, "UA", "2026-03-08T07:00:00.000Z", "2026-03-08T08:00:00.000Z"],
      [4, "UB", "2026-03-08T08:00:00.000Z", "2026-03-08T09:00:00.000Z"],
    ]);
    expect(onCallAt(s, D("2026-03-08T07:00:00Z"))).toEqual(["UA"]);
    const segs = segments(s, D("2026-03-08T05:00:00Z"), D("2026-03-08T09:00:00Z"));
    expect(segs.map((x) => x.onCall[0])).toEqual(["UA", "UB", "UA", "UB"]);
  });

  it("finds the right shift far from the anchor without walking (and fast)", () => {
    const s = schedule("Pacific/Chatham", [layer(["U0", "U1", "U2", "U3", "U4", "U5", "U6"], "1h", "2000-01-01T00:00")]);
    // In naive local time boundaries are exact: the member is the local hour count mod 7.
    const at = D("2031-07-15T12:34:56Z");
    const local = instantToLocal(at, "Pacific/Chatham");
    const hours = (Date.UTC(local.year, local.month - 1, local.day, local.hour) - Date.UTC(2000, 0, 1)) / HOUR;
    expect(onCallAt(s, at)).toEqual([`U${hours % 7}`]);
  });
});

describe("restrictions (in the schedule's zone)", () => {
  const business: Restriction = { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00" };

  it("mask the layer Mon-Fri 09:00-17:00 in New York, not in UTC", () => {
    const s = schedule("America/New_York", [layer(["UBASE"], "1w", "2026-01-05T00:00"), layer(["UCOVER"], "1d", "2026-01-05T00:00", [business])]);
    expect(onCallAt(s, D("2026-01-12T13:59:59Z"))).toEqual(["UBASE"]); // Mon 08:59:59 EST
    expect(onCallAt(s, D("2026-01-12T14:00:00Z"))).toEqual(["UCOVER"]); // Mon 09:00 EST
    expect(onCallAt(s, D("2026-01-12T21:59:59Z"))).toEqual(["UCOVER"]); // Mon 16:59:59
    expect(onCallAt(s, D("2026-01-12T22:00:00Z"))).toEqual(["UBASE"]); // Mon 17:00
    expect(onCallAt(s, D("2026-01-17T15:00:00Z"))).toEqual(["UBASE"]); // Sat 10:00
    // After the spring change, 09:00 EDT = 13:00Z.
    expect(onCallAt(s, D("2026-03-09T13:00:00Z"))).toEqual(["UCOVER"]);
    expect(onCallAt(s, D("2026-03-09T12:59:59Z"))).toEqual(["UBASE"]);
    // Friday 20:00 EST is Saturday 01:00 UTC: still Friday in the zone, and outside the hours.
    expect(onCallAt(s, D("2026-01-17T01:00:00Z"))).toEqual(["UBASE"]);
  });

  it("are evaluated in Kolkata's zone (+05:30)", () => {
    const s = schedule("Asia/Kolkata", [layer(["UCOVER"], "1d", "2026-01-01T00:00", [business])]);
    expect(onCallAt(s, D("2026-01-12T03:29:59Z"))).toEqual([]); // Mon 08:59:59 IST
    expect(onCallAt(s, D("2026-01-12T03:30:00Z"))).toEqual(["UCOVER"]); // Mon 09:00 IST
    expect(onCallAt(s, D("2026-01-12T11:29:59Z"))).toEqual(["UCOVER"]);
    expect(onCallAt(s, D("2026-01-12T11:30:00Z"))).toEqual([]);
    // Sunday 22:00 UTC is Monday 03:30 IST: not a Sunday question.
    expect(onCallAt(s, D("2026-01-11T22:00:00Z"))).toEqual([]);
  });

  it("a restriction that runs past midnight belongs to the day it starts", () => {
    const night: Restriction = { days: ["fri"], from: "22:00", to: "06:00" };
    const s = schedule("Europe/London", [layer(["UNIGHT"], "1d", "2026-01-01T00:00", [night])]);
    expect(onCallAt(s, D("2026-01-09T21:59:59Z"))).toEqual([]); // Fri 21:59
    expect(onCallAt(s, D("2026-01-09T22:00:00Z"))).toEqual(["UNIGHT"]); // Fri 22:00
    expect(onCallAt(s, D("2026-01-10T05:59:59Z"))).toEqual(["UNIGHT"]); // Sat 05:59
    expect(onCallAt(s, D("2026-01-10T06:00:00Z"))).toEqual([]); // Sat 06:00
    expect(onCallAt(s, D("2026-01-10T23:00:00Z"))).toEqual([]); // Sat 23:00
    expect(onCallAt(s, D("2026-01-09T02:00:00Z"))).toEqual([]); // Fri 02:00 (Thursday's night is not listed)
    // Across the spring change (Fri 27 -> Sat 28 March is before; check Sat 28 -> Sun 29 with sat).
    const sat = schedule("Europe/London", [layer(["UNIGHT"], "1d", "2026-01-01T00:00", [{ days: ["sat"], from: "22:00", to: "06:00" }])]);
    const segs = segments(sat, D("2026-03-28T12:00:00Z"), D("2026-03-29T12:00:00Z"));
    expect(segs.map((x) => [x.start.toISOString(), x.onCall])).toEqual([
      ["2026-03-28T12:00:00.000Z", []],
      ["2026-03-28T22:00:00.000Z", ["UNIGHT"]], // 22:00 GMT
      ["2026-03-29T05:00:00.000Z", []], // 06:00 BST: a 7-hour night
    ]);
  });

  it("from == to is a full 24 hours from that time", () => {
    const s = schedule("UTC", [layer(["UA"], "1d", "2026-01-01T00:00", [{ days: ["wed"], from: "12:00", to: "12:00" }])]);
    expect(onCallAt(s, D("2026-01-07T11:59:59Z"))).toEqual([]);
    expect(onCallAt(s, D("2026-01-07T12:00:00Z"))).toEqual(["UA"]);
    expect(onCallAt(s, D("2026-01-08T11:59:59Z"))).toEqual(["UA"]);
    expect(onCallAt(s, D("2026-01-08T12:00:00Z"))).toEqual([]);
  });

  it("never pause or shift the rotation", () => {
    const members = ["UA", "UB", "UC"];
    const plain = schedule("America/New_York", [layer(members, "1d", "2026-01-05T09:00")]);
    const masked = schedule("America/New_York", [layer(members, "1d", "2026-01-05T09:00", [business])]);
    for (let t = D("2026-01-05T14:00:00Z").getTime(); t < D("2026-04-01T00:00:00Z").getTime(); t += 37 * 60_000) {
      const m = onCallAt(masked, new Date(t));
      if (m.length > 0) expect(m).toEqual(onCallAt(plain, new Date(t)));
    }
    // Monday 2026-01-12 is shift 7 -> member 7 mod 3 = UB, weekends notwithstanding.
    expect(onCallAt(masked, D("2026-01-12T15:00:00Z"))).toEqual(["UB"]);
  });

  it("a window ending inside the repeated hour ends at the first occurrence; one starting there runs on", () => {
    // Sunday 2026-11-01 in New York; 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    const ends = schedule("America/New_York", [layer(["UA"], "1d", "2026-10-01T00:00", [{ days: ["sat"], from: "22:00", to: "01:30" }])]);
    expect(onCallAt(ends, D("2026-11-01T05:29:59Z"))).toEqual(["UA"]);
    expect(onCallAt(ends, D("2026-11-01T05:30:00Z"))).toEqual([]);
    expect(onCallAt(ends, D("2026-11-01T06:15:00Z"))).toEqual([]); // 01:15 EST: the window is over
    const starts = schedule("America/New_York", [layer(["UA"], "1d", "2026-10-01T00:00", [{ days: ["sun"], from: "01:30", to: "09:00" }])]);
    expect(onCallAt(starts, D("2026-11-01T05:29:59Z"))).toEqual([]);
    const segs = segments(starts, D("2026-11-01T04:00:00Z"), D("2026-11-01T16:00:00Z"));
    expect(segs.map((x) => [x.start.toISOString(), x.onCall])).toEqual([
      ["2026-11-01T04:00:00.000Z", []],
      ["2026-11-01T05:30:00.000Z", ["UA"]], // no gap in the repeated hour
      ["2026-11-01T14:00:00.000Z", []],
    ]);
  });

  it("a window starting inside the skipped hour starts when the clocks jump", () => {
    const s = schedule("America/New_York", [layer(["UA"], "1d", "2026-03-01T00:00", [{ days: ["sun"], from: "02:30", to: "04:00" }])]);
    const segs = segments(s, D("2026-03-08T05:00:00Z"), D("2026-03-08T10:00:00Z"));
    expect(segs.map((x) => [x.start.toISOString(), x.onCall])).toEqual([
      ["2026-03-08T05:00:00.000Z", []],
      ["2026-03-08T07:00:00.000Z", ["UA"]],
      ["2026-03-08T08:00:00.000Z", []],
    ]);
  });
});

describe("precedence of layers and overrides", () => {
  const base = layer(["UBASE"], "1w", "2026-01-05T00:00", undefined, "base");
  const cover = layer(["UCOVER"], "1d", "2026-01-05T00:00", [{ days: ["mon"], from: "09:00", to: "17:00" }], "cover");

  it("a later layer beats an earlier one where it has someone on call, and only there", () => {
    const s = schedule("UTC", [base, cover]);
    expect(onCallAt(s, D("2026-01-12T10:00:00Z"))).toEqual(["UCOVER"]);
    expect(onCallAt(s, D("2026-01-12T18:00:00Z"))).toEqual(["UBASE"]);
    const reversed = schedule("UTC", [cover, base]);
    expect(onCallAt(reversed, D("2026-01-12T10:00:00Z"))).toEqual(["UBASE"]);
  });

  it("a later layer before its anchor lets the earlier one through", () => {
    const late = layer(["ULATE"], "1d", "2026-02-01T00:00", undefined, "late");
    const s = schedule("UTC", [base, late]);
    expect(onCallAt(s, D("2026-01-20T00:00:00Z"))).toEqual(["UBASE"]);
    expect(onCallAt(s, D("2026-02-01T00:00:00Z"))).toEqual(["ULATE"]);
  });

  it("an override beats every layer, [start, end)", () => {
    const s = schedule("UTC", [base, cover], [ov("UOVER", "2026-01-12T09:30:00Z", "2026-01-12T12:00:00Z")]);
    expect(onCallAt(s, D("2026-01-12T09:29:59Z"))).toEqual(["UCOVER"]);
    expect(onCallAt(s, D("2026-01-12T09:30:00Z"))).toEqual(["UOVER"]);
    expect(onCallAt(s, D("2026-01-12T11:59:59.999Z"))).toEqual(["UOVER"]);
    expect(onCallAt(s, D("2026-01-12T12:00:00Z"))).toEqual(["UCOVER"]);
  });

  it("an override applies even where no layer has anyone, and nobody is on call otherwise", () => {
    const s = schedule("UTC", [cover], [ov("UOVER", "2026-01-13T00:00:00Z", "2026-01-13T01:00:00Z")]);
    expect(onCallAt(s, D("2026-01-13T00:30:00Z"))).toEqual(["UOVER"]);
    expect(onCallAt(s, D("2026-01-13T01:30:00Z"))).toEqual([]);
    expect(onCallAt(schedule("UTC", []), D("2026-01-13T01:30:00Z"))).toEqual([]);
  });

  it("overlapping overrides put all their users on call (by start time, no duplicates)", () => {
    const s = schedule("UTC", [base], [
      ov("UTWO", "2026-01-12T12:00:00Z", "2026-01-12T16:00:00Z"),
      ov("UONE", "2026-01-12T10:00:00Z", "2026-01-12T14:00:00Z"),
      ov("UONE", "2026-01-12T13:00:00Z", "2026-01-12T15:00:00Z"),
    ]);
    expect(onCallAt(s, D("2026-01-12T11:00:00Z"))).toEqual(["UONE"]);
    expect(onCallAt(s, D("2026-01-12T13:30:00Z"))).toEqual(["UONE", "UTWO"]);
    expect(onCallAt(s, D("2026-01-12T15:30:00Z"))).toEqual(["UTWO"]);
    expect(onCallAt(s, D("2026-01-12T16:00:00Z"))).toEqual(["UBASE"]);
    const segs = segments(s, D("2026-01-12T09:00:00Z"), D("2026-01-12T17:00:00Z"));
    expect(segs.map((x) => [x.start.toISOString().slice(11, 16), x.end.toISOString().slice(11, 16), x.onCall])).toEqual([
      ["09:00", "10:00", ["UBASE"]],
      ["10:00", "12:00", ["UONE"]],
      ["12:00", "15:00", ["UONE", "UTWO"]],
      ["15:00", "16:00", ["UTWO"]],
      ["16:00", "17:00", ["UBASE"]],
    ]);
  });

  it("sees overrides added to the same schedule object after a first query", () => {
    const s = schedule("UTC", [base]);
    expect(onCallAt(s, D("2026-01-12T10:00:00Z"))).toEqual(["UBASE"]);
    s.overrides.push(ov("UOVER", "2026-01-12T09:00:00Z", "2026-01-12T11:00:00Z"));
    expect(onCallAt(s, D("2026-01-12T10:00:00Z"))).toEqual(["UOVER"]);
    s.overrides[0].end = D("2026-01-12T09:30:00Z");
    expect(onCallAt(s, D("2026-01-12T10:00:00Z"))).toEqual(["UBASE"]);
  });
});

describe("nextHandoff", () => {
  const s = schedule("America/New_York", [layer(["UA", "UB"], "1w", "2026-01-05T09:00")]);

  it("is the next boundary and its member", () => {
    expect(nextHandoff(s, D("2026-01-07T00:00:00Z"))).toEqual({ at: D("2026-01-12T14:00:00Z"), onCall: ["UB"] });
    // At a boundary: the following one.
    expect(nextHandoff(s, D("2026-01-12T14:00:00Z"))).toEqual({ at: D("2026-01-19T14:00:00Z"), onCall: ["UA"] });
    // Across the spring change the local 09:00 is kept: 13:00Z (Mar 9 is shift 9 -> UB).
    expect(nextHandoff(s, D("2026-03-05T00:00:00Z"))).toEqual({ at: D("2026-03-09T13:00:00Z"), onCall: ["UB"] });
  });

  it("before the anchor it is the anchor", () => {
    expect(nextHandoff(s, D("2025-12-01T00:00:00Z"))).toEqual({ at: D("2026-01-05T14:00:00Z"), onCall: ["UA"] });
  });

  it("an override coming first wins, and hand-back is reported too", () => {
    const o = schedule("America/New_York", s.layers, [ov("UOVER", "2026-01-08T00:00:00Z", "2026-01-09T00:00:00Z")]);
    expect(nextHandoff(o, D("2026-01-07T00:00:00Z"))).toEqual({ at: D("2026-01-08T00:00:00Z"), onCall: ["UOVER"] });
    expect(nextHandoff(o, D("2026-01-08T12:00:00Z"))).toEqual({ at: D("2026-01-09T00:00:00Z"), onCall: ["UA"] });
  });

  it("skips handoffs between the same person and reports gaps as nobody", () => {
    const same = schedule("UTC", [layer(["UA", "UA", "UB"], "1d", "2026-01-01T00:00")]);
    expect(nextHandoff(same, D("2026-01-01T05:00:00Z"))).toEqual({ at: D("2026-01-03T00:00:00Z"), onCall: ["UB"] });
    const masked = schedule("UTC", [layer(["UA"], "1d", "2026-01-01T00:00", [{ days: ["mon"], from: "09:00", to: "17:00" }])]);
    expect(nextHandoff(masked, D("2026-01-05T10:00:00Z"))).toEqual({ at: D("2026-01-05T17:00:00Z"), onCall: [] });
    expect(nextHandoff(masked, D("2026-01-05T18:00:00Z"))).toEqual({ at: D("2026-01-12T09:00:00Z"), onCall: ["UA"] });
  });

  it("is null when the on-call set never changes again", () => {
    expect(nextHandoff(schedule("UTC", [layer(["UA"], "1w", "2026-01-01T00:00")]), D("2026-06-01T00:00:00Z"))).toBeNull();
    expect(nextHandoff(schedule("UTC", []), D("2026-06-01T00:00:00Z"))).toBeNull();
    expect(nextHandoff(schedule("UTC", [], [ov("UA", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")]), D("2026-06-01T00:00:00Z"))).toBeNull();
  });

  it("finds a change a long way off (52-week shifts)", () => {
    const long = schedule("UTC", [layer(["UA", "UB"], "52w", "2026-01-05T00:00")]);
    expect(nextHandoff(long, D("2026-01-06T00:00:00Z"))).toEqual({ at: D("2027-01-04T00:00:00Z"), onCall: ["UB"] });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: segments agree with onCallAt; many overrides agree with a linear scan.
// ---------------------------------------------------------------------------------------------

const ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"];
const T0 = Date.UTC(2026, 0, 1);
const YEAR = 365 * DAY;

const arbLayer = fc.record({
  members: fc.array(fc.constantFrom("UA", "UB", "UC", "UD"), { minLength: 1, maxLength: 4 }),
  amount: fc.integer({ min: 1, max: 30 }),
  unit: fc.constantFrom("h" as const, "d" as const, "w" as const),
  startMinute: fc.integer({ min: 0, max: 200 * 24 * 60 }),
  restricted: fc.option(
    fc.record({
      days: fc.subarray(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const, { minLength: 1 }),
      from: fc.integer({ min: 0, max: 95 }),
      to: fc.integer({ min: 0, max: 95 }),
    }),
  ),
});
const hhmm = (q: number) => `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`;
type ArbLayer = typeof arbLayer extends fc.Arbitrary<infer T> ? T : never;
const toLayer = (x: ArbLayer, i: number): Layer => {
  const d = new Date(T0 + x.startMinute * 60_000);
  const l: Layer = {
    name: `l${i}`,
    members: x.members,
    rotation: {
      every: { amount: x.amount, unit: x.unit },
      start: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() },
    },
  };
  if (x.restricted) l.restrictions = [{ days: [...x.restricted.days], from: hhmm(x.restricted.from), to: hhmm(x.restricted.to) }];
  return l;
};
const arbOverride = fc
  .record({ user: fc.constantFrom("UO1", "UO2", "UO3"), start: fc.integer({ min: 0, max: YEAR / 60_000 }), length: fc.integer({ min: 1, max: 5 * 24 * 60 }) })
  .map((o): Override => ({ user: o.user, start: new Date(T0 + o.start * 60_000), end: new Date(T0 + (o.start + o.length) * 60_000) }));

describe("properties", () => {
  it("segments are consecutive, merged, cover [from, to) and agree with onCallAt", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(arbLayer, { minLength: 0, maxLength: 3 }),
        fc.array(arbOverride, { maxLength: 30 }),
        fc.integer({ min: 0, max: YEAR / 60_000 }),
        fc.integer({ min: 1, max: 40 * 24 * 60 }),
        (zone, layers, overrides, fromMin, lengthMin) => {
          const s = schedule(zone, layers.map(toLayer), overrides);
          const from = new Date(T0 + fromMin * 60_000);
          const to = new Date(from.getTime() + lengthMin * 60_000);
          const segs = segments(s, from, to);
          expectWellFormed(segs, from, to);
          for (const seg of segs) {
            expect(onCallAt(s, seg.start)).toEqual(seg.onCall);
            expect([...onCallAt(s, new Date(seg.end.getTime() - 1))].sort()).toEqual([...seg.onCall].sort());
            const mid = new Date((seg.start.getTime() + seg.end.getTime()) / 2);
            expect([...onCallAt(s, mid)].sort()).toEqual([...seg.onCall].sort());
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("nextHandoff is the first change after `at`", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(arbLayer, { minLength: 1, maxLength: 3 }),
        fc.array(arbOverride, { maxLength: 10 }),
        fc.integer({ min: 0, max: YEAR / 60_000 }),
        (zone, layers, overrides, atMin) => {
          const s = schedule(zone, layers.map(toLayer), overrides);
          const at = new Date(T0 + atMin * 60_000);
          const h = nextHandoff(s, at);
          const now = [...onCallAt(s, at)].sort();
          if (h === null) {
            for (const seg of segments(s, at, new Date(at.getTime() + 2 * YEAR))) expect([...seg.onCall].sort()).toEqual(now);
            return;
          }
          expect(h.at.getTime()).toBeGreaterThan(at.getTime());
          expect(onCallAt(s, h.at)).toEqual(h.onCall);
          expect([...h.onCall].sort()).not.toEqual(now);
          const before = segments(s, at, h.at);
          expect(before).toHaveLength(1);
          expect([...before[0].onCall].sort()).toEqual(now);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("1,000 overrides: lookups agree with a linear scan", () => {
    const rnd = fc.sample(fc.array(arbOverride, { minLength: 1000, maxLength: 1000 }), { numRuns: 1, seed: 42 })[0];
    const s = schedule("America/New_York", [layer(["UA", "UB", "UC"], "1w", "2026-01-05T09:00"), layer(["UD"], "1d", "2026-01-05T09:00", [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00" }])], rnd);
    const indexed = rnd.map((o, i) => ({ o, i }));
    for (let t = T0; t < T0 + YEAR; t += 97 * 60_000) {
      const active = indexed
        .filter(({ o }) => o.start.getTime() <= t && t < o.end.getTime())
        .sort((a, b) => a.o.start.getTime() - b.o.start.getTime() || a.i - b.i)
        .map(({ o }) => o.user);
      const got = onCallAt(s, new Date(t));
      if (active.length > 0) expect(got).toEqual([...new Set(active)]);
      else expect(got.some((u) => u.startsWith("UO"))).toBe(false);
    }
    const month = segments(s, D("2026-06-01T00:00:00Z"), D("2026-07-01T00:00:00Z"));
    expectWellFormed(month, D("2026-06-01T00:00:00Z"), D("2026-07-01T00:00:00Z"));
    for (const seg of month) expect(onCallAt(s, seg.start)).toEqual(seg.onCall);
  });
});

describe("invalid schedules", () => {
  it("throw a RangeError naming the problem", () => {
    expect(() => onCallAt(schedule("Mars/Base", []), D("2026-01-01T00:00:00Z"))).toThrow(/unknown time zone "Mars\/Base"/);
    const bad = layer(["UA"], "1d", "2026-01-01T00:00");
    bad.rotation.every.amount = 0;
    expect(() => onCallAt(schedule("UTC", [bad]), D("2026-01-01T00:00:00Z"))).toThrow(RangeError);
    expect(() => onCallAt(schedule("UTC", []), new Date(NaN))).toThrow(RangeError);
  });
});
