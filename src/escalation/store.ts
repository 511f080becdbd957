// Escalation's tables: pages and who each step notified. The only file that reads or writes them.
// Set-based where the engine needs it: a batch of due pages is claimed, notified and moved on in a
// handful of statements, whatever its size.
import type { Db, Prisma } from "../db/client.ts";
import { wakeAfterCommit, type DbClient, type RawTx, type Tx } from "../db/tx.ts";
import type { FrozenPolicy, PageState } from "./steps.ts";

export interface PageRow {
  id: number;
  /** Null for a page started by alerts, until an incident is declared from them. */
  incidentId: number | null;
  /** The alert group the page is for, when alerts started it. */
  alertGroupId: number | null;
  target: string;
  policy: FrozenPolicy;
  message: string | null;
  pagedById: string;
  state: PageState;
  round: number;
  levelIndex: number;
  nextStepAt: Date | null;
  acknowledgedById: string | null;
  acknowledgedAt: Date | null;
  createdAt: Date;
}

/** A page row as Prisma returns it. */
export function toPageRow(row: Omit<PageRow, "policy" | "state"> & { policy: Prisma.JsonValue; state: string }): PageRow {
  return { ...row, policy: row.policy as unknown as FrozenPolicy, state: row.state as PageState };
}

interface RawPage {
  id: number;
  incident_id: number | null;
  alert_group_id: number | null;
  target: string;
  policy: Prisma.JsonValue;
  message: string | null;
  paged_by_id: string;
  state: string;
  round: number;
  level_index: number;
  next_step_at: Date | null;
  acknowledged_by_id: string | null;
  acknowledged_at: Date | null;
  created_at: Date;
}

const fromRaw = (r: RawPage): PageRow => ({
  id: r.id,
  incidentId: r.incident_id,
  alertGroupId: r.alert_group_id,
  target: r.target,
  policy: r.policy as unknown as FrozenPolicy,
  message: r.message,
  pagedById: r.paged_by_id,
  state: r.state as PageState,
  round: r.round,
  levelIndex: r.level_index,
  nextStepAt: r.next_step_at,
  acknowledgedById: r.acknowledged_by_id,
  acknowledgedAt: r.acknowledged_at,
  createdAt: r.created_at,
});

/**
 * Locks up to `size` pages whose next step is due (through the partial index on escalating
 * pages), skipping pages another process holds, and any listed in `skip`.
 */
export async function claimDuePages(tx: Tx, now: Date, size: number, skip: number[] = []): Promise<PageRow[]> {
  const rows = await tx.$queryRaw<RawPage[]>`SELECT * FROM page
     WHERE state = 'escalating' AND next_step_at <= ${now} AND NOT (id = ANY(${skip}::int[]))
     ORDER BY next_step_at, id LIMIT ${size} FOR UPDATE SKIP LOCKED`;
  return rows.map(fromRaw);
}

/** When the next step of any page is due (null when no page is escalating). */
export async function earliestDueAt(db: Db): Promise<Date | null> {
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`SELECT min(next_step_at) AS at FROM page WHERE state = 'escalating'`;
  return row?.at ?? null;
}

export interface NotificationKey {
  pageId: number;
  round: number;
  levelIndex: number;
  userId: string;
}

export const notificationKey = (n: NotificationKey): string => `${n.pageId}:${n.round}:${n.levelIndex}:${n.userId}`;

/** Records who each step notifies; returns the keys that are new (a person is notified once per step). */
export async function insertNotifications(tx: RawTx, rows: NotificationKey[], at: Date): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await tx.$queryRaw<NotificationKey[]>`
    INSERT INTO page_notification (page_id, round, level_index, user_id, notified_at)
    SELECT p, r, l, u, ${at}::timestamptz FROM unnest(${rows.map((r) => r.pageId)}::int[], ${rows.map((r) => r.round)}::int[],
                                                   ${rows.map((r) => r.levelIndex)}::int[], ${rows.map((r) => r.userId)}::text[]) AS t(p, r, l, u)
    ON CONFLICT DO NOTHING
    RETURNING page_id AS "pageId", round, level_index AS "levelIndex", user_id AS "userId"`;
  return new Set(inserted.map(notificationKey));
}

export interface PageProgressUpdate {
  id: number;
  state: PageState;
  round: number;
  levelIndex: number;
  nextStepAt: Date | null;
}

/** Moves many pages on in one statement. */
export async function updateProgress(tx: RawTx, updates: PageProgressUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await tx.$executeRaw`UPDATE page p SET state = v.state, round = v.round, level_index = v.level_index, next_step_at = v.next_step_at
    FROM unnest(${updates.map((u) => u.id)}::int[], ${updates.map((u) => u.state)}::text[], ${updates.map((u) => u.round)}::int[],
                ${updates.map((u) => u.levelIndex)}::int[], ${updates.map((u) => u.nextStepAt?.toISOString() ?? null)}::timestamptz[])
         AS v(id, state, round, level_index, next_step_at)
   WHERE p.id = v.id`;
}

export interface NewPage {
  incidentId: number | null;
  alertGroupId?: number | null;
  target: string;
  policy: FrozenPolicy;
  message: string | null;
  pagedById: string;
  createdAt: Date;
}

