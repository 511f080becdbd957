// How a rota change moves people's shifts: the time each person gains and loses on call, from the
// schedule's segments before and after (overrides included). Pure: segments in, intervals out,
// and the words people read, in the schedule's zone.
import type { Segment } from "./schedule.ts";

/** [start, end) */
export interface Interval {
  start: Date;
  end: Date;
}

export interface ShiftMoves {
  userId: string;
  gained: Interval[];
  lost: Interval[];
}

/** Each person's time on call, as merged intervals in ms, in order. */
function onCallIntervals(segs: Segment[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of segs) {
    const [a, b] = [s.start.getTime(), s.end.getTime()];
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

/** The parts of `a` that `b` does not cover (both sorted, disjoint). */
function minus(a: [number, number][], b: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, end] of a) {
    let cursor = start;
    for (const [bs, be] of b) {
      if (be <= cursor || bs >= end) continue;
      if (bs > cursor) out.push([cursor, bs]);
      cursor = Math.max(cursor, be);
      if (cursor >= end) break;
    }
    if (cursor < end) out.push([cursor, end]);
  }
  return out;
}

/**
 * Who gains and who loses time on call between two versions of a schedule's segments over the
 * same window (either may be empty: a schedule created or deleted). People whose shifts do not
 * move are left out; people in user id order.
 */
export function shiftMoves(before: Segment[], after: Segment[]): ShiftMoves[] {
  const b = onCallIntervals(before);
  const a = onCallIntervals(after);
  const people = [...new Set([...b.keys(), ...a.keys()])].sort();
  const out: ShiftMoves[] = [];
  const dates = (list: [number, number][]) => list.map(([s, e]) => ({ start: new Date(s), end: new Date(e) }));
  for (const userId of people) {
    const gained = minus(a.get(userId) ?? [], b.get(userId) ?? []);
    const lost = minus(b.get(userId) ?? [], a.get(userId) ?? []);
    if (gained.length > 0 || lost.length > 0) out.push({ userId, gained: dates(gained), lost: dates(lost) });
  }
  return out;
}

/** "Mon 9 Mar 09:00" on the wall clock of `zone`. */
export function wallClock(at: Date, zone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

const intervals = (list: Interval[], zone: string) => list.map((i) => `${wallClock(i.start, zone)} → ${wallClock(i.end, zone)}`).join(", ");

/**
 * "gains Mon 9 Mar 09:00 → Mon 16 Mar 09:00, loses Mon 16 Mar 09:00 → Mon 23 Mar 09:00" (said of
 * someone), or "you gain …; you lose …" (said to them).
 */
export function movesText(m: ShiftMoves, zone: string, to: "them" | "you" = "them"): string {
  const [gain, lose, sep] = to === "you" ? ["you gain", "you lose", "; "] : ["gains", "loses", ", "];
  return [m.gained.length ? `${gain} ${intervals(m.gained, zone)}` : "", m.lost.length ? `${lose} ${intervals(m.lost, zone)}` : ""].filter(Boolean).join(sep);
}
