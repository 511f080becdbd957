/**
 * Calendar feeds of on-call shifts: an iCalendar file (RFC 5545) from the schedule's segments.
 * Pure: takes the segments (schedule.ts, the same ones `incident-bot oncall --from --to` prints)
 * and the time the file is made; no I/O, no clock.
 *
 * - One event per contiguous stretch on call per person (segments merged while the person stays
 *   on call, whoever else comes and goes), overrides included since the segments include them.
 * - Times in UTC (`…Z`), so no VTIMEZONE is needed and no calendar can misread a zone.
 * - `TRANSP:TRANSPARENT`: being on call does not make anyone look busy.
 * - `UID` = schedule, person and the shift's start: the same shift keeps its UID from one fetch to
 *   the next (its end may move, with an override), so a calendar updates it instead of adding a copy.
 *   The segments are computed from further back than the feed shows (`FEED_LOOKBACK_MS`) so that a
 *   shift under way at the window's start keeps its real start, and its UID, as the window slides.
 */
import { MS_PER_DAY } from "./zoned.ts";
import { segments, type Schedule, type Segment } from "./schedule.ts";

/** The feed shows the shifts from 30 days ago… */
export const FEED_PAST_MS = 30 * MS_PER_DAY;
/** …to 180 days ahead. */
export const FEED_AHEAD_MS = 180 * MS_PER_DAY;
/** How much further back shifts are looked for, so the first one keeps its real start. */
const FEED_LOOKBACK_MS = 30 * MS_PER_DAY;

/** One person's contiguous stretch on call, [start, end). */
export interface OnCallShift {
  userId: string;
  start: Date;
  end: Date;
}

/** Each person's contiguous stretches on call in consecutive segments, by start then person. */
export function shiftsOf(segs: Segment[]): OnCallShift[] {
  const out: OnCallShift[] = [];
  const open = new Map<string, Date>();
  for (const seg of segs) {
    for (const [userId, start] of open) {
      if (!seg.onCall.includes(userId)) {
        out.push({ userId, start, end: seg.start });
        open.delete(userId);
      }
    }
    for (const userId of seg.onCall) if (!open.has(userId)) open.set(userId, seg.start);
  }
  const last = segs.at(-1);
  if (last) for (const [userId, start] of open) out.push({ userId, start, end: last.end });
  return out.sort((a, b) => a.start.getTime() - b.start.getTime() || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/** The window a feed made at `now` shows. */
export function feedWindow(now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - FEED_PAST_MS), to: new Date(now.getTime() + FEED_AHEAD_MS) };
}

/**
 * The shifts of a feed: everyone's (or one person's) stretches on call that overlap `window`,
 * each ending at most at the window's end and starting where it really starts (up to 30 days
 * before the window). The schedule must hold its overrides from the lookback on.
 */
export function feedShifts(schedule: Schedule, window: { from: Date; to: Date }, userId: string | null = null): OnCallShift[] {
  const from = new Date(window.from.getTime() - FEED_LOOKBACK_MS);
  return shiftsOf(segments(schedule, from, window.to)).filter((s) => s.end.getTime() > window.from.getTime() && (userId === null || s.userId === userId));
}

/** How far back a feed's segments start (for loading the overrides it needs). */
export function feedLoadWindow(now: Date): { from: Date; to: Date } {
  const w = feedWindow(now);
  return { from: new Date(w.from.getTime() - FEED_LOOKBACK_MS), to: w.to };
}

// ---------------------------------------------------------------------------------------------
// RFC 5545 text

/** 20260309T130000Z */
export function icalUtc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 §3.3.11). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** Content lines longer than 75 octets are folded: CRLF and a space, never inside a UTF-8 character. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, "utf8");
    const limit = parts.length === 0 ? 75 : 74; // continuation lines start with the space
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

export interface FeedInput {
  schedule: string;
  /** The person the feed is about; null for everyone on the schedule. */
  userId: string | null;
  shifts: OnCallShift[];
  /** When the file is made (DTSTAMP). */
  generatedAt: Date;
}

/** The event's UID: stable for a shift of a person on a schedule, whatever its end. */
export function shiftUid(schedule: string, s: OnCallShift): string {
  return `${schedule}.${s.userId}.${icalUtc(s.start)}@incident-bot`;
}

/** The calendar file, CRLF line endings, lines folded. */
export function renderCalendar(input: FeedInput): string {
  const name = input.userId ? `On call: ${input.schedule} (${input.userId})` : `On call: ${input.schedule}`;
  const stamp = icalUtc(input.generatedAt);
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//incident-bot//on-call//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(name)}`,
    "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    "X-PUBLISHED-TTL:PT1H",
  ];
  for (const s of input.shifts) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${shiftUid(input.schedule, s)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${icalUtc(s.start)}`,
      `DTEND:${icalUtc(s.end)}`,
      // A person's own feed says the schedule; the schedule's feed says who.
      `SUMMARY:${escapeText(input.userId ? `On call: ${input.schedule}` : `On call: ${input.schedule} (${s.userId})`)}`,
      `DESCRIPTION:${escapeText(`${s.userId} is on call on ${input.schedule}. Pages come as direct messages from incident-bot.`)}`,
      "TRANSP:TRANSPARENT",
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
