// The `incident-bot` command line.
import { ConfigError } from "./config.ts";
import { migrateCommand, serve } from "./main.ts";

const USAGE = `Usage: incident-bot <command>

Commands:
  serve      apply pending migrations, then serve Slack (what \`npm start\` runs)
  migrate    apply pending database migrations and exit
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
