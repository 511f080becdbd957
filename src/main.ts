// Start-up: config → database (embedded when DATABASE_URL is unset) → migrations → Slack app →
// engine; and a graceful shutdown on SIGTERM/SIGINT.
import path from "node:path";
import { systemClock } from "./clock.ts";
import { ConfigError, loadDotEnv, missingSlackCredentials, parseConfig, type Config } from "./config.ts";
import { createDb } from "./db/client.ts";
import { DatabaseClock } from "./db/clock.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./db/embedded.ts";
import { migrate } from "./db/migrate.ts";
import { createLogger, type Logger } from "./log.ts";
import { createBot } from "./slack/app.ts";
import { localPostmortemDir, startLocalMode } from "./local/mode.ts";
import { SAMPLE_USERS } from "./local/sample.ts";
import { unknownPlaceholders } from "./postmortem/draft/index.ts";
import { exporterFromEnv } from "./postmortem/export/config.ts";
import { ExportConfigError, type PostmortemExporter } from "./postmortem/export/exporter.ts";
import { loadTemplate, TemplateError } from "./postmortem/template.ts";

export const MANIFEST_HELP = `To create the Slack app in one step: open https://api.slack.com/apps?new_app=1, choose
"From a manifest", pick your workspace and paste slack-app-manifest.yml from this repository
(replace the example.com URLs with where the bot is reachable). Install it to the workspace, then
set SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token) and SLACK_SIGNING_SECRET
(Basic Information → Signing Secret) in .env, or SLACK_APP_TOKEN (an app-level token with
connections:write) to use Socket Mode. See .env.example.`;

export function loadConfig(log: Logger): Config {
  if (loadDotEnv()) log.info("read settings from .env");
  return parseConfig();
}

/** The database to use: DATABASE_URL, or an embedded PostgreSQL kept in DATA_DIR. */
export async function openDatabase(config: Config, log: Logger): Promise<{ url: string; embedded: EmbeddedPostgres | null }> {
  if (config.DATABASE_URL) {
    log.info("using the PostgreSQL at DATABASE_URL");
    return { url: config.DATABASE_URL, embedded: null };
  }
  const dataDir = path.resolve(config.DATA_DIR, "postgres");
  log.info(`DATABASE_URL is not set: starting an embedded PostgreSQL with its data in ${dataDir}`);
  const embedded = await startEmbeddedPostgres({ dataDir, log: (l) => log.info(l) });
  if (embedded.dataDir !== dataDir) log.info(`(PostgreSQL's own user cannot enter that folder, so the data lives in ${embedded.dataDir})`);
  const url = await embedded.createDatabase("incident_bot");
  log.info(`embedded PostgreSQL is listening on 127.0.0.1:${embedded.port}`);
  return { url, embedded };
}

/**
 * The postmortem exporter (from the POSTMORTEM_* / CONFLUENCE_* variables; a folder by default)
 * and the template (POSTMORTEM_TEMPLATE, or the one shipped in templates/). Problems are reported
 * by variable name and stop the start-up.
 */
export async function postmortemSetup(config: Config, log: Logger): Promise<{ exporter: PostmortemExporter; template: string }> {
  let exporter: PostmortemExporter;
  try {
    exporter = exporterFromEnv(process.env, { cacheDir: path.resolve(config.DATA_DIR, "wiki") });
  } catch (err) {
    if (err instanceof ExportConfigError) throw new ConfigError(err.problems);
    throw err;
  }
  let template: string;
  try {
    template = await loadTemplate(process.env.POSTMORTEM_TEMPLATE || null);
  } catch (err) {
    if (err instanceof TemplateError) throw new ConfigError([`POSTMORTEM_TEMPLATE: ${err.message}`]);
    throw err;
  }
  const unknown = unknownPlaceholders(template);
  if (unknown.length) log.warn(`postmortem template: placeholders I do not know are left as they are: ${unknown.join(", ")}`);
  log.info(`postmortem drafts are exported with the ${exporter.name} exporter`);
  return { exporter, template };
}

export async function serve(): Promise<void> {
  const log = createLogger((process.env.LOG_LEVEL as never) || "info");
  let config: Config;
  try {
    config = loadConfig(log);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
  const missing = missingSlackCredentials(config);
  // No Slack app yet: the real bot in a local workspace in the browser (src/local/), unless
  // INCIDENT_BOT_LOCAL=0 asks to be told what is missing and how to create the app instead.
  const local = missing.length > 0;
  if (local && process.env.INCIDENT_BOT_LOCAL === "0") {
    process.stderr.write(`Slack credentials are missing: ${missing.join(", ")}.\n\n${MANIFEST_HELP}\n`);
    process.exit(1);
  }
  if (local) {
    log.info(
      `Slack credentials are not set (${missing.join(", ")}): starting in local mode — open http://localhost:${config.PORT}/ ` +
        "in your browser to use the bot in a local workspace (set them to serve Slack; INCIDENT_BOT_LOCAL=0 exits instead)",
    );
    localPostmortemDir(config); // drafts go to <DATA_DIR>/postmortems unless POSTMORTEM_DIR says otherwise
  }
  const postmortem = await postmortemSetup(config, log);

  const { url, embedded } = await openDatabase(config, log);
  const result = await migrate(url);
  log.info(result.applied.length ? `applied migrations: ${result.applied.join(", ")}` : "database schema is up to date");
  const db = createDb(url, { onConnectionError: (err) => log.warn(`database connection lost: ${err.message}`) });
  let stop: () => Promise<void>;
  if (local) {
    const workspace = await startLocalMode({ config, db, log, port: config.PORT, postmortem });
    const people = SAMPLE_USERS.map((u) => u.realName ?? u.name).join(", ");
    log.info(`local workspace ready at http://localhost:${workspace.port}/ — act as ${people}; type /incident help in #general`);
    log.info(`postmortem drafts are written to ${workspace.postmortemDir}`);
    stop = () => workspace.stop();
  } else {
    const bot = createBot({
      db,
      clock: new DatabaseClock(db, systemClock),
      log,
      botToken: config.SLACK_BOT_TOKEN!,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      slackApiUrl: config.SLACK_API_URL,
      announceChannel: config.INCIDENT_ANNOUNCE_CHANNEL ?? null,
      engineTickSeconds: config.ENGINE_TICK_SECONDS,
      outboxLeaseSeconds: config.OUTBOX_LEASE_SECONDS,
      readyMaxOutboxAgeSeconds: config.READY_MAX_OUTBOX_AGE_SECONDS,
      healthPort: config.PORT,
      postmortem,
    });
    const port = await bot.start(config.PORT);
    if (port === null) log.info(`connected to Slack in Socket Mode (liveness and readiness: http://0.0.0.0:${config.PORT}/healthz and /readyz)`);
    else log.info(`serving Slack requests at http://0.0.0.0:${port}/slack/events (liveness: /healthz, readiness: /readyz)`);
    stop = () => bot.stop();
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: no new requests; finishing those in flight`);
    try {
      await stop();
      await db.$disconnect();
      await embedded?.stop();
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

export async function migrateCommand(): Promise<void> {
  const log = createLogger("info");
  const config = loadConfig(log);
  const { url, embedded } = await openDatabase(config, log);
  try {
    const result = await migrate(url);
    console.log(result.applied.length ? `Applied: ${result.applied.join(", ")}` : `Nothing to apply (${result.alreadyApplied} migrations already applied).`);
  } finally {
    await embedded?.stop();
  }
}
