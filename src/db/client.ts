// The Prisma client, talking to PostgreSQL through the node-postgres driver adapter
// (no native query engine).
//
// Every wait is bounded: getting a connection (a pool that is full, a server that accepts TCP
// but never answers), each query (a connection that died silently), and idle connections are
// dropped after a while. A PostgreSQL that restarts needs no restart of ours: broken connections
// are discarded and the next query opens a new one.
//
// The pool is ours and Prisma's: the command path's short transactions (db/sql.ts) take their
// connection from it too, so the limits above hold for every query the process makes.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export { Prisma } from "../generated/prisma/client.ts";

export interface DbOptions {
  max?: number;
  /** Told about connections that broke while idle or in a transaction (the query itself fails on its own). */
  onConnectionError?: (err: Error) => void;
}

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const onError = options.onConnectionError ?? (() => undefined);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
  });
  const adapter = new PrismaPg(pool, { onPoolError: onError, onConnectionError: onError, disposeExternalPool: true });
  // Minimal error messages: no stack trace captured on every query for a prettier message.
  const db = new PrismaClient({ adapter, errorFormat: "minimal" });
  pools.set(db, pool);
  return db;
}

/** The connection pool a client made with createDb uses (for db/sql.ts). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}
