// `incident-bot rota plan|apply <file>` and `incident-bot oncall <schedule> ...`.
// Exit codes: 0 ok, 1 invalid file / unknown schedule (or another failure), 2 usage error.
import { readFile } from "node:fs/promises";
import { ConfigError } from "../config.ts";
import { createLogger } from "../log.ts";
import { loadConfig } from "../main.ts";
import { withDatabase } from "../runtime.ts";
import { applyRota, formatPlan, planRota } from "./apply.ts";
import { parseInstant, parseRotaFile, type Rota } from "./rota-file.ts";
import { nextHandoff, onCallAt, segments, type Schedule } from "./schedule.ts";
import { listSchedules, loadSchedule } from "./store.ts";
import { unknownSlackUsers } from "./slack-users.ts";
import { createWebClient } from "../slack/web-client.ts";
import { formatLocal, instantToLocal, weekdayAt, zoneOffsetMinutes } from "./zoned.ts";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

export const ROTA_USAGE = `Usage: incident-bot rota plan <file> [--prune]
       incident-bot rota apply <file> [--prune]

  plan    validate the rota file and print what applying it would change
  apply   make those changes, in one transaction
  --prune also delete the schedules, escalation policies and services that are stored but no
          longer in the file (without it they are kept)`;

export const ONCALL_USAGE = `Usage: incident-bot oncall <schedule> [--at <instant>] [--json] [--file <rota file>]
       incident-bot oncall <schedule> --from <instant> --to <instant> [--json] [--file <rota file>]

  --at <instant>     who is on call then (default: now)
  --from/--to        the final schedule between two instants, as consecutive segments
  --file <rota file> compute from the file alone, without the database
  --json             machine-readable output (instants in UTC)
  Instants are ISO 8601 with an offset, e.g. 2026-03-09T13:30:00Z or 2026-03-09T09:30:00-04:00.`;

const INSTANT_EXAMPLE = "e.g. 2026-03-09T13:30:00Z or 2026-03-09T09:30:00-04:00";

class UsageError extends Error {}

interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** `--name value`, `--name=value` and boolean flags; anything else is positional. */
function parseArgs(args: string[], valued: string[], booleans: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (flags.has(name)) throw new UsageError(`${name} is given twice`);
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return { positional, flags };
}

function instantFlag(parsed: ParsedArgs, name: string): Date | undefined {
  const value = parsed.flags.get(name);
  if (value === undefined) return undefined;
  if (value === "now") return new Date();
  const d = parseInstant(value);
  if (!d) throw new UsageError(`${name}: "${value}" is not an instant; give an ISO 8601 date and time with its offset, ${INSTANT_EXAMPLE}`);
  return d;
}

type RotaRead = { ok: true; rota: Rota } | { ok: false };

async function readRota(file: string, io: CliIo): Promise<RotaRead> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    io.err(`Cannot read the rota file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    return { ok: false };
  }
  const parsed = parseRotaFile(text, file);
  if (!parsed.ok) {
    io.err(`${file} is not a valid rota file (${parsed.errors.length} ${parsed.errors.length === 1 ? "error" : "errors"}):`);
    for (const e of parsed.errors) io.err(`  ${e}`);
    return { ok: false };
  }
  return parsed;
}

/**
 * With the bot's token configured, the people the file names must exist in Slack. Without it (or
 * when Slack cannot be reached) the check is skipped, and that is said.
 */
async function knownToSlack(file: string, rota: Rota, io: CliIo): Promise<boolean> {
  const config = loadConfig(createLogger("warn"));
  if (!config.SLACK_BOT_TOKEN) return true;
  try {
    const errors = await unknownSlackUsers(rota, createWebClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL));
    if (errors.length === 0) return true;
    io.err(`${file} names people Slack does not know (${errors.length} ${errors.length === 1 ? "error" : "errors"}):`);
    for (const e of errors) io.err(`  ${e}`);
    return false;
  } catch (err) {
    io.err(`Could not check the file's users with Slack (${(err as Error).message}); carrying on without that check.`);
    return true;
  }
}

async function guard(io: CliIo, usage: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message}\nSee .env.example for every variable.`);
      return 1;
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// rota plan|apply
// ---------------------------------------------------------------------------------------------

export async function rotaCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, ROTA_USAGE, async () => {
    const parsed = parseArgs(args, [], ["--prune", "--help", "-h"]);
    if (parsed.flags.has("--help") || parsed.flags.has("-h")) {
      io.out(ROTA_USAGE);
      return 0;
    }
    const [sub, file, ...extra] = parsed.positional;
    if (sub !== "plan" && sub !== "apply") {
      throw new UsageError(sub === undefined ? "rota needs plan or apply" : `unknown rota command "${sub}" (use plan or apply)`);
    }
    if (file === undefined) throw new UsageError(`rota ${sub} needs the rota file`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const prune = parsed.flags.has("--prune");

    const read = await readRota(file, io);
    if (!read.ok) return 1;
    if (!(await knownToSlack(file, read.rota, io))) return 1;
    const plan = await withDatabase((db) => (sub === "plan" ? planRota(db, read.rota, { prune }) : applyRota(db, read.rota, { prune })));
    io.out(formatPlan(plan, { applied: sub === "apply" }));
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// oncall
// ---------------------------------------------------------------------------------------------

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

export async function oncallCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, ONCALL_USAGE, async () => {
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
        return { s, known: s ? [] : (await listSchedules(db)).map((x) => x.name) };
      });
      schedule = loaded.s;
      known = loaded.known;
    }
    if (!schedule) {
      const where = file !== undefined ? ` in ${file}` : "";
      io.err(
        known.length > 0
          ? `There is no schedule "${name}"${where}. Schedules: ${known.join(", ")}.`
          : `There is no schedule "${name}"${where}${file === undefined ? " (no schedules yet: apply a rota file with `incident-bot rota apply <file>`)" : ""}.`,
      );
      return 1;
    }
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
