// Opening the database for a command: the configured one (embedded when DATABASE_URL is unset),
// migrated, closed again afterwards.
import { createDb, type Db } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { createLogger, type Level } from "./log.ts";
import { loadConfig, openDatabase } from "./main.ts";

function logLevel(): Level {
  const l = process.env.LOG_LEVEL;
  return l === "debug" || l === "info" || l === "warn" || l === "error" ? l : "warn";
}

/** Opens the configured database (embedded when DATABASE_URL is unset), migrated; closes it after. */
export async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const log = createLogger(logLevel());
  const config = loadConfig(log);
  const { url, embedded } = await openDatabase(config, log);
  let db: Db | undefined;
  try {
    const result = await migrate(url);
    if (result.applied.length > 0) log.info(`applied migrations: ${result.applied.join(", ")}`);
    db = createDb(url, { max: 2 });
    return await fn(db);
  } finally {
    await db?.$disconnect();
    await embedded?.stop();
  }
}
