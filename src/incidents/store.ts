// The incidents' tables: incident and timeline_event. The only file that reads or writes them;
// rows become domain types here, in one function each.
import { Prisma } from "../db/client.ts";
import { advisoryLock, type DbClient, type RawTx, type Tx } from "../db/tx.ts";
import type { Incident } from "./incident.ts";
import { OPEN_STATUSES, type IncidentState, type Severity, type Status } from "./lifecycle.ts";
import type { NewTimelineEvent, TimelineData, TimelineEvent } from "./timeline.ts";

type IncidentRow = Prisma.IncidentGetPayload<object>;
type TimelineRow = Prisma.TimelineEventGetPayload<object>;

export function toIncident(row: IncidentRow): Incident {
  return { ...row, severity: row.severity as Severity, status: row.status as Status };
}

export function toTimelineEvent(row: Pick<TimelineRow, "id" | "incidentId" | "kind" | "actorId" | "occurredAt" | "data">): TimelineEvent {
  return { id: row.id, incidentId: row.incidentId, actorId: row.actorId, occurredAt: row.occurredAt, data: { kind: row.kind, ...(row.data as object) } as TimelineData };
}

const orNull = (row: IncidentRow | null): Incident | null => (row ? toIncident(row) : null);

// ---------------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------------

export async function incidentById(db: DbClient, id: number): Promise<Incident | null> {
  return orNull(await db.incident.findUnique({ where: { id } }));
}

export async function incidentByNumber(db: DbClient, number: number): Promise<Incident | null> {
  // Numbers beyond what the column holds name no incident (rather than failing the query).
  if (!Number.isSafeInteger(number) || number < 1 || number > 2_147_483_647) return null;
  return orNull(await db.incident.findUnique({ where: { number } }));
}

export async function incidentByChannel(db: DbClient, channelId: string): Promise<Incident | null> {
  return orNull(await db.incident.findUnique({ where: { channelId } }));
}

export async function openIncidents(db: DbClient): Promise<Incident[]> {
  return (await db.incident.findMany({ where: { status: { in: [...OPEN_STATUSES] } }, orderBy: { number: "asc" } })).map(toIncident);
}

/** Incidents that have a Slack channel (local mode makes their channels again after a restart). */
export async function incidentsWithChannels(db: DbClient): Promise<Incident[]> {
  return (await db.incident.findMany({ where: { channelId: { not: null } }, orderBy: { number: "asc" } })).map(toIncident);
}

/** Incidents declared before `before` (newest first), for the postmortem's related incidents. */
export async function incidentsDeclaredBefore(db: DbClient, before: Date, exceptId: number, take: number): Promise<Incident[]> {
  return (await db.incident.findMany({ where: { declaredAt: { lt: before }, id: { not: exceptId } }, orderBy: { declaredAt: "desc" }, take })).map(toIncident);
}

/** A service's incidents that may have had impact since `since` (not closed before it), oldest first. */
export async function incidentsOfServiceSince(db: DbClient, service: string, since: Date): Promise<Incident[]> {
  return (await db.incident.findMany({ where: { service, OR: [{ closedAt: null }, { closedAt: { gte: since } }] }, orderBy: { number: "asc" } })).map(toIncident);
}

/** Incidents declared in [from, to), oldest first (the incident metrics). */
export async function incidentsDeclaredBetween(db: DbClient, from: Date, to: Date): Promise<Incident[]> {
  return (await db.incident.findMany({ where: { declaredAt: { gte: from, lt: to } }, orderBy: { number: "asc" } })).map(toIncident);
}

/**
 * Locks the incident's row for the transaction and reads it (by id, or by its channel): two people
 * changing one incident at once are applied one after the other, and neither change is lost.
 * `share`: for what only adds to its timeline (notes side by side; a change of state waits for them,
 * and they for it).
 */
export function lockIncident(tx: RawTx, which: number | { channelId: string }, mode: "update" | "share" = "update"): Promise<Incident | null> {
  return readLocked(tx, which, mode === "share" ? Prisma.sql`FOR SHARE` : Prisma.sql`FOR UPDATE`);
}

/**
 * Reads the incident once no transaction is changing it (a share lock, waited for and released at
 * once): what is rendered from it includes a change that was being written as it was asked for.
 */
export function settledIncident(db: RawTx, id: number): Promise<Incident | null> {
  return readLocked(db, id, Prisma.sql`FOR SHARE`);
}

