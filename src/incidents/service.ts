// Incident services: each user action is one transaction that writes the incident, its timeline
// events and the Slack messages it causes (the outbox). Slack is only called after the commit.
import type { Clock } from "../clock.ts";
import type { Db, Prisma } from "../db/client.ts";
import { enqueue, type OutboxEntry, type Tx } from "../engine/outbox-store.ts";
import {
  channelNameFor,
  decide,
  incidentRef,
  isOpen,
  OPEN_STATUSES,
  type Change,
  type IncidentState,
  type Severity,
  type Status,
  type TimelineData,
} from "./lifecycle.ts";

/** What the incident lifecycle asks of escalation (kept as an interface: escalation depends on incidents). */
export interface Pager {
  resolveTarget(tx: Tx, text: string): Promise<{ label: string; policy: { name: string } }>;
  startPage(tx: Tx, incident: Incident, target: never, pagedById: string, message: string | null, now: Date): Promise<unknown>;
  cancelForIncident(tx: Tx, incidentId: number, reason: string, actorId: string, now: Date): Promise<void>;
}

export interface IncidentServiceOptions {
  db: Db;
  clock: Clock;
  /** Channel id where new incidents and status updates are announced. */
  announceChannel?: string | null;
  /** Pages a service's escalation policy when a SEV1/SEV2 is declared for it. */
  pager?: Pager;
}

/** Severities that page the service's escalation policy at once when declared with a service. */
export const PAGING_SEVERITIES: readonly Severity[] = ["SEV1", "SEV2"];

export interface Incident {
  id: number;
  number: number;
  title: string;
  description: string | null;
  severity: Severity;
  status: Status;
  commanderId: string;
  commsLeadId: string | null;
  scribeId: string | null;
  service: string | null;
  channelName: string;
  channelId: string | null;
  cardTs: string | null;
  resolution: string | null;
  declaredById: string;
  declaredAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  version: number;
  postmortemLocation: string | null;
  postmortemUrl: string | null;
  postmortemExportedAt: Date | null;
}

export interface TimelineEvent {
  id: bigint;
  incidentId: number;
  actorId: string;
  occurredAt: Date;
  data: TimelineData;
}

/** A refusal: nothing was written; the message says what was wrong and what would work. */
export class Refusal extends Error {}

export interface DeclareInput {
  title: string;
  severity: Severity;
  description?: string | null;
  commanderId?: string | null;
  service?: string | null;
  declaredById: string;
}

type Stored = { response: Prisma.JsonValue | null } | null;

/** Marks a request as handled in this transaction; returns the earlier answer when it was already. */
async function claimRequest(tx: Tx, key: string | undefined, now: Date): Promise<Stored> {
  if (!key) return null;
  const inserted = await tx.$executeRaw`INSERT INTO processed_request (key, processed_at) VALUES (${key}, ${now}) ON CONFLICT (key) DO NOTHING`;
  if (inserted === 1) return null;
  const row = await tx.processedRequest.findUnique({ where: { key } });
  return { response: row?.response ?? null };
}

async function rememberResponse(tx: Tx, key: string | undefined, response: Prisma.InputJsonValue): Promise<void> {
  if (key) await tx.processedRequest.update({ where: { key }, data: { response } });
}

/** Writes timeline events in the caller's transaction. */
export async function addTimelineEvents(tx: Tx, incidentId: number, actorId: string, at: Date, events: TimelineData[]): Promise<TimelineEvent[]> {
  if (events.length === 0) return [];
  if (events.length === 1) return [toTimelineEvent(await tx.timelineEvent.create({ data: timelineRow(incidentId, actorId, at, events[0]) }))];
  const rows = await tx.timelineEvent.createManyAndReturn({ data: events.map((e) => timelineRow(incidentId, actorId, at, e)) });
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1)).map(toTimelineEvent);
}

export interface NewTimelineEvent {
  incidentId: number;
  actorId: string;
  occurredAt: Date;
  data: TimelineData;
}

/**
 * Writes many timeline events, of any incidents, in two statements and in the order given (ids
 * are taken from the sequence first, so the order is the ids' order).
 */
