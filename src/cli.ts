// The `incident-bot` command line.
import { outboxCommand } from "./cli/outbox.ts";
import { ConfigError } from "./config.ts";
import { migrateCommand, serve } from "./main.ts";
import { oncallCommand, rotaCommand } from "./oncall/cli.ts";
import { postmortemCommand } from "./postmortem/cli.ts";

const USAGE = `Usage: incident-bot <command>

Commands:
  serve      apply pending migrations, then serve Slack (what \`npm start\` runs)
  migrate    apply pending database migrations and exit
  rota plan <file> [--prune]
             validate a rota file and print what applying it would change
  rota apply <file> [--prune]
             apply a rota file in one transaction (--prune deletes what the file no longer defines)
  oncall <schedule> [--at <instant>] [--json] [--file <rota file>]
             who is on call at an instant (default now); --file computes from the file alone
  oncall <schedule> --from <instant> --to <instant> [--json] [--file <rota file>]
             the final schedule between two instants, as consecutive segments
  postmortem show INC-<n>
             print the incident's postmortem draft (Markdown)
  postmortem export INC-<n>
             write the draft and export it to the wiki (updates the same document)
  outbox list [--failed]
             the messages not delivered yet (or only those that failed for good)
  outbox retry <id|--failed>
             deliver a failed message (or every failed message) again
  help       this help

Configuration comes from the environment and a .env file; see .env.example.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      await serve();
      return -1; // keeps running
    case "migrate":
      await migrateCommand();
      return 0;
    case "rota":
      return rotaCommand(rest);
    case "oncall":
      return oncallCommand(rest);
    case "postmortem":
      return postmortemCommand(rest);
    case "outbox":
      return outboxCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command: ${command}${rest.length ? ` ${rest.join(" ")}` : ""}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) console.error(`${err.message}\nSee .env.example for every variable.`);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
