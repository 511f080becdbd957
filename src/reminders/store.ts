// Reminders' table: one row per incident and kind, with the instant it is next due. The only file
// that reads or writes it. Raw SQL, so a command's SQL transaction (db/sql.ts) can write it too.
import { Prisma, type Db } from "../db/client.ts";
import { type RawTx } from "../db/tx.ts";
import type { DueChange, ReminderKind } from "./plan.ts";

export interface DueReminder {
  id: number;
  incidentId: number;
  kind: ReminderKind;
  dueAt: Date;
  sent: number;
}

/** Sets (or clears) the due instants a change asks for, in the change's transaction. */
export async function setDue(tx: RawTx, incidentId: number, changes: readonly DueChange[]): Promise<void> {
  for (const onlyUnsent of [false, true]) {
    const some = changes.filter((c) => (c.unlessSent === true) === onlyUnsent);
    if (some.length === 0) continue;
    await tx.$executeRaw`
      INSERT INTO reminder (incident_id, kind, due_at)
      SELECT ${incidentId}, c.kind, c.due_at FROM unnest(${some.map((c) => c.kind)}::text[], ${some.map((c) => c.dueAt?.toISOString() ?? null)}::timestamptz[]) AS c(kind, due_at)
      ON CONFLICT (incident_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at
       WHERE ${onlyUnsent ? Prisma.sql`reminder.sent = 0` : Prisma.sql`true`}`;
  }
}

/** Moves an incident's reminder of this kind to `dueAt` if it is set (a snooze). True when there was one. */
export async function postpone(tx: RawTx, incidentId: number, kind: ReminderKind, dueAt: Date): Promise<boolean> {
  const n = await tx.$executeRaw`UPDATE reminder SET due_at = ${dueAt}::timestamptz WHERE incident_id = ${incidentId} AND kind = ${kind} AND due_at IS NOT NULL`;
  return n > 0;
}

/**
 * Locks up to `size` due reminders, skipping those another process holds: each is taken by one
 * process, which moves its due instant on in the same transaction.
 */
export async function claimDueReminders(tx: RawTx, now: Date, size: number): Promise<DueReminder[]> {
  const rows = await tx.$queryRaw<{ id: number; incident_id: number; kind: string; due_at: Date; sent: number }[]>`
    SELECT id, incident_id, kind, due_at, sent FROM reminder
     WHERE due_at IS NOT NULL AND due_at <= ${now}::timestamptz
     ORDER BY due_at, id LIMIT ${size} FOR UPDATE SKIP LOCKED`;
  return rows.map((r) => ({ id: r.id, incidentId: r.incident_id, kind: r.kind as ReminderKind, dueAt: r.due_at, sent: r.sent }));
}

/** Records what a due reminder did: sent (or not), and when it is next due (null: never). */
export async function recordReminder(tx: RawTx, id: number, sent: boolean, nextDueAt: Date | null, now: Date): Promise<void> {
  await tx.$executeRaw`
    UPDATE reminder SET due_at = ${nextDueAt?.toISOString() ?? null}::timestamptz,
           sent = sent + ${sent ? 1 : 0}, last_sent_at = CASE WHEN ${sent} THEN ${now}::timestamptz ELSE last_sent_at END
     WHERE id = ${id}`;
}

/** The next instant a reminder is due (null: none is). */
export async function earliestReminderAt(db: Db): Promise<Date | null> {
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`SELECT min(due_at) AS at FROM reminder WHERE due_at IS NOT NULL`;
  return row?.at ?? null;
}

