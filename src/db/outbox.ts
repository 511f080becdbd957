// The outbox, as every domain writes to it: the Slack and wiki writes an action causes, recorded
// in the transaction that causes them, delivered by the engine after the commit (engine/outbox.ts).
import type { Db } from "./client.ts";
import { inTransaction, wakeAfterCommit, type RawTx } from "./tx.ts";

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

/**
 * Kinds whose message shows the incident as it is when delivered (the card), so one waiting is
 * enough: while one waits, another is not recorded, and at most one is delivered per incident every
 * `seconds` (Slack rate-limits chat.update; a busy incident edits its card once per burst).
 */
const COALESCED: Record<string, { seconds: number }> = {
  "incident.update_card": { seconds: 1 },
};

/** Kinds that wait their turn behind their incident's earlier messages but hold back none after them. */
export const UNORDERED_KINDS: readonly string[] = Object.keys(COALESCED);

/**
 * Records messages in the caller's transaction, in the order given (one statement, whatever their
 * number; one more for a coalesced kind, which comes last).
 */
export async function enqueue(tx: RawTx, entries: OutboxEntry[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  for (const e of entries) wakeAfterCommit(tx, laneOf(e.kind));
  const plain = entries.filter((e) => !COALESCED[e.kind] || e.incidentId == null);
  if (plain.length > 0) await insert(tx, plain, now);
  for (const e of entries) if (COALESCED[e.kind] && e.incidentId != null) await insertCoalesced(tx, e, COALESCED[e.kind].seconds, now);
}

async function insert(tx: RawTx, entries: OutboxEntry[], now: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO outbox_message (idempotency_key, kind, lane, incident_id, payload, next_attempt_at, created_at)
    SELECT e.key, e.kind, e.lane, e.incident_id, e.payload, ${now}::timestamptz, ${now}::timestamptz
      FROM unnest(${entries.map((e) => e.key)}::text[], ${entries.map((e) => e.kind)}::text[], ${entries.map((e) => laneOf(e.kind))}::text[],
                  ${entries.map((e) => e.incidentId ?? null)}::int[], ${entries.map((e) => JSON.stringify(e.payload ?? {}))}::jsonb[])
           WITH ORDINALITY AS e(key, kind, lane, incident_id, payload, n)
     ORDER BY e.n
    ON CONFLICT (idempotency_key) DO NOTHING`;
}

/**
 * Records a coalesced message unless one of its incident waits unclaimed; due once `seconds` have
 * passed since the last one was sent (or, while one is being delivered, when it could be retried).
 * The caller holds the incident's row lock, and the delivery reads the incident under a share lock,
 * so a message claimed meanwhile still shows this transaction's change.
 */
async function insertCoalesced(tx: RawTx, e: OutboxEntry, seconds: number, now: Date): Promise<void> {
  await tx.$executeRaw`
    WITH last AS (SELECT state, sent_at, next_attempt_at, locked_until FROM outbox_message
                   WHERE incident_id = ${e.incidentId} AND kind = ${e.kind} ORDER BY id DESC LIMIT 1)
    INSERT INTO outbox_message (idempotency_key, kind, lane, incident_id, payload, next_attempt_at, created_at)
    SELECT ${e.key}, ${e.kind}, ${laneOf(e.kind)}, ${e.incidentId}, ${JSON.stringify(e.payload ?? {})}::jsonb,
           greatest(${now}::timestamptz, coalesce((SELECT CASE state WHEN 'sent' THEN sent_at + make_interval(secs => ${seconds}) WHEN 'pending' THEN next_attempt_at END FROM last), ${now}::timestamptz)),
           ${now}::timestamptz
     WHERE NOT EXISTS (SELECT 1 FROM last WHERE state = 'pending' AND (locked_until IS NULL OR locked_until <= ${now}))
    ON CONFLICT (idempotency_key) DO NOTHING`;
}

/** Records messages in a transaction of their own (what a listener says without changing anything else). */
export async function enqueueNow(db: Db, entries: OutboxEntry[], now: Date): Promise<void> {
  await inTransaction(db, (tx) => enqueue(tx, entries, now));
}

/** Whether a message whose key starts with `prefix` was recorded since `since` (to not ask twice). */
export async function recordedSince(tx: RawTx, prefix: string, since: Date): Promise<boolean> {
  const rows = await tx.$queryRaw<{ found: number }[]>`SELECT 1 AS found FROM outbox_message WHERE idempotency_key LIKE ${`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} AND created_at >= ${since} LIMIT 1`;
  return rows.length > 0;
}
