// Whose shifts a rota change moves: time on call gained and lost per person, from segments before
// and after, said on the schedule's wall clock.
import { describe, expect, it } from "vitest";
import { segments, type Schedule } from "../../../src/oncall/schedule.ts";
import { movesText, shiftMoves, wallClock } from "../../../src/oncall/shift-diff.ts";

const d = (h: number) => new Date(Date.UTC(2026, 0, 5, h));

describe("shift moves", () => {
  it("lists the time each person gains and loses; people whose time does not change are left out", () => {
    const before = [
      { start: d(0), end: d(8), onCall: ["A"] },
      { start: d(8), end: d(16), onCall: ["B"] },
      { start: d(16), end: d(24), onCall: ["C"] },
    ];
    const after = [
      { start: d(0), end: d(10), onCall: ["A"] }, // A gains two hours from B
      { start: d(10), end: d(16), onCall: ["B", "D"] }, // D joins B
      { start: d(16), end: d(24), onCall: ["C"] },
    ];
    expect(shiftMoves(before, after)).toEqual([
      { userId: "A", gained: [{ start: d(8), end: d(10) }], lost: [] },
      { userId: "B", gained: [], lost: [{ start: d(8), end: d(10) }] },
      { userId: "D", gained: [{ start: d(10), end: d(16) }], lost: [] },
    ]);
    expect(shiftMoves(before, before)).toEqual([]);
    expect(shiftMoves(before, [])).toEqual(["A", "B", "C"].map((u, i) => ({ userId: u, gained: [], lost: [{ start: d(8 * i), end: d(8 * i + 8) }] })));
  });

  it("says the moves on the schedule's wall clock, across a DST change", () => {
    // A weekly rotation of two in New York, then of the same two the other way round.
    const schedule = (members: string[]): Schedule => ({ name: "s", timezone: "America/New_York", overrides: [], layers: [{ name: "w", members, rotation: { every: { amount: 1, unit: "w" }, start: { year: 2026, month: 3, day: 2, hour: 9, minute: 0 } } }] });
    const from = new Date("2026-03-02T14:00:00Z");
    const to = new Date("2026-03-16T13:00:00Z");
    const [a, b] = shiftMoves(segments(schedule(["U1", "U2"]), from, to), segments(schedule(["U2", "U1"]), from, to));
    expect(movesText(a, "America/New_York")).toBe("gains Mon 9 Mar 09:00 → Mon 16 Mar 09:00, loses Mon 2 Mar 09:00 → Mon 9 Mar 09:00");
    expect(movesText(b, "America/New_York", "you")).toBe("you gain Mon 2 Mar 09:00 → Mon 9 Mar 09:00; you lose Mon 9 Mar 09:00 → Mon 16 Mar 09:00");
    expect(wallClock(new Date("2026-03-09T13:00:00Z"), "Europe/London")).toBe("Mon 9 Mar 13:00");
  });
});
