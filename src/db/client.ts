// The Prisma client, talking to PostgreSQL through the node-postgres driver adapter
// (no native query engine).
//
// Every wait is bounded: getting a connection (a pool that is full, a server that accepts TCP
// but never answers), each query (a connection that died silently), and idle connections are
// dropped after a while. A PostgreSQL that restarts needs no restart of ours: broken connections
// are discarded and the next query opens a new one.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export { Prisma } from "../generated/prisma/client.ts";

export interface DbOptions {
  max?: number;
  /** Told about connections that broke while idle or in a transaction (the query itself fails on its own). */
  onConnectionError?: (err: Error) => void;
}

export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const onError = options.onConnectionError ?? (() => undefined);
  const adapter = new PrismaPg(
    {
      connectionString: databaseUrl,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5_000,
      query_timeout: 30_000,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
    },
    { onPoolError: onError, onConnectionError: onError },
  );
  return new PrismaClient({ adapter });
}