/** An incident's columns, named as the Incident's fields (for raw statements). */
const INCIDENT_COLUMNS = Prisma.sql`id, number, title, description, severity::text AS severity, status::text AS status, commander_id AS "commanderId",
  comms_lead_id AS "commsLeadId", scribe_id AS "scribeId", service, channel_name AS "channelName", channel_id AS "channelId",
  card_ts AS "cardTs", resolution, declared_by_id AS "declaredById", declared_at AS "declaredAt", resolved_at AS "resolvedAt",
  closed_at AS "closedAt", version, private, postmortem_location AS "postmortemLocation", postmortem_url AS "postmortemUrl",
  postmortem_exported_at AS "postmortemExportedAt", postmortem_hash AS "postmortemHash", postmortem_version AS "postmortemVersion",
  postmortem_reviewed_at AS "postmortemReviewedAt"`;

async function readLocked(db: RawTx, which: number | { channelId: string }, lock: Prisma.Sql): Promise<Incident | null> {
  const where = typeof which === "number" ? Prisma.sql`id = ${which}` : Prisma.sql`channel_id = ${which.channelId}`;
  const rows = await db.$queryRaw<Incident[]>`SELECT ${INCIDENT_COLUMNS} FROM incident WHERE ${where} ${lock}`;
  return rows[0] ?? null;
}

/** The next incident number: one declaration at a time takes it, so numbers have no gaps. */
export async function takeNextNumber(tx: Tx): Promise<number> {
  await advisoryLock(tx, "incidentNumber");
  const [{ next }] = await tx.$queryRaw<{ next: number }[]>`SELECT COALESCE(MAX(number), 0) + 1 AS next FROM incident`;
  return Number(next);
}

export interface NewIncident {
  private: boolean;
  number: number;
  title: string;
  description: string | null;
  severity: Severity;
  commanderId: string;
  service: string | null;
  channelName: string;
  declaredById: string;
  declaredAt: Date;
}

export async function createIncident(tx: Tx, data: NewIncident): Promise<Incident> {
  return toIncident(await tx.incident.create({ data: { ...data, status: "investigating" } }));
}

/** What a change writes: the state, and when it was resolved or closed. The version goes up by one. */
export type IncidentChange = Omit<IncidentState, "title"> & { resolvedAt?: Date | null; closedAt?: Date };

export async function updateIncident(tx: RawTx, id: number, change: IncidentChange): Promise<Incident> {
  const rows = await tx.$queryRaw<Incident[]>`
    UPDATE incident
       SET severity = ${change.severity}::"Severity", status = ${change.status}::"Status", commander_id = ${change.commanderId},
           comms_lead_id = ${change.commsLeadId}, scribe_id = ${change.scribeId}, resolution = ${change.resolution},
           resolved_at = ${change.resolvedAt === undefined ? Prisma.sql`resolved_at` : Prisma.sql`${change.resolvedAt}::timestamptz`},
           closed_at = ${change.closedAt === undefined ? Prisma.sql`closed_at` : Prisma.sql`${change.closedAt}::timestamptz`},
           version = version + 1
     WHERE id = ${id}
    RETURNING ${INCIDENT_COLUMNS}`;
  if (!rows[0]) throw new Error(`incident ${id} does not exist`);
  return rows[0];
}

/** The incident's Slack channel, unless one was recorded already. */
export async function recordChannel(tx: Tx, id: number, channelId: string, channelName: string): Promise<void> {
  await tx.incident.updateMany({ where: { id, channelId: null }, data: { channelId, channelName } });
}

/** The pinned card's ts, unless one was recorded already. */
export async function recordCard(tx: Tx, id: number, cardTs: string): Promise<void> {
  await tx.incident.updateMany({ where: { id, cardTs: null }, data: { cardTs } });
}

/** What an export of the postmortem left: where the document is, and the bot's last version of it. */
export interface PostmortemRecord {
  location: string;
  url: string | null;
  hash: string | null;
  version: number | null;
}

/** The bot's last version of the incident's postmortem document (nulls: never exported, or before it was kept). */
export async function postmortemVersionOf(db: DbClient, id: number): Promise<{ hash: string | null; version: number | null }> {
  const row = await db.incident.findUnique({ where: { id }, select: { postmortemHash: true, postmortemVersion: true } });
  return { hash: row?.postmortemHash ?? null, version: row?.postmortemVersion ?? null };
}

