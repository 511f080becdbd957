/**
 * Wall clock <-> instant conversion for an IANA time zone, using only Intl.
 *
 * The rules (see TIME.md):
 * - a local time that does not exist (spring-forward gap) maps to the instant the clocks jump,
 *   i.e. the first instant after the gap; it is NOT shifted by the length of the gap;
 * - a local time that happens twice (fall-back overlap) maps to its first occurrence.
 *
 * Internally a local date-time is handled as a "naive" millisecond count: the same fields read as
 * if they were UTC. Plain wall-clock arithmetic (add hours/days/weeks) is then exact addition,
 * because the naive scale has no daylight-saving changes.
 */

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number; // 0-23
  minute: number; // 0-59
  second?: number; // 0-59, default 0
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** Monday first, as ISO 8601 numbers them (index 0 = Monday). */
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export type LocalUnit = "s" | "m" | "h" | "d" | "w";

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const MS_PER_WEEK = 7 * MS_PER_DAY;

const UNIT_MS: Record<LocalUnit, number> = {
  s: MS_PER_SECOND,
  m: MS_PER_MINUTE,
  h: MS_PER_HOUR,
  d: MS_PER_DAY,
  w: MS_PER_WEEK,
};

// ---------------------------------------------------------------------------------------------
// Naive (field) arithmetic
// ---------------------------------------------------------------------------------------------

