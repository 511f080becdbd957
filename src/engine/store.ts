// The engine's side of the outbox table: claiming messages under a lease, recording what came of
// each delivery, and looking at the backlog. Messages are recorded by db/outbox.ts; delivery is
// engine/outbox.ts; nothing here calls anything outside the database.
import type { Db, Prisma } from "../db/client.ts";

import { LANES, UNORDERED_KINDS, type Lane } from "../db/outbox.ts";
import type { Tx } from "../db/tx.ts";

export interface OutboxMessage {
  id: bigint;
  idempotencyKey: string;
  kind: string;
  lane: Lane;
  incidentId: number | null;
  /** The incident's number (INC-<n>), for the log. */
  incidentNumber: number | null;
  payload: Record<string, unknown>;
  /** Attempts so far, this one included. */
  attempts: number;
}

interface ClaimedRow {
  id: bigint;
  idempotency_key: string;
  kind: string;
  lane: string;
  incident_id: number | null;
  incident_number: number | null;
  payload: Prisma.JsonValue;
  attempts: number;
}

export interface ClaimOptions {
  lane: Lane;
  limit: number;
  now: Date;
  /** Who holds the lease (a process id of our own). */
  worker: string;
  /** Messages not to claim (this process is still running their handler). */
  skip?: bigint[];
  leaseSeconds: number;
  /** The longest back-off between attempts. */
  maxBackoffSeconds: number;
}

/**
 * Claims up to `limit` due messages of a lane in one statement (its own short transaction): the
 * attempt is counted, a lease taken, and the next attempt set with back-off, all before anything
 * is called. So a process that dies mid-call leaves a message that is claimable again when its
 * lease expires, and never sooner. A message waits while an earlier one of its incident (in the
 * same lane) is pending, in flight or not.
 */
export async function claimDue(db: Db, o: ClaimOptions): Promise<OutboxMessage[]> {
  const rows = await db.$queryRaw<ClaimedRow[]>`
    UPDATE outbox_message m
       SET attempts = m.attempts + 1,
           locked_until = ${o.now}::timestamptz + make_interval(secs => ${o.leaseSeconds}),
           locked_by = ${o.worker},
           next_attempt_at = ${o.now}::timestamptz + make_interval(secs => LEAST(${o.maxBackoffSeconds}, power(2, m.attempts)))
      FROM (SELECT c.id FROM outbox_message c
             WHERE c.state = 'pending' AND c.lane = ${o.lane} AND c.next_attempt_at <= ${o.now}
               AND (c.locked_until IS NULL OR c.locked_until <= ${o.now})
               AND NOT (c.id = ANY(${(o.skip ?? []).map(String)}::bigint[]))
               AND NOT EXISTS (SELECT 1 FROM outbox_message e
                                WHERE e.incident_id = c.incident_id AND e.lane = c.lane AND e.state = 'pending' AND e.id < c.id
                                  AND e.kind <> ALL(${UNORDERED_KINDS}::text[]))
             ORDER BY c.next_attempt_at, c.id
             LIMIT ${o.limit}
             FOR UPDATE OF c SKIP LOCKED) due
     WHERE m.id = due.id
    RETURNING m.id, m.idempotency_key, m.kind, m.lane, m.incident_id, m.payload, m.attempts,
              (SELECT i.number FROM incident i WHERE i.id = m.incident_id) AS incident_number`;
  return rows
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => ({
      id: r.id,
      idempotencyKey: r.idempotency_key,
      kind: r.kind,
      lane: r.lane as Lane,
      incidentId: r.incident_id,
      incidentNumber: r.incident_number,
      payload: (r.payload ?? {}) as Record<string, unknown>,
      attempts: r.attempts,
    }));
}

/** Delivered: the lease is given back and the result kept for looking back. */
export async function markSent(tx: Tx, id: bigint, now: Date, result: Record<string, unknown> | undefined): Promise<void> {
  await tx.$executeRaw`UPDATE outbox_message
       SET state = 'sent', sent_at = ${now}, last_error = NULL, locked_until = NULL, locked_by = NULL,
           result = ${result === undefined ? null : JSON.stringify(result)}::jsonb
     WHERE id = ${id} AND state = 'pending'`;
}

