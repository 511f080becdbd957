// `incident-bot report [--from <date>] [--to <date>] [--by severity|service|commander] [--json|--csv]`:
// the incident metrics over a window, as `/incident stats` says them (every incident: the command
// line is the operator's). Time zones come from Slack when SLACK_BOT_TOKEN is set; otherwise (or
// when Slack does not say) from the first schedule naming the person, else UTC.
import { systemClock } from "../clock.ts";
import { GROUP_BY, type GroupBy } from "../report/aggregate.ts";
import { incidentReport } from "../report/service.ts";
import { reportCsv, reportJson, reportText } from "../report/views.ts";
import { parseInstant } from "../oncall/rota-file.ts";
import { withDatabase } from "../runtime.ts";
import { SlackUsers } from "../slack/users.ts";
import { createWebClient } from "../slack/web-client.ts";
import { guard, parseArgs, processIo, UsageError, type CliIo } from "./args.ts";

export const REPORT_USAGE = `Usage: incident-bot report [--from <date>] [--to <date>] [--by severity|service|commander] [--json|--csv]

  Incident metrics: incidents declared (by severity and service), median and p90 of the time to
  acknowledge, mitigate and resolve, pages sent, acknowledged and exhausted, and each person's
  on-call load (pages received, pages outside working hours, hours on call).
  --from <date>   start of the window: a UTC date (2026-03-01, from its midnight) or an ISO instant
                  with its offset (2026-03-01T09:00:00Z); default: 30 days before --to
  --to <date>     end of the window: a UTC date (2026-03-31, up to the end of that day) or an ISO
                  instant; default: now
  --by <key>      group the counts and durations by severity (the highest reached), service or
                  commander
  --json          machine-readable output (durations in ms, instants in UTC)
  --csv           one row per group, with a header`;

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;

/** A UTC date (`--from`: its midnight; `--to`: the next midnight, so the day is included) or an ISO instant. */
export function parseReportDate(flag: "--from" | "--to", value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (at.toISOString().slice(0, 10) !== value) throw new UsageError(`${flag}: "${value}" is not a date that exists`);
    return flag === "--to" ? new Date(at.getTime() + DAY_MS) : at;
  }
  const instant = parseInstant(value);
  if (!instant) throw new UsageError(`${flag}: "${value}" is not a date; give a UTC date such as 2026-03-01 or an ISO instant with its offset such as 2026-03-01T09:00:00Z`);
  return instant;
}

export interface ReportRequest {
  from: Date;
  to: Date;
  by: GroupBy | null;
  format: "text" | "json" | "csv";
}

/** The command line, checked: what to report (a UsageError when it cannot be). */
export function parseReportArgs(args: string[], now: Date): ReportRequest {
  const parsed = parseArgs(args, ["--from", "--to", "--by"], ["--json", "--csv"]);
  if (parsed.positional.length > 0) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
  const fromText = parsed.flags.get("--from") as string | undefined;
  const toText = parsed.flags.get("--to") as string | undefined;
  const to = toText !== undefined ? parseReportDate("--to", toText) : now;
  const from = fromText !== undefined ? parseReportDate("--from", fromText) : new Date(to.getTime() - DEFAULT_DAYS * DAY_MS);
  if (to.getTime() <= from.getTime()) throw new UsageError(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
  const byText = parsed.flags.get("--by") as string | undefined;
  if (byText !== undefined && !(GROUP_BY as readonly string[]).includes(byText)) throw new UsageError(`--by: "${byText}" is not one of ${GROUP_BY.join(", ")}`);
  if (parsed.flags.has("--json") && parsed.flags.has("--csv")) throw new UsageError("give --json or --csv, not both");
  const format = parsed.flags.has("--json") ? "json" : parsed.flags.has("--csv") ? "csv" : "text";
  return { from, to, by: (byText as GroupBy | undefined) ?? null, format };
}

export async function reportCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, REPORT_USAGE, async () => {
    const req = parseReportArgs(args, systemClock.now());
    return withDatabase(async (db, config) => {
      const users = config.SLACK_BOT_TOKEN ? new SlackUsers(createWebClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL)) : null;
      const report = await incidentReport(db, { from: req.from, to: req.to, by: req.by, zoneOf: users ? (u) => users.timeZone(u) : undefined });
      if (req.format === "json") io.out(JSON.stringify(reportJson(report), null, 2));
      else if (req.format === "csv") io.out(reportCsv(report));
      else io.out(reportText(report, ""));
      return 0;
    });
  });
}
