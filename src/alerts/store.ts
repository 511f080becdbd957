// Alerts' tables: alert groups, alerts, and what integrations are sent (token hashes, heartbeat
// pings). The only file that reads or writes them. Set-based: a body of 1,000 alerts is a handful
// of statements.
import type { Prisma } from "../db/client.ts";
import type { DbClient, RawTx } from "../db/tx.ts";
import type { AlertLink, IncomingAlert } from "./payloads.ts";

export interface AlertGroupRow {
  id: number;
  integration: string;
  groupKey: string;
  incidentId: number | null;
}

export interface AlertRow {
  id: number;
  integration: string;
  identity: string;
  groupId: number;
  status: "firing" | "resolved";
  summary: string;
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: AlertLink[];
  startsAt: Date;
  receivedAt: Date;
  resolvedAt: Date | null;
}

interface RawAlert {
  id: number;
  integration: string;
  identity: string;
  group_id: number;
  status: string;
  summary: string;
  severity: string | null;
  labels: Prisma.JsonValue;
  annotations: Prisma.JsonValue;
  links: Prisma.JsonValue;
  starts_at: Date;
  received_at: Date;
  resolved_at: Date | null;
}

const toAlert = (r: RawAlert): AlertRow => ({
  id: r.id,
  integration: r.integration,
  identity: r.identity,
  groupId: r.group_id,
  status: r.status as AlertRow["status"],
  summary: r.summary,
  severity: r.severity,
  labels: (r.labels ?? {}) as Record<string, string>,
  annotations: (r.annotations ?? {}) as Record<string, string>,
  links: (r.links ?? []) as unknown as AlertLink[],
  startsAt: r.starts_at,
  receivedAt: r.received_at,
  resolvedAt: r.resolved_at,
});

/**
 * The group's row, made on first sight, and locked for the transaction: two deliveries of the same
 * group (two replicas, a retry) are handled one after the other, the second seeing what the first did.
 */
export async function lockGroup(tx: RawTx, integration: string, groupKey: string, now: Date): Promise<AlertGroupRow> {
  const [row] = await tx.$queryRaw<{ id: number; incident_id: number | null }[]>`
    INSERT INTO alert_group (integration, group_key, created_at, updated_at) VALUES (${integration}, ${groupKey}, ${now}, ${now})
    ON CONFLICT (integration, group_key) DO UPDATE SET updated_at = EXCLUDED.updated_at
    RETURNING id, incident_id`;
  return { id: row.id, integration, groupKey, incidentId: row.incident_id };
}

export async function groupById(db: RawTx, id: number): Promise<AlertGroupRow | null> {
  const [row] = await db.$queryRaw<{ id: number; integration: string; group_key: string; incident_id: number | null }[]>`
    SELECT id, integration, group_key, incident_id FROM alert_group WHERE id = ${id}`;
  return row ? { id: row.id, integration: row.integration, groupKey: row.group_key, incidentId: row.incident_id } : null;
}

export async function setGroupIncident(tx: RawTx, groupId: number, incidentId: number): Promise<void> {
  await tx.$executeRaw`UPDATE alert_group SET incident_id = ${incidentId} WHERE id = ${groupId}`;
}

/**
 * Opens these firing alerts in the group, or (already open: a repeat) refreshes what is known of
 * them. The partial unique index keeps one open alert per identity, whoever inserts it. A firing
 * alert whose very occurrence (identity and start) was already resolved is a late delivery: it is
 * not opened again, and not returned.
 */
export async function upsertFiring(tx: RawTx, integration: string, groupId: number, alerts: IncomingAlert[], now: Date): Promise<{ id: number; identity: string; groupId: number; inserted: boolean }[]> {
  if (alerts.length === 0) return [];
  return tx.$queryRaw`
    INSERT INTO alert (integration, identity, group_id, status, summary, severity, labels, annotations, links, starts_at, received_at, last_seen_at)
    SELECT ${integration}, t.identity, ${groupId}, 'firing', t.summary, t.severity, t.labels::jsonb, t.annotations::jsonb, t.links::jsonb, t.starts_at, ${now}, ${now}
      FROM unnest(${alerts.map((a) => a.identity)}::text[], ${alerts.map((a) => a.summary)}::text[], ${alerts.map((a) => a.severity)}::text[],
                  ${alerts.map((a) => JSON.stringify(a.labels))}::text[], ${alerts.map((a) => JSON.stringify(a.annotations))}::text[],
                  ${alerts.map((a) => JSON.stringify(a.links))}::text[], ${alerts.map((a) => a.startsAt.toISOString())}::timestamptz[])
           AS t(identity, summary, severity, labels, annotations, links, starts_at)
     WHERE NOT EXISTS (SELECT 1 FROM alert x WHERE x.integration = ${integration} AND x.identity = t.identity AND x.starts_at = t.starts_at AND x.status = 'resolved')
    ON CONFLICT (integration, identity) WHERE status = 'firing'
    DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, summary = EXCLUDED.summary, severity = EXCLUDED.severity,
                  labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, links = EXCLUDED.links
    RETURNING id, identity, group_id AS "groupId", (xmax = 0) AS inserted`;
}

