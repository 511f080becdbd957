// The process: `incident-bot serve` (configuration, database, the bot or the local workspace,
// signals) and every other command (src/cli/), with an exit that waits for the output to drain.
// The local workspace and the other commands are loaded only when asked for: a bot serving Slack
// does not carry them.
import { createApp, postmortemsFromConfig } from "./app.ts";
import { systemClock } from "./clock.ts";
import { ConfigError, loadConfig, missingSlackCredentials, serveMode, type Config } from "./config.ts";
import { DatabaseClock } from "./db/clock.ts";
import { configuredLogger, openRuntime } from "./runtime.ts";

export const MANIFEST_HELP = `To create the Slack app in one step: open https://api.slack.com/apps?new_app=1, choose
"From a manifest", pick your workspace and paste slack-app-manifest.yml from this repository
(replace the example.com URLs with where the bot is reachable). Install it to the workspace, then
set SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token) and SLACK_SIGNING_SECRET
(Basic Information → Signing Secret) in .env, or SLACK_APP_TOKEN (an app-level token with
connections:write) to use Socket Mode. See .env.example.`;

async function serve(): Promise<void> {
  // What is said before the configuration is read waits for the logger it asks for.
  const boot: string[] = [];
  let config: Config;
  try {
    config = loadConfig({ info: (msg) => void boot.push(msg) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = configuredLogger(config);
  for (const msg of boot) log.info(msg);
  // No Slack app yet, on a fresh start: the real bot in a local workspace in the browser
  // (src/local/). Anything half configured stops and says what is missing.
  const mode = serveMode(config);
  if (mode.mode === "stop") {
    process.stderr.write(`${mode.why}\n${mode.manifestHelp ? `\n${MANIFEST_HELP}\n` : ""}`);
    process.exit(1);
  }
  const local = mode.mode === "local";
  if (local) {
    log.info(
      `Slack credentials are not set (${missingSlackCredentials(config).join(", ") || "INCIDENT_BOT_LOCAL=1"}): starting in local mode — open http://localhost:${config.PORT}/ ` +
        "in your browser to use the bot in a local workspace (set them to serve Slack; INCIDENT_BOT_LOCAL=0 exits instead)",
    );
  } else if (!config.DATABASE_URL) {
    log.warn("serving Slack on the embedded PostgreSQL (EMBEDDED_POSTGRES=1): one host only, not for production");
  }
  let postmortems;
  try {
    // Local mode's drafts go to <DATA_DIR>/postmortems unless POSTMORTEM_DIR says otherwise.
    postmortems = await postmortemsFromConfig(config, log, local ? { defaultDir: (await import("./local/mode.ts")).localPostmortemDir(config) } : {});
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }

  const runtime = await openRuntime(config, log);
  const { applied } = runtime.migrations;
  log.info(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");
  let stop: () => Promise<void>;
  if (local) {
    const [{ startLocalMode }, { SAMPLE_USERS }] = await Promise.all([import("./local/mode.ts"), import("./local/sample.ts")]);
    const workspace = await startLocalMode({ config, db: runtime.db, log, port: config.PORT, postmortems });
    const people = SAMPLE_USERS.map((u) => u.realName ?? u.name).join(", ");
    log.info(`local workspace ready at http://localhost:${workspace.port}/ — act as ${people}; type /incident help in #general`);
    log.info(`postmortem drafts are written to ${workspace.postmortemDir}`);
    stop = () => workspace.stop();
  } else {
    const bot = createApp(config, { db: runtime.db, clock: new DatabaseClock(runtime.db, systemClock), log, postmortems });
    const port = await bot.start(config.PORT);
    if (port === null) log.info(`connected to Slack in Socket Mode (liveness, readiness and metrics: http://0.0.0.0:${config.PORT}/healthz, /readyz and /metrics)`);
    else log.info(`serving Slack requests at http://0.0.0.0:${port}/slack/events (liveness: /healthz, readiness: /readyz, metrics: /metrics)`);
    stop = () => bot.stop();
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: no new requests; finishing those in flight`);
    try {
      await stop();
      await runtime.close();
      log.info("stopped");
      process.exit(0);
    } catch (err) {
      log.error(`shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** Exits once what was written to stdout and stderr has been handed to the pipe (or terminal). */
function exitAfterOutput(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

const [command, ...rest] = process.argv.slice(2);
if (command === "serve") {
  await serve();
} else {
  import("./cli/index.ts").then(({ runCommand }) => runCommand([command, ...rest].filter((a) => a !== undefined))).then(exitAfterOutput, (err) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
    else process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    exitAfterOutput(1);
  });
}