export async function insertTimelineEvents(tx: Tx, events: NewTimelineEvent[]): Promise<TimelineEvent[]> {
  if (events.length === 0) return [];
  const ids = (await tx.$queryRaw<{ id: bigint }[]>`SELECT nextval(pg_get_serial_sequence('timeline_event', 'id')) AS id FROM generate_series(1, ${events.length})`)
    .map((r) => BigInt(r.id))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = events.map((e, i) => ({ id: ids[i], ...timelineRow(e.incidentId, e.actorId, e.occurredAt, e.data) }));
  await tx.$executeRaw`INSERT INTO timeline_event (id, incident_id, kind, actor_id, occurred_at, data)
    SELECT * FROM unnest(${rows.map((r) => r.id.toString())}::bigint[], ${rows.map((r) => r.incidentId)}::int[], ${rows.map((r) => r.kind)}::text[],
                         ${rows.map((r) => r.actorId)}::text[], ${rows.map((r) => r.occurredAt.toISOString())}::timestamptz[], ${rows.map((r) => JSON.stringify(r.data))}::jsonb[])`;
  return events.map((e, i) => ({ id: ids[i], incidentId: e.incidentId, actorId: e.actorId, occurredAt: e.occurredAt, data: e.data }));
}

/**
 * Writes the postmortem draft and exports it to the wiki (after the commit, retried while the
 * wiki is down). Not queued behind the incident's Slack messages, nor they behind it.
 */
export function postmortemExport(incidentId: number, reason: string): OutboxEntry {
  return { key: `postmortem:${incidentId}:${reason}`, kind: "postmortem.export", incidentId: null, payload: { incidentId } };
}

/** Posts a timeline event in the incident's channel (after the commit, through the outbox). */
export function channelPost(incidentId: number, event: TimelineEvent): OutboxEntry {
  return { key: `incident:${incidentId}:post:${event.id}`, kind: "incident.post", incidentId, payload: { event: String(event.id) } };
}

function timelineRow(incidentId: number, actorId: string, at: Date, data: TimelineData) {
  const { kind, ...rest } = data;
  return { incidentId, kind, actorId, occurredAt: at, data: rest as Prisma.InputJsonValue };
}

export function toTimelineEvent(row: { id: bigint; incidentId: number; kind: string; actorId: string; occurredAt: Date; data: Prisma.JsonValue }): TimelineEvent {
  return { id: row.id, incidentId: row.incidentId, actorId: row.actorId, occurredAt: row.occurredAt, data: { kind: row.kind, ...(row.data as object) } as TimelineData };
}

const stateOf = (i: Incident): IncidentState => ({
  title: i.title,
  severity: i.severity,
  status: i.status,
  commanderId: i.commanderId,
  commsLeadId: i.commsLeadId,
  scribeId: i.scribeId,
  resolution: i.resolution,
});

export class IncidentService {
  constructor(private readonly opts: IncidentServiceOptions) {}

  private get db() {
    return this.opts.db;
  }

