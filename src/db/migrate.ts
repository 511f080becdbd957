// Applies the SQL migrations in prisma/migrations, in name order, each in its own transaction.
// It keeps the same `_prisma_migrations` table (and checksums) as `prisma migrate deploy`, so a
// database migrated here can later be managed by the Prisma CLI and the other way round. It needs
// no native engine and no network, which `prisma migrate` does.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { fromRoot } from "../paths.ts";

export const migrationsDir = fromRoot("prisma", "migrations");

/** The advisory lock `prisma migrate` takes too, so the two never run at once. */
const MIGRATION_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(databaseUrl: string, dir = migrationsDir): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  // A server that goes away mid-migration fails the query; without a listener the client's own
  // error event would end the process instead.
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const failed = rows.find((r) => r.finished_at === null);
    if (failed) {
      throw new Error(`Migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back.`);
    }
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const m of migrations) {
      const checksum = done.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied (checksum differs); add a new migration instead.`);
        }
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** A migration recorded in the database (rolled-back ones left out). */
export interface AppliedMigration {
  name: string;
  checksum: string;
  /** false: it started and failed, and was not rolled back. */
  finished: boolean;
}

export interface DatabaseStatus {
  /** PostgreSQL's version, as the server says it. */
  serverVersion: string;
  /** What the database records as applied; null when it has no migrations table at all. */
  applied: AppliedMigration[] | null;
}

/**
 * Connects and reads which migrations the database records, changing nothing (`incident-bot
 * doctor`). Every wait is bounded by `timeoutMs`.
 */
export async function databaseStatus(databaseUrl: string, opts: { timeoutMs?: number } = {}): Promise<DatabaseStatus> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const version = await client.query<{ server_version: string }>("SHOW server_version");
    const table = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
    if (!table.rows[0]?.t) return { serverVersion: version.rows[0]?.server_version ?? "?", applied: null };
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY migration_name`,
    );
    return {
      serverVersion: version.rows[0]?.server_version ?? "?",
      applied: rows.map((r) => ({ name: r.migration_name, checksum: r.checksum, finished: r.finished_at !== null })),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
