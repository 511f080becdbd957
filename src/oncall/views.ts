// What Slack is told about on-call: who now, until when, who next; in the schedule's zone and
// in the asker's. Pure (Intl only).
import { parseInstant } from "./rota-file.ts";
import { nextHandoff, onCallAt, type Schedule } from "./schedule.ts";
import { addLocal, instantToLocal, localToInstant, parseLocalDateTime } from "./zoned.ts";

/** "Mon 9 Mar, 09:00 EDT": the instant on the wall clock of `zone`, with the zone's abbreviation. */
export function formatIn(at: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.day} ${parts.month}, ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

const who = (users: string[]) => (users.length ? users.map((u) => `<@${u}>`).join(", ") : "_nobody_");

export interface OverrideLine {
  id: number;
  user: string;
  start: Date;
  end: Date;
  source: string;
}

/** One schedule: on call now, until when, who is next, and the overrides to come. */
export function oncallText(schedule: Schedule, now: Date, askerZone: string | null, overrides: OverrideLine[] = []): string {
  const zone = schedule.timezone;
  const both = (at: Date) => (askerZone && askerZone !== zone ? `${formatIn(at, zone)} (${formatIn(at, askerZone)} your time)` : formatIn(at, zone));
  const current = onCallAt(schedule, now);
  const next = nextHandoff(schedule, now);
  const lines = [`*${schedule.name}* (${zone})`];
  lines.push(current.length ? `On call now: ${who(current)}` : "Nobody is on call now.");
  if (next) lines.push(`${current.length ? "Until" : "From"} ${both(next.at)}; then ${who(next.onCall)}.`);
  else lines.push("No change ahead.");
  if (overrides.length) {
    lines.push("Overrides:");
    for (const o of overrides) lines.push(`• #${o.id} ${who([o.user])} ${both(o.start)} → ${both(o.end)}${o.source === "file" ? " (from the rota file)" : ""}`);
  }
  return lines.join("\n");
}

const DURATION = /^(\d+)(m|h|d|w)$/;

/**
 * The instants of an override typed in Slack. `from`: `now`, an instant with an offset, or a
 * local date-time in the schedule's zone. `to`: the same, or a duration after `from` (days and
 * weeks in wall-clock time, so "1d" from 18:00 ends at 18:00 across a DST change).
 */
export function parseOverrideWindow(fromText: string, toText: string, zone: string, now: Date): { start: Date; end: Date } | { error: string } {
  const instant = (text: string): Date | null => {
    if (text.toLowerCase() === "now") return now;
    const withOffset = parseInstant(text);
    if (withOffset) return withOffset;
    const local = parseLocalDateTime(text);
    return local ? localToInstant(local, zone) : null;
  };
  const start = instant(fromText);
  if (!start) return { error: `\`${fromText}\` is not a time: use \`now\`, \`2026-03-07T18:00\` (in ${zone}) or \`2026-03-07T18:00:00-05:00\`.` };
  let end: Date | null;
  const d = DURATION.exec(toText);
  if (d) {
    const n = Number(d[1]);
    const unit = d[2] as "m" | "h" | "d" | "w";
    end = unit === "m" || unit === "h" ? new Date(start.getTime() + n * (unit === "m" ? 60_000 : 3_600_000)) : localToInstant(addLocal(instantToLocal(start, zone), n, unit), zone);
  } else end = instant(toText);
  if (!end) return { error: `\`${toText}\` is not an end time or a duration: use \`2026-03-09T09:00\`, or a duration like \`8h\`, \`2d\`, \`1w\`.` };
  if (end.getTime() <= start.getTime()) return { error: "The override must end after it starts." };
  return { start, end };
}
