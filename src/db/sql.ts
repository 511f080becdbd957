// Short transactions in SQL, for the command path (a note, a status update, a severity change):
// BEGIN, the statements, COMMIT on one connection of the pool Prisma uses, without Prisma's
// interactive-transaction machinery, which costs about a millisecond of CPU per transaction, more
// than the rest of a command's work (`npm run bench:commands` measures both ways).
//
// A transaction here offers what the stores' raw statements use: `$queryRaw` and `$executeRaw`,
// tagged templates as Prisma's, with the same values back (int8 as bigint, timestamptz as Date,
// json parsed), so a store function written against `RawTx` runs in either kind of transaction.
// Commit listeners and hooks (db/tx.ts) work the same.
import pg from "pg";
import { poolOf, Prisma, type Db } from "./client.ts";
import { committed, inTransaction, startWatching, type RawTx, type TransactionOptions } from "./tx.ts";

const INT8 = 20;
const INT8_ARRAY = 1016;
const NUMERIC = 1700;

/** Parses values as Prisma's raw queries return them (pg's defaults otherwise). */
const parserOf = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8) return (v: string) => BigInt(v);
    if (oid === INT8_ARRAY) return (v: string) => (parserOf(INT8_ARRAY)(v) as (string | null)[]).map((x) => (x === null ? null : BigInt(x)));
    if (oid === NUMERIC) return (v: string) => v;
    return parserOf(oid, format);
  },
};

class SqlTransaction implements RawTx {
  constructor(private readonly client: pg.PoolClient) {}

  private query(strings: TemplateStringsArray | Prisma.Sql, values: unknown[]) {
    const sql = strings instanceof Prisma.Sql ? strings : Prisma.sql(strings, ...values);
    return this.client.query({ text: sql.text, values: sql.values as unknown[], types: TYPES });
  }

  async $queryRaw<T = unknown>(strings: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
    return (await this.query(strings, values)).rows as T;
  }

  async $executeRaw(strings: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number> {
    return (await this.query(strings, values)).rowCount ?? 0;
  }
}

/**
 * Runs `fn` as one transaction in SQL (see above). A client not made by createDb (no pool of ours)
 * runs it in a Prisma transaction instead: same statements, same result.
 */
export async function inSqlTransaction<T>(db: Db, fn: (tx: RawTx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const pool = poolOf(db);
  if (!pool) return inTransaction(db, fn, opts);
  const client = await pool.connect();
  // A connection that breaks while checked out says so here (the query itself fails on its own).
  const onError = () => undefined;
  client.on("error", onError);
  const tx = new SqlTransaction(client);
  const watch = startWatching(tx);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(tx);
    await client.query("COMMIT");
    committed(db, watch);
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

/**
 * Runs reads on one connection of the pool, outside any transaction (no BEGIN/COMMIT): for a
 * request's lookups before its work. A client not made by createDb runs them on Prisma.
 */
export async function sqlRead<T>(db: Db, fn: (q: RawTx) => Promise<T>): Promise<T> {
  const pool = poolOf(db);
  if (!pool) return fn(db);
  const client = await pool.connect();
  const onError = () => undefined;
  client.on("error", onError);
  let broken: Error | undefined;
  try {
    return await fn(new SqlTransaction(client));
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    client.off("error", onError);
    // A failed read may have broken the connection: it is not given back to the pool then.
    client.release(broken && /connection|terminat|ECONN/i.test(broken.message) ? broken : undefined);
  }
}
