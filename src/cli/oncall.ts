// `incident-bot oncall <schedule> …`: who is on call at an instant, or the final schedule between
// two instants as segments; from the database, or from a rota file alone (to preview a change);
// and `oncall ical`, a calendar feed's secret address.
import { loadConfig } from "../config.ts";
import { feedPath, makeCalendarFeed } from "../oncall/feeds.ts";
import { parseInstant } from "../oncall/rota-file.ts";
import { nextHandoff, onCallAt, segments, type Schedule } from "../oncall/schedule.ts";
import { loadSchedule, noSuchSchedule, scheduleNames } from "../oncall/store.ts";
import { formatLocal, instantToLocal, weekdayAt, zoneOffsetMinutes } from "../oncall/zoned.ts";
import { withDatabase } from "../runtime.ts";
import { guard, parseArgs, processIo, UsageError, type CliIo, type ParsedArgs } from "./args.ts";
import { readRota } from "./rota.ts";

export const ONCALL_USAGE = `Usage: incident-bot oncall <schedule> [--at <instant>] [--json] [--file <rota file>]
       incident-bot oncall <schedule> --from <instant> --to <instant> [--json] [--file <rota file>]
       incident-bot oncall ical <schedule> [--user <Slack user id>] [--rotate]

  --at <instant>     who is on call then (default: now)
  --from/--to        the final schedule between two instants, as consecutive segments
  --file <rota file> compute from the file alone, without the database
  --json             machine-readable output (instants in UTC)
  ical               make a calendar feed of the schedule (or of one person's shifts on it) and
                     print its secret address, <PUBLIC_URL>/ical/<token>.ics; --rotate replaces
                     the address of a feed that exists (the old one stops working)
  Instants are ISO 8601 with an offset, e.g. 2026-03-09T13:30:00Z or 2026-03-09T09:30:00-04:00.`;

const INSTANT_EXAMPLE = "e.g. 2026-03-09T13:30:00Z or 2026-03-09T09:30:00-04:00";

function instantFlag(parsed: ParsedArgs, name: string): Date | undefined {
  const value = parsed.flags.get(name);
  if (value === undefined) return undefined;
  if (value === "now") return new Date();
  const d = parseInstant(value);
  if (!d) throw new UsageError(`${name}: "${value}" is not an instant; give an ISO 8601 date and time with its offset, ${INSTANT_EXAMPLE}`);
  return d;
}

/** Later than any override (and still a timestamp PostgreSQL reads). */
const END_OF_TIME = new Date("9999-12-31T23:59:59.999Z");

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const WEEKDAY_TEXT = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" } as const;

/** "Mon 2026-03-09 09:30:00 -04:00" (the wall clock in the zone, with its offset then). */
export function localText(d: Date, zone: string): string {
  const local = formatLocal(instantToLocal(d, zone)).replace("T", " ");
  return `${WEEKDAY_TEXT[weekdayAt(d, zone)]} ${local} ${offsetText(zoneOffsetMinutes(d, zone))}`;
}

function who(users: string[]): string {
  return users.length === 0 ? "nobody" : users.join(", ");
}

/** `oncall ical <schedule> [--user <id>] [--rotate]`: a feed's secret address, shown once. */
async function icalCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, ["--user"], ["--rotate"]);
  const [name, ...extra] = parsed.positional;
  if (name === undefined) throw new UsageError("oncall ical needs the name of a schedule");
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const userId = (parsed.flags.get("--user") as string | undefined) ?? null;
  const config = loadConfig();
  const { token, replaced } = await withDatabase((db) => makeCalendarFeed(db, { schedule: name, userId, rotate: parsed.flags.has("--rotate"), now: new Date() }));
  const base = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  io.out(`${base}${feedPath(token)}`);
  const what = userId ? `${userId}'s shifts on ${name}` : `the shifts on ${name}`;
  io.err(`${replaced ? "Replaced the address of" : "Made"} the calendar feed of ${what}: subscribe to the address above (from 30 days ago to 180 days ahead). It is shown once; keep it secret.${config.PUBLIC_URL ? "" : " Set PUBLIC_URL to the address where people reach the bot."}`);
  return 0;
}

