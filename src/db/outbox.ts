// The outbox, as every domain writes to it: the Slack and wiki writes an action causes, recorded
// in the transaction that causes them, delivered by the engine after the commit (engine/outbox.ts).
import type { Db } from "./client.ts";
import { inTransaction, type Tx } from "./tx.ts";

/**
 * Lanes are delivered independently, each with its own concurrency, so a page never waits behind
 * a wiki export or a burst of card edits. Within a lane, messages of one incident keep their order.
 */
export const LANES = ["pages", "channel", "exports"] as const;
export type Lane = (typeof LANES)[number];

/** Which lane a kind of message goes in; kinds not listed go in the channel lane. */
const LANE_OF_KIND: Record<string, Lane> = {
  "page.notify": "pages",
  "postmortem.export": "exports",
};

export const laneOf = (kind: string): Lane => LANE_OF_KIND[kind] ?? "channel";

export interface OutboxEntry {
  /** Unique per message: the same key twice is the same message, sent once. */
  key: string;
  kind: string;
  /** Messages with the same incident id are delivered in the order they were recorded (within a lane). */
  incidentId?: number | null;
  payload?: Record<string, unknown>;
}

/** Records messages in the caller's transaction, in the order given (one statement, whatever their number). */
export async function enqueue(tx: Tx, entries: OutboxEntry[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO outbox_message (idempotency_key, kind, lane, incident_id, payload, next_attempt_at, created_at)
    SELECT e.key, e.kind, e.lane, e.incident_id, e.payload, ${now}::timestamptz, ${now}::timestamptz
      FROM unnest(${entries.map((e) => e.key)}::text[], ${entries.map((e) => e.kind)}::text[], ${entries.map((e) => laneOf(e.kind))}::text[],
                  ${entries.map((e) => e.incidentId ?? null)}::int[], ${entries.map((e) => JSON.stringify(e.payload ?? {}))}::jsonb[])
           WITH ORDINALITY AS e(key, kind, lane, incident_id, payload, n)
     ORDER BY e.n
    ON CONFLICT (idempotency_key) DO NOTHING`;
}

/** Records messages in a transaction of their own (what a listener says without changing anything else). */
export async function enqueueNow(db: Db, entries: OutboxEntry[], now: Date): Promise<void> {
  await inTransaction(db, (tx) => enqueue(tx, entries, now));
}

/** Whether a message whose key starts with `prefix` was recorded since `since` (to not ask twice). */
export async function recordedSince(tx: Tx, prefix: string, since: Date): Promise<boolean> {
  const rows = await tx.$queryRaw<{ found: number }[]>`SELECT 1 AS found FROM outbox_message WHERE idempotency_key LIKE ${`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} AND created_at >= ${since} LIMIT 1`;
  return rows.length > 0;
}