/**
 * A repeat, seen without a transaction: refreshes the open alerts of these identities (what the
 * source says of them now, when it was last heard) and returns how many were open. When all of
 * them were, nothing else changes (Alertmanager's repeat_interval).
 */
export async function refreshOpen(db: RawTx, integration: string, alerts: IncomingAlert[], now: Date): Promise<number> {
  if (alerts.length === 0) return 0;
  return db.$executeRaw`
    UPDATE alert a SET last_seen_at = ${now}, summary = t.summary, severity = t.severity, labels = t.labels::jsonb, annotations = t.annotations::jsonb, links = t.links::jsonb
      FROM unnest(${alerts.map((a) => a.identity)}::text[], ${alerts.map((a) => a.summary)}::text[], ${alerts.map((a) => a.severity)}::text[],
                  ${alerts.map((a) => JSON.stringify(a.labels))}::text[], ${alerts.map((a) => JSON.stringify(a.annotations))}::text[],
                  ${alerts.map((a) => JSON.stringify(a.links))}::text[])
           AS t(identity, summary, severity, labels, annotations, links)
     WHERE a.integration = ${integration} AND a.identity = ANY(${alerts.map((a) => a.identity)}::text[]) AND a.identity = t.identity AND a.status = 'firing'`;
}

/** Resolves the open alerts of these identities; returns those it resolved. */
export async function resolveFiring(tx: RawTx, integration: string, alerts: Pick<IncomingAlert, "identity" | "endsAt">[], now: Date): Promise<{ id: number; identity: string; groupId: number; summary: string }[]> {
  if (alerts.length === 0) return [];
  return tx.$queryRaw`
    UPDATE alert a SET status = 'resolved', resolved_at = ${now}, last_seen_at = ${now}, ends_at = COALESCE(t.ends_at, ${now})
      FROM unnest(${alerts.map((a) => a.identity)}::text[], ${alerts.map((a) => a.endsAt?.toISOString() ?? null)}::timestamptz[]) AS t(identity, ends_at)
     WHERE a.integration = ${integration} AND a.identity = ANY(${alerts.map((a) => a.identity)}::text[]) AND a.identity = t.identity AND a.status = 'firing'
    RETURNING a.id, a.identity, a.group_id AS "groupId", a.summary`;
}

/** Records resolved alerts that were never open here (a restart of the sender, a resolve before its firing), once each. */
export async function recordResolved(tx: RawTx, integration: string, groupId: number, alerts: IncomingAlert[], now: Date): Promise<number> {
  if (alerts.length === 0) return 0;
  return tx.$executeRaw`
    INSERT INTO alert (integration, identity, group_id, status, summary, severity, labels, annotations, links, starts_at, ends_at, received_at, last_seen_at, resolved_at)
    SELECT ${integration}, t.identity, ${groupId}, 'resolved', t.summary, t.severity, t.labels::jsonb, t.annotations::jsonb, t.links::jsonb, t.starts_at, COALESCE(t.ends_at, ${now}), ${now}, ${now}, ${now}
      FROM unnest(${alerts.map((a) => a.identity)}::text[], ${alerts.map((a) => a.summary)}::text[], ${alerts.map((a) => a.severity)}::text[],
                  ${alerts.map((a) => JSON.stringify(a.labels))}::text[], ${alerts.map((a) => JSON.stringify(a.annotations))}::text[],
                  ${alerts.map((a) => JSON.stringify(a.links))}::text[], ${alerts.map((a) => a.startsAt.toISOString())}::timestamptz[],
                  ${alerts.map((a) => a.endsAt?.toISOString() ?? null)}::timestamptz[])
           AS t(identity, summary, severity, labels, annotations, links, starts_at, ends_at)
     WHERE NOT EXISTS (SELECT 1 FROM alert x WHERE x.integration = ${integration} AND x.identity = t.identity AND x.starts_at = t.starts_at)`;
}