/** To be tried again at `retryAt`. */
export async function markRetry(tx: Tx, id: bigint, retryAt: Date, error: string): Promise<void> {
  await tx.$executeRaw`UPDATE outbox_message
       SET last_error = ${error}, next_attempt_at = ${retryAt}, locked_until = NULL, locked_by = NULL
     WHERE id = ${id} AND state = 'pending'`;
}

/** Failed for good: kept (for `incident-bot outbox list --failed` and `retry`), never claimed again. */
export async function markFailed(tx: Tx, id: bigint, error: string): Promise<void> {
  await tx.$executeRaw`UPDATE outbox_message
       SET state = 'failed', last_error = ${error}, locked_until = NULL, locked_by = NULL
     WHERE id = ${id} AND state = 'pending'`;
}

/** Not attempted after all (Slack refused the bot's token): the attempt is given back, due at once. */
export async function markPaused(tx: Tx, id: bigint, now: Date, reason: string): Promise<void> {
  await tx.$executeRaw`UPDATE outbox_message
       SET attempts = GREATEST(0, attempts - 1), last_error = ${reason}, next_attempt_at = ${now}, locked_until = NULL, locked_by = NULL
     WHERE id = ${id} AND state = 'pending'`;
}

export interface BacklogRow {
  lane: Lane;
  pending: number;
  /** When the oldest pending message was recorded (null when none is pending). */
  oldestCreatedAt: Date | null;
}

/** Pending messages per lane, and how old the oldest is. */
export async function backlog(db: Db): Promise<BacklogRow[]> {
  const rows = await db.$queryRaw<{ lane: string; pending: bigint; oldest: Date | null }[]>`
    SELECT lane, count(*) AS pending, min(created_at) AS oldest FROM outbox_message WHERE state = 'pending' GROUP BY lane`;
  return LANES.map((lane) => {
    const r = rows.find((x) => x.lane === lane);
    return { lane, pending: r ? Number(r.pending) : 0, oldestCreatedAt: r?.oldest ?? null };
  });
}

export interface StoredMessage {
  id: bigint;
  kind: string;
  lane: string;
  state: string;
  incidentNumber: number | null;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** Messages for the command line: failed ones, or everything not yet delivered. */
export async function listMessages(db: Db, which: "failed" | "undelivered", limit = 200): Promise<StoredMessage[]> {
  const states = which === "failed" ? ["failed"] : ["pending", "failed"];
  const rows = await db.outboxMessage.findMany({
    where: { state: { in: states } },
    orderBy: { id: "asc" },
    take: limit,
    include: { incident: { select: { number: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    lane: r.lane,
    state: r.state,
    incidentNumber: r.incident?.number ?? null,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    lastError: r.lastError,
    createdAt: r.createdAt,
    sentAt: r.sentAt,
  }));
}

/** Puts failed messages back in their lane, due now (attempts start again). Returns how many. */
export async function retryFailed(db: Db, which: { id: bigint } | "all-failed", now: Date): Promise<number> {
  const where = which === "all-failed" ? { state: "failed" } : { id: which.id, state: "failed" };
  const { count } = await db.outboxMessage.updateMany({ where, data: { state: "pending", attempts: 0, nextAttemptAt: now, lockedUntil: null, lockedBy: null } });
  return count;
}

/** Delivered messages are kept for looking back, not for ever: forgets those sent before `before`. */
export async function forgetSentMessages(db: Db, before: Date): Promise<number> {
  return (await db.outboxMessage.deleteMany({ where: { state: "sent", sentAt: { lt: before } } })).count;
}

/** A message's state, or null when there is no such message. */
export async function messageState(db: Db, id: bigint): Promise<string | null> {
  return (await db.outboxMessage.findUnique({ where: { id }, select: { state: true } }))?.state ?? null;
}
