// The postmortem's table: action items, the follow-up work decided during an incident (with an
// optional due date, when it was done, and when its owner is next told it is overdue). The only
// file that reads or writes it.
import type { RawTx, Tx, DbClient } from "../db/tx.ts";
import type { ActionItemType } from "../incidents/timeline.ts";

export interface ActionItem {
  id: number;
  incidentId: number;
  text: string;
  ownerId: string | null;
  type: ActionItemType;
  createdById: string;
  createdAt: Date;
  /** The day it is due (a UTC date at midnight), or null. */
  dueOn: Date | null;
  doneAt: Date | null;
  /** When its owner is next told it is overdue (null: never). */
  remindAt: Date | null;
}

type Row = Omit<ActionItem, "type"> & { type: string };
const toActionItem = (row: Row): ActionItem => ({ ...row, type: row.type as ActionItemType });

export async function createActionItem(tx: Tx, item: Omit<ActionItem, "id" | "doneAt">): Promise<ActionItem> {
  return toActionItem(await tx.actionItem.create({ data: item }));
}

export async function actionItemsOf(db: DbClient, incidentId: number): Promise<ActionItem[]> {
  return (await db.actionItem.findMany({ where: { incidentId }, orderBy: { id: "asc" } })).map(toActionItem);
}

/** Locks an action item for the transaction and reads it. */
export async function lockActionItem(tx: Tx, id: number): Promise<ActionItem | null> {
  const rows = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM action_item WHERE id = ${id} FOR UPDATE`;
  if (rows.length === 0) return null;
  return toActionItem((await tx.actionItem.findUniqueOrThrow({ where: { id } })) as Row);
}

/** Marks it done: its owner is no longer reminded. */
export async function completeActionItem(tx: Tx, id: number, at: Date): Promise<void> {
  await tx.actionItem.update({ where: { id }, data: { doneAt: at, remindAt: null } });
}

/**
 * Locks up to `size` action items whose overdue reminder is due, skipping those another process
 * holds: each reminder is taken by one process, which moves it on in the same transaction.
 */
export async function claimDueActionItems(tx: RawTx, now: Date, size: number): Promise<ActionItem[]> {
  const rows = await tx.$queryRaw<Record<string, unknown>[]>`
    SELECT id, incident_id, text, owner_id, type, created_by_id, created_at, due_on, done_at, remind_at FROM action_item
     WHERE remind_at IS NOT NULL AND remind_at <= ${now}::timestamptz
     ORDER BY remind_at, id LIMIT ${size} FOR UPDATE SKIP LOCKED`;
  return rows.map((r) =>
    toActionItem({
      id: r.id as number,
      incidentId: r.incident_id as number,
      text: r.text as string,
      ownerId: r.owner_id as string | null,
      type: r.type as string,
      createdById: r.created_by_id as string,
      createdAt: r.created_at as Date,
      dueOn: r.due_on as Date | null,
      doneAt: r.done_at as Date | null,
      remindAt: r.remind_at as Date | null,
    }),
  );
}

/** When its owner is next told (null: never again). */
export async function setActionItemReminder(tx: RawTx, id: number, at: Date | null): Promise<void> {
  await tx.$executeRaw`UPDATE action_item SET remind_at = ${at?.toISOString() ?? null}::timestamptz WHERE id = ${id}`;
}
