// Opening the database, for serving and for every command: the PostgreSQL at DATABASE_URL, or an
// embedded one kept in DATA_DIR; migrated; closed again afterwards.
import path from "node:path";
import type { Config } from "./config.ts";
import { loadConfig, secretValues } from "./config.ts";
import { createDb, type Db } from "./db/client.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./db/embedded.ts";
import { migrate, type MigrateResult } from "./db/migrate.ts";
import { createLogger, type Level, type Logger } from "./log.ts";

/**
 * The logger the configuration asks for: LOG_LEVEL (or `level`), LOG_FORMAT (unset: pretty on a
 * terminal, JSON lines otherwise), on stderr, hiding the configured secrets wherever they appear.
 */
export function configuredLogger(config: Config, level: Level = config.LOG_LEVEL): Logger {
  return createLogger(level, { format: config.LOG_FORMAT, secrets: secretValues(config) });
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
  if (embedded.dataDir !== dataDir) log.info(`(PostgreSQL's own user cannot enter that folder, so the data lives in ${embedded.dataDir} and its password in ${embedded.passwordFile})`);
  const url = await embedded.createDatabase("incident_bot");
  log.info(`embedded PostgreSQL is listening on 127.0.0.1:${embedded.port}`);
  return { url, embedded };
}

export interface Runtime {
  db: Db;
  url: string;
  migrations: MigrateResult;
  /** Disconnects, and stops the embedded PostgreSQL if it was started. */
  close(): Promise<void>;
}

/** Opens and migrates the configured database. */
export async function openRuntime(config: Config, log: Logger, opts: { maxConnections?: number } = {}): Promise<Runtime> {
  const { url, embedded } = await openDatabase(config, log);
  try {
    const migrations = await migrate(url);
    const db = createDb(url, { max: opts.maxConnections, onConnectionError: (err) => log.warn(`database connection lost: ${err.message}`) });
    return {
      db,
      url,
      migrations,
      async close() {
        await db.$disconnect();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/** For a command: the configuration, and the database open and migrated while `fn` runs. */
export async function withDatabase<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // stdout is for the command's output (the log is on stderr); it says only what went wrong, unless asked for more
  const log = configuredLogger(config, config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
  const runtime = await openRuntime(config, log, { maxConnections: 2 });
  try {
    if (runtime.migrations.applied.length > 0) log.info(`applied migrations: ${runtime.migrations.applied.join(", ")}`);
    return await fn(runtime.db, config);
  } finally {
    await runtime.close();
  }
}
