// What every domain's store shares for its transactions: the transaction type, the named advisory
// locks, running a unit of work in one transaction, and remembering requests already handled.
import type { Db, Prisma } from "./client.ts";

export type Tx = Prisma.TransactionClient;

/**
 * What a store function needs of a transaction to run raw statements: Prisma's transaction client
 * has it, and so has a transaction in SQL (db/sql.ts), the command path's.
 */
export interface RawTx {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}
/** A Prisma client or a transaction client: a read may run in either. */
export type DbClient = Db | Tx;

/**
 * Transaction-scoped advisory locks, by name. (Session-level locks would need a connection of
 * their own: through a pool they may be released on another connection.) The keys are those
 * earlier versions took, so a new process and an old one still exclude each other.
 */
export const LOCKS = {
  /** One declaration at a time takes the next incident number, so numbers have no gaps. */
  incidentNumber: [7201, 1],
  /** Two rota applies never interleave ("rota" in ASCII). */
  rotaApply: 0x726f7461,
} as const satisfies Record<string, number | readonly [number, number]>;

export async function advisoryLock(tx: Tx, lock: keyof typeof LOCKS): Promise<void> {
  const key: number | readonly [number, number] = LOCKS[lock];
  if (typeof key === "number") await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key}::bigint)`;
  else await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key[0]}::int, ${key[1]}::int)`;
}

export interface TransactionOptions {
  /** How long the whole transaction may take. */
  timeoutMs?: number;
  /** How long to wait for a connection. */
  maxWaitMs?: number;
}

/**
 * What a transaction wrote that this process should act on as soon as it commits: messages in an
 * outbox lane (deliver them), a page whose first step is due (arm the engine), or the access rules
 * (forget what was remembered of them). Other processes find the same on their next pass; this
 * only spares the wait.
 */
export type Wake = "pages" | "channel" | "exports" | "engine" | "access";
type CommitListener = (woken: ReadonlySet<Wake>) => void;

const wakesOf = new WeakMap<object, Set<Wake>>();
const commitHooks = new WeakMap<object, (() => void)[]>();
const listenersOf = new WeakMap<object, Set<CommitListener>>();

/** Says what `tx` wrote, for the listeners told after it commits (nothing if it rolls back). */
export function wakeAfterCommit(tx: RawTx, what: Wake): void {
  wakesOf.get(tx)?.add(what);
}

/** Tells `listener` what each committed transaction on `db` wrote. Returns the unsubscribe. */
export function onCommit(db: Db, listener: CommitListener): () => void {
  let listeners = listenersOf.get(db);
  if (!listeners) listenersOf.set(db, (listeners = new Set()));
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** What a transaction has said it wrote, and what is to run once it commits. */
export interface Watch {
  woken: Set<Wake>;
  hooks: (() => void)[];
}

/** Starts noting what `tx` writes (for a transaction runner: this one, or db/sql.ts). */
export function startWatching(tx: RawTx): Watch {
  const watch: Watch = { woken: new Set(), hooks: [] };
  wakesOf.set(tx, watch.woken);
  commitHooks.set(tx, watch.hooks);
  return watch;
}

/** The transaction committed: its hooks run, and the listeners of `db` are told what it wrote. */
export function committed(db: Db, watch: Watch): void {
  for (const hook of watch.hooks) {
    try {
      hook();
    } catch {
      // a hook (a metric) never turns a committed unit of work into a failure
    }
  }
  if (watch.woken.size > 0) for (const listener of listenersOf.get(db) ?? []) listener(watch.woken);
}

/** Runs `fn` as one transaction: a unit of work either happens whole or not at all. */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  let watch: Watch | null = null;
  const result = await db.$transaction(
    (tx) => {
      watch = startWatching(tx);
      return fn(tx);
    },
    { timeout: opts.timeoutMs ?? 15_000, maxWait: opts.maxWaitMs ?? 10_000 },
  );
  if (watch) committed(db, watch);
  return result;
}

/**
 * Runs `fn` once the transaction `tx` has committed (never when it rolls back): for what must
 * only count what really happened, such as metrics. Only transactions opened by inTransaction
 * (or db/sql.ts) know when they commit; for any other, `fn` is dropped.
 */
export function afterCommit(tx: RawTx, fn: () => void): void {
  commitHooks.get(tx)?.push(fn);
}

/** The first time a request is seen, or the answer given to it the first time. */
export type RequestClaim = { first: true } | { first: false; response: Prisma.JsonValue | null };

/**
 * Marks a request (a slash command's trigger id, a modal's view id, an event id) as handled in
 * this transaction, so a retried or double-submitted request changes nothing twice.
 */
export async function claimRequest(tx: RawTx, key: string | undefined, now: Date): Promise<RequestClaim> {
  if (!key) return { first: true };
  const inserted = await tx.$executeRaw`INSERT INTO processed_request (key, processed_at) VALUES (${key}, ${now}) ON CONFLICT (key) DO NOTHING`;
  if (inserted === 1) return { first: true };
  const rows = await tx.$queryRaw<{ response: Prisma.JsonValue | null }[]>`SELECT response FROM processed_request WHERE key = ${key}`;
  return { first: false, response: rows[0]?.response ?? null };
}

/** Keeps the answer to a request, for a retry of it to get the same one. */
export async function rememberResponse(tx: Tx, key: string | undefined, response: Prisma.InputJsonValue): Promise<void> {
  if (key) await tx.processedRequest.update({ where: { key }, data: { response } });
}

/** Handled requests only matter while Slack may still retry them: forgets those handled before `before`. */
export async function forgetRequests(db: Db, before: Date): Promise<number> {
  return (await db.processedRequest.deleteMany({ where: { processedAt: { lt: before } } })).count;
}

/** The database answers. */
export async function ping(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}

/** The names of the migrations applied (and not rolled back). */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  return rows.map((r) => r.migration_name);
}