/** Where the postmortem draft was exported; the card changes, so the version goes up. */
export async function recordPostmortem(tx: Tx, id: number, exported: PostmortemRecord, at: Date): Promise<Incident> {
  return toIncident(
    await tx.incident.update({
      where: { id },
      data: {
        postmortemLocation: exported.location,
        postmortemUrl: exported.url,
        postmortemHash: exported.hash,
        postmortemVersion: exported.version,
        postmortemExportedAt: at,
        version: { increment: 1 },
      },
    }),
  );
}

/** The postmortem was reviewed (the review reminder is then not sent). */
export async function recordPostmortemReviewed(tx: Tx, id: number, at: Date): Promise<void> {
  await tx.incident.update({ where: { id }, data: { postmortemReviewedAt: at } });
}

// ---------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------

function timelineRow(e: NewTimelineEvent) {
  const { kind, ...rest } = e.data;
  return { incidentId: e.incidentId, kind, actorId: e.actorId, occurredAt: e.occurredAt, data: rest as Prisma.InputJsonValue };
}

/** Writes timeline events of one incident, by one actor, at one instant. */
export async function addTimelineEvents(tx: RawTx, incidentId: number, actorId: string, at: Date, events: TimelineData[]): Promise<TimelineEvent[]> {
  if (events.length === 0) return [];
  if (events.length === 1) {
    const row = timelineRow({ incidentId, actorId, occurredAt: at, data: events[0] });
    const [{ id }] = await tx.$queryRaw<{ id: bigint }[]>`
      INSERT INTO timeline_event (incident_id, kind, actor_id, occurred_at, data)
      VALUES (${incidentId}, ${row.kind}, ${actorId}, ${at}::timestamptz, ${JSON.stringify(row.data)}::jsonb) RETURNING id`;
    return [{ id: BigInt(id), incidentId, actorId, occurredAt: at, data: events[0] }];
  }
  return insertTimelineEvents(
    tx,
    events.map((data) => ({ incidentId, actorId, occurredAt: at, data })),
  );
}

/**
 * Writes many timeline events, of any incidents, in two statements and in the order given (ids
 * are taken from the sequence first, so the order is the ids' order).
 */
export async function insertTimelineEvents(tx: RawTx, events: NewTimelineEvent[]): Promise<TimelineEvent[]> {
  if (events.length === 0) return [];
  const ids = (await tx.$queryRaw<{ id: bigint }[]>`SELECT nextval(pg_get_serial_sequence('timeline_event', 'id')) AS id FROM generate_series(1, ${events.length})`)
    .map((r) => BigInt(r.id))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = events.map((e, i) => ({ id: ids[i], ...timelineRow(e) }));
  await tx.$executeRaw`INSERT INTO timeline_event (id, incident_id, kind, actor_id, occurred_at, data)
    SELECT * FROM unnest(${rows.map((r) => r.id.toString())}::bigint[], ${rows.map((r) => r.incidentId)}::int[], ${rows.map((r) => r.kind)}::text[],
                         ${rows.map((r) => r.actorId)}::text[], ${rows.map((r) => r.occurredAt.toISOString())}::timestamptz[], ${rows.map((r) => JSON.stringify(r.data))}::jsonb[])`;
  return events.map((e, i) => ({ id: ids[i], ...e }));
}

/** An incident's whole timeline, oldest first. */
export async function timelineOf(db: DbClient, incidentId: number): Promise<TimelineEvent[]> {
  return (await db.timelineEvent.findMany({ where: { incidentId }, orderBy: { id: "asc" } })).map(toTimelineEvent);
}

/** The timelines of these incidents, each oldest first. */
export async function timelinesOf(db: DbClient, incidentIds: number[]): Promise<Map<number, TimelineEvent[]>> {
  const out = new Map<number, TimelineEvent[]>(incidentIds.map((id) => [id, []]));
  if (incidentIds.length === 0) return out;
  for (const row of await db.timelineEvent.findMany({ where: { incidentId: { in: incidentIds } }, orderBy: { id: "asc" } })) out.get(row.incidentId)?.push(toTimelineEvent(row));
  return out;
}

/** These events, oldest first. */
export async function timelineEvents(db: DbClient, ids: bigint[]): Promise<TimelineEvent[]> {
  return (await db.timelineEvent.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } })).map(toTimelineEvent);
}