/** The fields of a local date-time read as if they were UTC, in ms. */
export function localToNaive(local: LocalDateTime): number {
  const { year, month, day, hour, minute } = local;
  const second = local.second ?? 0;
  if (year >= 100 || year < 0) {
    return Date.UTC(year, month - 1, day, hour, minute, second);
  }
  // Date.UTC maps years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** Inverse of localToNaive (sub-second part dropped). */
export function naiveToLocal(naiveMs: number): LocalDateTime {
  const d = new Date(naiveMs);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/**
 * Plain wall-clock arithmetic: add `amount` units to the naive local date-time (no time zone is
 * involved, so 24 hours is always one day). Month and year roll over as on a calendar.
 */
export function addLocal(local: LocalDateTime, amount: number, unit: LocalUnit): LocalDateTime {
  if (!Number.isFinite(amount)) throw new RangeError(`addLocal: amount must be finite, got ${amount}`);
  const ms = UNIT_MS[unit];
  if (ms === undefined) throw new RangeError(`addLocal: unknown unit ${String(unit)}`);
  return naiveToLocal(localToNaive(local) + amount * ms);
}

export const addHours = (local: LocalDateTime, n: number): LocalDateTime => addLocal(local, n, "h");
export const addDays = (local: LocalDateTime, n: number): LocalDateTime => addLocal(local, n, "d");
export const addWeeks = (local: LocalDateTime, n: number): LocalDateTime => addLocal(local, n, "w");

/** Compare two local date-times by their fields (negative, 0, positive). */
export function compareLocal(a: LocalDateTime, b: LocalDateTime): number {
  return localToNaive(a) - localToNaive(b);
}

/** Day of the week of a local calendar date. */
export function weekdayOf(date: LocalDate): Weekday {
  const naive = localToNaive({ year: date.year, month: date.month, day: date.day, hour: 0, minute: 0 });
  return WEEKDAYS[weekdayIndexOfNaive(naive)];
}

/** 0 = Monday ... 6 = Sunday for a naive ms value. */
export function weekdayIndexOfNaive(naiveMs: number): number {
  // 1970-01-01 was a Thursday (index 3).
  const days = Math.floor(naiveMs / MS_PER_DAY);
  return (((days + 3) % 7) + 7) % 7;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when the fields form a real calendar date and a valid 24-hour clock time. */
export function isValidLocalDateTime(local: LocalDateTime): boolean {
  const { year, month, day, hour, minute } = local;
  const second = local.second ?? 0;
  const ints = [year, month, day, hour, minute, second];
  if (!ints.every((n) => Number.isInteger(n))) return false;
  if (month < 1 || month > 12) return false;
  if (day < 1 || day > daysInMonth(year, month)) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  return true;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parse `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (no offset); null if malformed or not a real date. */
export function parseLocalDateTime(text: string): LocalDateTime | null {
  const m = LOCAL_RE.exec(text);
  if (!m) return null;
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
  };
  return isValidLocalDateTime(local) ? local : null;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** `YYYY-MM-DDTHH:MM:SS` */
export function formatLocal(local: LocalDateTime): string {
  return (
    `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}` +
    `T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second ?? 0)}`
  );
}

// ---------------------------------------------------------------------------------------------
// Zones and offsets
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // Throws RangeError for an unknown zone.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      era: "short",
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * True for an IANA time zone name Intl knows (`America/New_York`, `UTC`, `Etc/GMT+5`).
 * Raw offsets such as `-05:00` are rejected: a schedule needs a zone with its rules (TIME.md rule 1).
 */
export function isValidZone(zone: string): boolean {
  if (typeof zone !== "string" || zone.length === 0) return false;
  if (/^[+\-\u2212]/.test(zone) || /^\d/.test(zone)) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function assertZone(zone: string): void {
  if (!isValidZone(zone)) throw new RangeError(`unknown time zone "${zone}"`);
}

// "01/02/2026 AD, 13:04:05" (era added so years before 1 stay unambiguous)
const FORMAT_RE = /^(\d+)\/(\d+)\/(\d+)\s+(\S+),?\s+(\d+):(\d+):(\d+)$/;

/** Offset (local minus UTC, in ms) at an instant that is a whole second, straight from Intl. */
function rawOffset(zone: string, ms: number): number {
  const text = formatterFor(zone).format(new Date(ms));
  const m = FORMAT_RE.exec(text.replace(/\u202f|\u00a0/g, " "));
  let naive: number;
  if (m) {
    let year = Number(m[3]);
    if (/^B/i.test(m[4])) year = 1 - year; // "BC"
    const hour = Number(m[5]) % 24;
    naive = localToNaive({
      year,
      month: Number(m[1]),
      day: Number(m[2]),
      hour,
      minute: Number(m[6]),
      second: Number(m[7]),
    });
  } else {
    // Fallback for unexpected formatting: the slower, structured path.
    const parts: Record<string, string> = {};
    for (const p of formatterFor(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
    let year = Number(parts.year);
    if (parts.era && /^B/i.test(parts.era)) year = 1 - year;
    naive = localToNaive({
      year,
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour) % 24,
      minute: Number(parts.minute),
      second: Number(parts.second),
    });
  }
  return naive - ms;
}

/**
 * Offset cache. The time line is cut into UTC hours; for each hour we store either its single
 * offset or, when the offset differs at the two ends, the exact transition instant (found by
 * binary search to the second) and the offsets before and after it. Assumes at most one offset
 * change inside any one UTC hour, which holds for every zone in the tz database.
 */
type HourEntry = number | { at: number; before: number; after: number };

const hourCaches = new Map<string, Map<number, HourEntry>>();
const MAX_CACHED_HOURS = 200_000;

function hourEntry(zone: string, hour: number): HourEntry {
  let cache = hourCaches.get(zone);
  if (!cache) {
    cache = new Map();
    hourCaches.set(zone, cache);
  }
  let entry = cache.get(hour);
  if (entry !== undefined) return entry;
  const start = hour * MS_PER_HOUR;
  const end = start + MS_PER_HOUR;
  const before = rawOffset(zone, start);
  const after = rawOffset(zone, end);
  if (before === after) {
    entry = before;
  } else {
    // Smallest whole second s in (start, end] with offset == after.
    let lo = start / 1000; // offset(lo) == before
    let hi = end / 1000; // offset(hi) == after
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (rawOffset(zone, mid * 1000) === before) lo = mid;
      else hi = mid;
    }
    entry = { at: hi * 1000, before, after };
  }
  if (cache.size >= MAX_CACHED_HOURS) cache.clear();
  cache.set(hour, entry);
  return entry;
}

/** Offset of the zone at an instant, in ms (local minus UTC; New York in winter: -18,000,000). */
export function offsetMsAt(zone: string, instantMs: number): number {
  const entry = hourEntry(zone, Math.floor(instantMs / MS_PER_HOUR));
  if (typeof entry === "number") return entry;
  return instantMs < entry.at ? entry.before : entry.after;
}

function toMs(date: Date | number): number {
  const ms = typeof date === "number" ? date : date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid date");
  return ms;
}

/** Offset in minutes (local minus UTC) at an instant: 330 for Asia/Kolkata. */
export function zoneOffsetMinutes(date: Date | number, zone: string): number {
  assertZone(zone);
  return offsetMsAt(zone, toMs(date)) / MS_PER_MINUTE;
}

/** The naive local ms (fields read as UTC) of an instant in a zone. */
export function instantToNaive(instantMs: number, zone: string): number {
  return instantMs + offsetMsAt(zone, instantMs);
}

/** The wall-clock date and time (to the second) of an instant in a zone. */
export function instantToLocal(date: Date | number, zone: string): LocalDateTime {
  assertZone(zone);
  const ms = toMs(date);
  const floored = Math.floor(ms / 1000) * 1000;
  return naiveToLocal(instantToNaive(floored, zone));
}

// Offsets lie within [-13h, +15h] for every zone in use, so a local time t has its solutions
// u = t - offset within [t - 15h, t + 13h].
const WINDOW_BEFORE = 15 * MS_PER_HOUR;
const WINDOW_AFTER = 13 * MS_PER_HOUR;

/**
 * The instant (ms) of a naive local time in a zone, by TIME.md rules 3 and 4: the first
 * occurrence of a repeated time; for a time in a gap, the instant the clocks jump.
 */
export function naiveToInstant(naive: number, zone: string): number {
  const early = offsetMsAt(zone, naive - WINDOW_BEFORE);
  const late = offsetMsAt(zone, naive + WINDOW_AFTER);
  const uEarly = naive - early;
  const earlyValid = offsetMsAt(zone, uEarly) === early;
  if (early === late) {
    if (earlyValid) return uEarly;
    // More than one change inside the window (never seen in practice): try the offset found.
    return fallbackSolve(naive, zone);
  }
  const uLate = naive - late;
  const lateValid = offsetMsAt(zone, uLate) === late;
  if (earlyValid && lateValid) return Math.min(uEarly, uLate); // repeated: first occurrence
  if (earlyValid) return uEarly;
  if (lateValid) return uLate;
  // In a gap: the offset grows from `early` to `late` at some instant T with
  // uLate < T <= uEarly. The clocks jump at T; that is the answer.
  return transitionBetween(zone, Math.min(uEarly, uLate), Math.max(uEarly, uLate), late, naive);
}

function transitionBetween(zone: string, lo: number, hi: number, after: number, naive: number): number {
  // Smallest instant in (lo, hi] whose offset is `after` (offsets are constant on whole hours
  // except at the cached transition instant, which is exact).
  const hLo = Math.floor(lo / MS_PER_HOUR);
  const hHi = Math.floor(hi / MS_PER_HOUR);
  for (let h = hLo; h <= hHi; h++) {
    const entry = hourEntry(zone, h);
    if (typeof entry !== "number" && entry.after === after && entry.at > lo && entry.at <= hi) {
      return entry.at;
    }
  }
  // Not found (should not happen): fall back to a second-resolution binary search.
  let a = Math.floor(lo / 1000);
  let b = Math.ceil(hi / 1000);
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (mid * 1000 + offsetMsAt(zone, mid * 1000) > naive) b = mid;
    else a = mid;
  }
  return b * 1000;
}

function fallbackSolve(naive: number, zone: string): number {
  const candidates = new Set<number>();
  for (let d = -WINDOW_BEFORE; d <= WINDOW_AFTER; d += MS_PER_HOUR) {
    candidates.add(offsetMsAt(zone, naive + d));
  }
  const solutions = [...candidates].map((o) => naive - o).filter((u) => instantToNaive(u, zone) === naive);
  if (solutions.length > 0) return Math.min(...solutions);
  // Gap: first instant whose wall clock is past `naive`.
  let lo = Math.floor((naive - WINDOW_BEFORE) / 1000);
  let hi = Math.ceil((naive + WINDOW_AFTER) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (instantToNaive(mid * 1000, zone) > naive) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/**
 * The instant of a wall-clock date-time in a zone (TIME.md rules 3 and 4).
 * 2026-03-08T02:30 in America/New_York (skipped) -> 07:00Z (03:00 EDT, when the clocks jump);
 * 2026-11-01T01:30 (happens twice) -> 05:30Z (the first, EDT, occurrence).
 */
export function localToInstant(local: LocalDateTime, zone: string): Date {
  assertZone(zone);
  if (!isValidLocalDateTime(local)) {
    throw new RangeError(`not a valid local date-time: ${JSON.stringify(local)}`);
  }
  return new Date(naiveToInstant(localToNaive(local), zone));
}

/** Weekday of an instant in a zone. */
export function weekdayAt(date: Date | number, zone: string): Weekday {
  assertZone(zone);
  return WEEKDAYS[weekdayIndexOfNaive(instantToNaive(toMs(date), zone))];
}