/** How many alerts of the group are firing. */
export async function firingCount(tx: RawTx, groupId: number): Promise<number> {
  const [row] = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM alert WHERE group_id = ${groupId} AND status = 'firing'`;
  return row.n;
}

/** The group's firing alerts, oldest first (at most `limit`), and how many there are (one statement). */
export async function firingAlertsOf(db: RawTx, groupId: number, limit = 5): Promise<{ alerts: AlertRow[]; count: number }> {
  const rows = await db.$queryRaw<(RawAlert & { firing: number })[]>`
    SELECT *, (count(*) OVER ())::int AS firing FROM alert WHERE group_id = ${groupId} AND status = 'firing' ORDER BY starts_at, id LIMIT ${limit}`;
  return { alerts: rows.map(toAlert), count: rows[0]?.firing ?? 0 };
}

/** The group's newest alerts, whatever their state (for a page whose alerts were all resolved). */
export async function latestAlertsOf(db: RawTx, groupId: number, limit = 5): Promise<AlertRow[]> {
  return (await db.$queryRaw<RawAlert[]>`SELECT * FROM alert WHERE group_id = ${groupId} ORDER BY id DESC LIMIT ${limit}`).map(toAlert);
}

/**
 * Open alerts by group, the group with the newest alert first: up to `perGroup` alerts of each of
 * up to `groups` groups (a storm of 1,000 in one group does not hide the others), and how many
 * are firing in each group.
 */
export async function listFiring(db: DbClient, groups: number, perGroup: number): Promise<{ alerts: AlertRow[]; firingByGroup: Map<number, number>; count: number }> {
  const counts = await db.$queryRaw<{ group_id: number; n: number; newest: number }[]>`
    SELECT group_id, count(*)::int AS n, max(id) AS newest FROM alert WHERE status = 'firing' GROUP BY group_id ORDER BY newest DESC`;
  const shown = counts.slice(0, groups).map((c) => c.group_id);
  const rows = shown.length
    ? await db.$queryRaw<RawAlert[]>`SELECT * FROM (SELECT a.*, row_number() OVER (PARTITION BY group_id ORDER BY id DESC) AS k FROM alert a
         WHERE status = 'firing' AND group_id = ANY(${shown}::int[])) x WHERE k <= ${perGroup} ORDER BY id DESC`
    : [];
  const order = new Map(shown.map((g, i) => [g, i]));
  const alerts = rows.map(toAlert).sort((a, b) => order.get(a.groupId)! - order.get(b.groupId)! || b.id - a.id);
  return { alerts, firingByGroup: new Map(counts.map((c) => [c.group_id, c.n])), count: counts.reduce((n, c) => n + c.n, 0) };
}

export async function alertById(db: DbClient, id: number): Promise<AlertRow | null> {
  const [row] = await db.$queryRaw<RawAlert[]>`SELECT * FROM alert WHERE id = ${id}`;
  return row ? toAlert(row) : null;
}

// ---------------------------------------------------------------------------------------------
// What integrations are sent: tokens and heartbeat pings
// ---------------------------------------------------------------------------------------------

/** Replaces the integration's token (only its hash is kept). */
export async function storeTokenHash(db: DbClient, integration: string, hash: string, now: Date): Promise<void> {
  await db.integrationState.upsert({
    where: { integration },
    create: { integration, tokenHash: hash, tokenCreatedAt: now },
    update: { tokenHash: hash, tokenCreatedAt: now },
  });
}

export async function tokenHashOf(db: RawTx, integration: string): Promise<string | null> {
  const [row] = await db.$queryRaw<{ token_hash: string | null }[]>`SELECT token_hash FROM integration_state WHERE integration = ${integration}`;
  return row?.token_hash ?? null;
}

/** The integrations that have a token. */
export async function integrationsWithToken(db: DbClient): Promise<Set<string>> {
  return new Set((await db.integrationState.findMany({ where: { tokenHash: { not: null } }, select: { integration: true } })).map((s) => s.integration));
}

export async function recordPing(tx: RawTx, integration: string, now: Date): Promise<void> {
  await tx.$executeRaw`INSERT INTO integration_state (integration, last_ping_at) VALUES (${integration}, ${now})
    ON CONFLICT (integration) DO UPDATE SET last_ping_at = GREATEST(integration_state.last_ping_at, EXCLUDED.last_ping_at)`;
}

/**
 * When each of these heartbeats was last heard from. With `watchFrom`, one never pinged is watched
 * from then (its row is made), so a new heartbeat does not fire at once.
 */
export async function lastPings(db: DbClient, integrations: string[], watchFrom?: Date): Promise<Map<string, Date>> {
  if (integrations.length === 0) return new Map();
  if (watchFrom) {
    await db.$executeRaw`INSERT INTO integration_state (integration, last_ping_at) SELECT n, ${watchFrom}::timestamptz FROM unnest(${integrations}::text[]) AS n
      ON CONFLICT (integration) DO UPDATE SET last_ping_at = EXCLUDED.last_ping_at WHERE integration_state.last_ping_at IS NULL`;
  }
  const rows = await db.$queryRaw<{ integration: string; last_ping_at: Date }[]>`
    SELECT integration, last_ping_at FROM integration_state WHERE integration = ANY(${integrations}::text[]) AND last_ping_at IS NOT NULL`;
  return new Map(rows.map((r) => [r.integration, r.last_ping_at]));
}

/** Which of these integrations have an open alert of this identity. */
export async function withOpenAlert(db: DbClient, integrations: string[], identity: string): Promise<Set<string>> {
  if (integrations.length === 0) return new Set();
  const rows = await db.$queryRaw<{ integration: string }[]>`
    SELECT integration FROM alert WHERE integration = ANY(${integrations}::text[]) AND identity = ${identity} AND status = 'firing'`;
  return new Set(rows.map((r) => r.integration));
}
