// The `incident-bot` commands but serve (which main.ts runs itself): one entry that dispatches by
// command and returns the exit code.
import { loadConfig } from "../config.ts";
import { configuredLogger, openRuntime } from "../runtime.ts";
import { guard, processIo, type CliIo } from "./args.ts";
import { doctorCommand } from "./doctor.ts";
import { oncallCommand } from "./oncall.ts";
import { integrationCommand } from "./integration.ts";
import { outboxCommand } from "./outbox.ts";
import { postmortemCommand } from "./postmortem.ts";
import { reportCommand } from "./report.ts";
import { rotaCommand } from "./rota.ts";
import { sloCommand } from "./slo.ts";

export const USAGE = `Usage: incident-bot <command>

Commands:
  serve      apply pending migrations, then serve Slack (what \`npm start\` runs)
  migrate    apply pending database migrations and exit
  doctor [--timeout <seconds>] [--json]
             check the database and migrations, the Slack token and scopes, the announce channel,
             the postmortem exporter and the rota's people; exits 1 when a check fails
  rota plan <file> [--prune]
             validate a rota file and print what applying it would change (and whose shifts move)
  rota apply <file> [--prune]
             apply a rota file in one transaction (--prune deletes what the file no longer defines);
             each person whose shifts move is told by direct message
  oncall <schedule> [--at <instant>] [--json] [--file <rota file>]
             who is on call at an instant (default now); --file computes from the file alone
  oncall <schedule> --from <instant> --to <instant> [--json] [--file <rota file>]
             the final schedule between two instants, as consecutive segments
  oncall ical <schedule> [--user <Slack user id>] [--rotate]
             print the secret address of a calendar feed of the schedule (or of one person's
             shifts on it); --rotate replaces the address of a feed that exists
  postmortem show INC-<n>
             print the incident's postmortem draft (Markdown)
  postmortem export INC-<n>
             write the draft and export it to the wiki (updates the same document; once people
             edited it, the draft goes next to it)
  slo [service] [--json]
             error budgets: objective, window, budget, spent, remaining, the incidents that
             spent it, the burn rate over the last 1 h and 6 h
  report [--from <date>] [--to <date>] [--by severity|service|commander] [--json|--csv]
             incident metrics (default: the last 30 days): incidents declared, median and p90
             time to acknowledge, mitigate and resolve, pages, each person's on-call load
  integration token <name>
             print a new token for an integration of the rota file (only line on stdout; the
             previous token stops working); only its hash is stored
  integration list
             the integrations applied, their URL path and whether each has a token
  outbox list [--failed]
             the messages not delivered yet (or only those that failed for good)
  outbox retry <id|--failed>
             deliver a failed message (or every failed message) again
  help       this help

Configuration comes from the environment and a .env file; see .env.example.`;

/** `incident-bot migrate`: applies pending migrations and exits. */
async function migrateCommand(io: CliIo): Promise<number> {
  return guard(io, USAGE, async () => {
    const config = loadConfig();
    const log = configuredLogger(config);
    const runtime = await openRuntime(config, log, { maxConnections: 1 });
    try {
      const { applied, alreadyApplied } = runtime.migrations;
      io.out(applied.length ? `Applied: ${applied.join(", ")}` : `Nothing to apply (${alreadyApplied} migrations already applied).`);
      return 0;
    } finally {
      await runtime.close();
    }
  });
}

/** Runs a command (all but serve) and returns its exit code. */
export async function runCommand(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "migrate":
      return migrateCommand(io);
    case "doctor":
      return doctorCommand(rest, io);
    case "rota":
      return rotaCommand(rest, io);
    case "oncall":
      return oncallCommand(rest, io);
    case "postmortem":
      return postmortemCommand(rest, io);
    case "outbox":
      return outboxCommand(rest);
    case "slo":
      return sloCommand(rest, io);
    case "report":
      return reportCommand(rest, io);
    case "integration":
    case "integrations":
      return integrationCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return 0;
    default:
      io.err(`Unknown command: ${command}${rest.length ? ` ${rest.join(" ")}` : ""}\n\n${USAGE}`);
      return 2;
  }
}