  private transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn, { timeout: 15_000, maxWait: 10_000 });
  }

  /** Declares an incident. With a request key, a repeat of the same request returns the first result. */
  async declare(input: DeclareInput, requestKey?: string): Promise<{ incident: Incident; duplicate: boolean }> {
    const now = this.opts.clock.now();
    return this.transaction(async (tx) => {
      const earlier = await claimRequest(tx, requestKey, now);
      if (earlier) {
        const id = (earlier.response as { incidentId?: number } | null)?.incidentId;
        const incident = id ? ((await tx.incident.findUnique({ where: { id } })) as Incident | null) : null;
        if (incident) return { incident, duplicate: true };
        throw new Refusal("That request is already being handled.");
      }
      if (input.service) {
        const known = await tx.service.findUnique({ where: { name: input.service } });
        if (!known) {
          const services = (await tx.service.findMany({ orderBy: { name: "asc" } })).map((s) => s.name);
          throw new Refusal(`There is no service \`${input.service}\`. ${services.length ? `Services: ${services.join(", ")}.` : "No services are defined yet (apply a rota file with `incident-bot rota apply`)."}`);
        }
      }
      // Incident numbers have no gaps: one declaration at a time takes the next number.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(7201, 1)`;
      const [{ next }] = await tx.$queryRaw<{ next: number }[]>`SELECT COALESCE(MAX(number), 0) + 1 AS next FROM incident`;
      const number = Number(next);
      const commanderId = input.commanderId ?? input.declaredById;
      const incident = (await tx.incident.create({
        data: {
          number,
          title: input.title,
          description: input.description ?? null,
          severity: input.severity,
          status: "investigating",
          commanderId,
          service: input.service ?? null,
          channelName: channelNameFor(number, input.title),
          declaredById: input.declaredById,
          declaredAt: now,
        },
      })) as Incident;
      const declared: TimelineData = {
        kind: "declared",
        title: input.title,
        severity: input.severity,
        commanderId,
        description: input.description ?? null,
        service: input.service ?? null,
      };
      await tx.timelineEvent.create({ data: timelineRow(incident.id, input.declaredById, now, declared) });
      const key = `incident:${incident.id}`;
      const messages: OutboxEntry[] = [
        { key: `${key}:channel`, kind: "incident.create_channel", incidentId: incident.id },
        { key: `${key}:invite:declared`, kind: "incident.invite", incidentId: incident.id, payload: { users: [...new Set([input.declaredById, commanderId])] } },
        { key: `${key}:card`, kind: "incident.post_card", incidentId: incident.id },
        { key: `${key}:pin`, kind: "incident.pin_card", incidentId: incident.id },
      ];
      if (this.opts.announceChannel) {
        messages.push({ key: `${key}:announce:declared`, kind: "incident.announce", incidentId: incident.id, payload: { channel: this.opts.announceChannel, event: "declared" } });
      }
      await enqueue(tx, messages, now);
      if (input.service && this.opts.pager && PAGING_SEVERITIES.includes(input.severity)) {
        const target = await this.opts.pager.resolveTarget(tx, `service:${input.service}`);
        await this.opts.pager.startPage(tx, incident, target as never, input.declaredById, null, now);
      }
      await rememberResponse(tx, requestKey, { incidentId: incident.id });
      return { incident, duplicate: false };
    });
  }

  /**
   * Applies a change to an incident. The incident row is locked for the transaction, so two people
   * changing it at once are applied one after the other and neither change is lost.
   */
  async change(incidentId: number, change: Change, actorId: string, requestKey?: string): Promise<{ incident: Incident; events: TimelineEvent[]; duplicate: boolean }> {
    const now = this.opts.clock.now();
    return this.transaction(async (tx) => {
      const earlier = await claimRequest(tx, requestKey, now);
      if (earlier) {
        const incident = (await tx.incident.findUnique({ where: { id: incidentId } })) as Incident;
        return { incident, events: [], duplicate: true };
      }
      await tx.$queryRaw`SELECT id FROM incident WHERE id = ${incidentId} FOR UPDATE`;
      const current = (await tx.incident.findUnique({ where: { id: incidentId } })) as Incident | null;
      if (!current) throw new Refusal(`There is no incident with id ${incidentId}.`);
      const decision = decide(stateOf(current), change);
      if (!decision.ok) throw new Refusal(decision.error);
      const next = decision.state;
      const statusEvent = decision.events.find((e) => e.kind === "status_changed");
      const incident = (await tx.incident.update({
        where: { id: incidentId },
        data: {
          severity: next.severity,
          status: next.status,
          commanderId: next.commanderId,
          commsLeadId: next.commsLeadId,
          scribeId: next.scribeId,
          resolution: next.resolution,
          ...(statusEvent?.kind === "status_changed" && statusEvent.to === "resolved" ? { resolvedAt: now } : {}),
          ...(statusEvent?.kind === "status_changed" && statusEvent.to === "investigating" && statusEvent.from === "resolved" ? { resolvedAt: null } : {}),
          ...(statusEvent?.kind === "status_changed" && statusEvent.to === "closed" ? { closedAt: now } : {}),
          version: { increment: 1 },
        },
      })) as Incident;
      const events = await addTimelineEvents(tx, incidentId, actorId, now, decision.events);
      if (statusEvent?.kind === "status_changed" && (statusEvent.to === "resolved" || statusEvent.to === "closed")) {
        await this.opts.pager?.cancelForIncident(tx, incidentId, `the incident was ${statusEvent.to}`, actorId, now);
      }
      await enqueue(tx, this.messagesFor(incident, events), now);
      await rememberResponse(tx, requestKey, { incidentId, version: incident.version });
      return { incident, events, duplicate: false };
    });
  }

  /** The Slack messages a change causes: the card edited in place, invitations, posts. */
  private messagesFor(incident: Incident, events: TimelineEvent[]): OutboxEntry[] {
    const key = `incident:${incident.id}`;
    const out: OutboxEntry[] = [];
    for (const e of events) {
      const d = e.data;
      if (d.kind === "commander_changed" || d.kind === "role_assigned") {
        out.push({ key: `${key}:invite:${e.id}`, kind: "incident.invite", incidentId: incident.id, payload: { users: [d.to] } });
      }
      if (d.kind === "status_update") {
        out.push({ key: `${key}:post:${e.id}`, kind: "incident.post", incidentId: incident.id, payload: { event: String(e.id) } });
        if (this.opts.announceChannel) {
          out.push({ key: `${key}:announce:${e.id}`, kind: "incident.announce", incidentId: incident.id, payload: { channel: this.opts.announceChannel, event: String(e.id) } });
        }
      }
      if (d.kind === "status_changed" && (d.to === "resolved" || d.to === "closed" || d.from === "resolved") && this.opts.announceChannel) {
        out.push({ key: `${key}:announce:${e.id}`, kind: "incident.announce", incidentId: incident.id, payload: { channel: this.opts.announceChannel, event: String(e.id) } });
      }
    }
    const changesCard = events.some((e) => e.data.kind !== "note" && e.data.kind !== "status_update");
    if (changesCard) out.push({ key: `${key}:card:v${incident.version}`, kind: "incident.update_card", incidentId: incident.id });
    const closed = events.find((e) => e.data.kind === "status_changed" && e.data.to === "closed");
    if (closed) out.push(postmortemExport(incident.id, `closed:${closed.id}`));
    return out;
  }

  async byId(id: number): Promise<Incident | null> {
    return (await this.db.incident.findUnique({ where: { id } })) as Incident | null;
  }

  async byNumber(number: number): Promise<Incident | null> {
    return (await this.db.incident.findUnique({ where: { number } })) as Incident | null;
  }

  async byChannel(channelId: string): Promise<Incident | null> {
    return (await this.db.incident.findUnique({ where: { channelId } })) as Incident | null;
  }

  async listOpen(): Promise<Incident[]> {
    return (await this.db.incident.findMany({ where: { status: { in: [...OPEN_STATUSES] } }, orderBy: { number: "asc" } })) as Incident[];
  }

  async timeline(incidentId: number): Promise<TimelineEvent[]> {
    const rows = await this.db.timelineEvent.findMany({ where: { incidentId }, orderBy: { id: "asc" } });
    return rows.map(toTimelineEvent);
  }

  async event(id: bigint): Promise<TimelineEvent | null> {
    const row = await this.db.timelineEvent.findUnique({ where: { id } });
    return row ? toTimelineEvent(row) : null;
  }

  /**
   * The incident a command acts on: this channel's incident, else the one named by INC-<n>.
   * Refuses with the open incidents listed when neither names one.
   */
  async resolveTarget(channelId: string | null, number: number | null): Promise<Incident> {
    if (number !== null) {
      const named = await this.byNumber(number);
      if (!named) throw new Refusal(`There is no ${incidentRef(number)}. ${await this.openListSentence()}`);
      return named;
    }
    const here = channelId ? await this.byChannel(channelId) : null;
    if (here) return here;
    throw new Refusal(`This channel is not an incident channel, so say which incident: add \`INC-<n>\` to the command. ${await this.openListSentence()}`);
  }

  private async openListSentence(): Promise<string> {
    const open = await this.listOpen();
    if (open.length === 0) return "There are no open incidents.";
    return `Open incidents: ${open.map((i) => `${incidentRef(i.number)} (${i.title}, ${i.severity}, ${i.status})`).join("; ")}.`;
  }
}

export { isOpen };