export async function oncallCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, ONCALL_USAGE, async () => {
    // `oncall ical <schedule>`: a schedule named ical is still shown by `oncall ical [--at …]`.
    if (args[0] === "ical" && args[1] !== undefined && !args[1].startsWith("-")) return icalCommand(args.slice(1), io);
    const parsed = parseArgs(args, ["--at", "--from", "--to", "--file"], ["--json", "--help", "-h"]);
    if (parsed.flags.has("--help") || parsed.flags.has("-h")) {
      io.out(ONCALL_USAGE);
      return 0;
    }
    const [name, ...extra] = parsed.positional;
    if (name === undefined) throw new UsageError("oncall needs the name of a schedule");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const json = parsed.flags.has("--json");
    const at = instantFlag(parsed, "--at");
    const from = instantFlag(parsed, "--from");
    const to = instantFlag(parsed, "--to");
    const file = parsed.flags.get("--file") as string | undefined;
    const range = from !== undefined || to !== undefined;
    if (range && at !== undefined) throw new UsageError("give either --at, or --from and --to, not both");
    if (range && (from === undefined || to === undefined)) throw new UsageError("--from and --to go together");
    if (range && to!.getTime() <= from!.getTime()) throw new UsageError("--to must be after --from");
    const instant = at ?? new Date();

    let schedule: Schedule | null;
    let known: string[];
    const window = range ? { from: from!, to: to! } : { from: instant, to: END_OF_TIME };
    if (file !== undefined) {
      const read = await readRota(file, io);
      if (!read.ok) return 1;
      schedule = read.rota.schedules.find((s) => s.name === name) ?? null;
      known = read.rota.schedules.map((s) => s.name);
    } else {
      const loaded = await withDatabase(async (db) => {
        const s = await loadSchedule(db, name, window);
        return { s, known: s ? [] : await scheduleNames(db) };
      });
      schedule = loaded.s;
      known = loaded.known;
    }
    if (!schedule) throw noSuchSchedule(name, known, file !== undefined ? { where: ` in ${file}`, hint: false } : {});
    const zone = schedule.timezone;

    if (range) {
      const segs = segments(schedule, from!, to!);
      if (json) {
        io.out(JSON.stringify({
          schedule: schedule.name,
          segments: segs.map((s) => ({ start: s.start.toISOString(), end: s.end.toISOString(), onCall: s.onCall })),
        }));
        return 0;
      }
      io.out(`Schedule ${schedule.name} (${zone}), from ${from!.toISOString()} to ${to!.toISOString()}:`);
      for (const s of segs) {
        io.out(`  ${s.start.toISOString()} → ${s.end.toISOString()}  (${localText(s.start, zone)} → ${localText(s.end, zone)})  ${who(s.onCall)}`);
      }
      return 0;
    }

    const onCall = onCallAt(schedule, instant);
    if (json) {
      io.out(JSON.stringify({ schedule: schedule.name, at: instant.toISOString(), onCall }));
      return 0;
    }
    io.out(`Schedule ${schedule.name} (${zone})`);
    io.out(`At ${instant.toISOString()} (${localText(instant, zone)} in ${zone})`);
    io.out(onCall.length === 0 ? "Nobody is on call." : `On call: ${onCall.join(", ")}`);
    const next = nextHandoff(schedule, instant);
    if (next) {
      const then = next.onCall.length === 0 ? "then nobody is on call" : `then ${next.onCall.join(", ")}`;
      io.out(`Until ${next.at.toISOString()} (${localText(next.at, zone)}), ${then}.`);
    } else {
      io.out(onCall.length === 0 ? "Nobody will be: the schedule has no shift after this." : "No handoff ahead: this does not change.");
    }
    return 0;
  });
}
