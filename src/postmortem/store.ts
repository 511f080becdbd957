// The postmortem's table: action items, the follow-up work decided during an incident. The only
// file that reads or writes it.
import type { Tx, DbClient } from "../db/tx.ts";
import type { ActionItemType } from "../incidents/timeline.ts";

export interface ActionItem {
  id: number;
  incidentId: number;
  text: string;
  ownerId: string | null;
  type: ActionItemType;
  createdById: string;
  createdAt: Date;
}

export async function createActionItem(tx: Tx, item: Omit<ActionItem, "id">): Promise<ActionItem> {
  const row = await tx.actionItem.create({ data: item });
  return { ...row, type: row.type as ActionItemType };
}

export async function actionItemsOf(db: DbClient, incidentId: number): Promise<ActionItem[]> {
  return (await db.actionItem.findMany({ where: { incidentId }, orderBy: { id: "asc" } })).map((row) => ({ ...row, type: row.type as ActionItemType }));
}