/** A page whose first step is due at once. */
export async function createPage(tx: RawTx, p: NewPage): Promise<PageRow> {
  wakeAfterCommit(tx, "engine");
  const [row] = await tx.$queryRaw<RawPage[]>`
    INSERT INTO page (incident_id, alert_group_id, target, policy, message, paged_by_id, state, round, level_index, next_step_at, created_at)
    VALUES (${p.incidentId}, ${p.alertGroupId ?? null}, ${p.target}, ${JSON.stringify(p.policy)}::jsonb, ${p.message}, ${p.pagedById}, 'escalating', 0, 0, ${p.createdAt}, ${p.createdAt})
    RETURNING *`;
  return fromRaw(row);
}

/** Locks these pages (in id order, so two transactions never deadlock) and reads them. */
export async function lockPages(tx: Tx, ids: number[]): Promise<PageRow[]> {
  if (ids.length === 0) return [];
  await tx.$queryRaw`SELECT id FROM page WHERE id = ANY(${ids}::int[]) ORDER BY id FOR UPDATE`;
  return (await tx.page.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } })).map(toPageRow);
}

/** The ids of a page, or of every page of an incident. */
export async function pageIds(tx: DbClient, of: { pageId: number } | { incidentId: number }): Promise<number[]> {
  const where = "pageId" in of ? { id: of.pageId } : { incidentId: of.incidentId };
  return (await tx.page.findMany({ where, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
}

export async function pageById(db: RawTx, id: number): Promise<PageRow | null> {
  const [row] = await db.$queryRaw<RawPage[]>`SELECT * FROM page WHERE id = ${id}`;
  return row ? fromRaw(row) : null;
}

export async function markAcknowledged(tx: Tx, id: number, by: string, at: Date): Promise<PageRow> {
  return toPageRow(await tx.page.update({ where: { id }, data: { state: "acknowledged", nextStepAt: null, acknowledgedById: by, acknowledgedAt: at } }));
}

/** Cancels the incident's pages still escalating; their ids, in order. */
export async function cancelEscalatingPages(tx: RawTx, incidentId: number): Promise<number[]> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    UPDATE page SET state = 'cancelled', next_step_at = NULL WHERE incident_id = ${incidentId} AND state = 'escalating' RETURNING id`;
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Who a page has notified so far. */
export async function notifiedBy(tx: RawTx, pageId: number): Promise<string[]> {
  return (await tx.$queryRaw<{ user_id: string }[]>`SELECT user_id FROM page_notification WHERE page_id = ${pageId} ORDER BY id`).map((n) => n.user_id);
}

/** How many pages this person started since `since` (the paging rate limit). */
export async function countPagesBy(tx: DbClient, pagedById: string, since: Date): Promise<number> {
  return tx.page.count({ where: { pagedById, createdAt: { gt: since } } });
}

/** The pages of these incidents, oldest first (the incident metrics). */
export async function pagesOfIncidents(db: DbClient, incidentIds: number[]): Promise<PageRow[]> {
  if (incidentIds.length === 0) return [];
  return (await db.page.findMany({ where: { incidentId: { in: incidentIds } }, orderBy: { id: "asc" } })).map(toPageRow);
}

/** Everyone these pages notified, and when (one row per person per step). */
export async function notificationsOfPages(db: DbClient, pageIds: number[]): Promise<{ pageId: number; userId: string; notifiedAt: Date }[]> {
  if (pageIds.length === 0) return [];
  return db.pageNotification.findMany({ where: { pageId: { in: pageIds } }, select: { pageId: true, userId: true, notifiedAt: true }, orderBy: { id: "asc" } });
}

/** The page of an alert group that is still open (escalating, exhausted or acknowledged), locked. */
export async function lockOpenPageOfGroup(tx: RawTx, groupId: number): Promise<PageRow | null> {
  const [row] = await tx.$queryRaw<RawPage[]>`SELECT * FROM page
     WHERE alert_group_id = ${groupId} AND state IN ('escalating', 'exhausted', 'acknowledged') ORDER BY id DESC LIMIT 1 FOR UPDATE`;
  return row ? fromRaw(row) : null;
}

/** Every alert group's newest page, by group id (for listing alerts). */
export async function latestPagesOfGroups(db: DbClient, groupIds: number[]): Promise<Map<number, PageRow>> {
  if (groupIds.length === 0) return new Map();
  const rows = await db.$queryRaw<RawPage[]>`SELECT DISTINCT ON (alert_group_id) * FROM page
     WHERE alert_group_id = ANY(${groupIds}::int[]) ORDER BY alert_group_id, id DESC`;
  return new Map(rows.map((r) => [r.alert_group_id!, fromRaw(r)]));
}

/** The source resolved every alert of the page: it stops, whatever its state. */
export async function markResolved(tx: RawTx, id: number): Promise<void> {
  await tx.$executeRaw`UPDATE page SET state = 'resolved', next_step_at = NULL WHERE id = ${id}`;
}

/** An incident declared from an alert group takes the group's pages that have none. */
export async function attachGroupPages(tx: RawTx, groupId: number, incidentId: number): Promise<number[]> {
  const rows = await tx.$queryRaw<{ id: number }[]>`
    UPDATE page SET incident_id = ${incidentId} WHERE alert_group_id = ${groupId} AND incident_id IS NULL RETURNING id`;
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
