// Incident services: each user action is one transaction that writes the incident, its timeline
// events and the Slack messages it causes (the outbox). Slack is only called after the commit.
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { enqueue, type OutboxEntry } from "../db/outbox.ts";
import { inSqlTransaction } from "../db/sql.ts";
import { claimRequest, inTransaction, rememberResponse, type RawTx, type Tx } from "../db/tx.ts";
import { enforce, mayRespond, maySeeIncident, mayUseBot, type Actor, type ResponderAction } from "../access/policy.ts";
import { UserError } from "../errors.ts";
import { loadAccess, loadService, serviceNames } from "../oncall/store.ts";
import { keyTimes } from "./durations.ts";
import type { Incident } from "./incident.ts";
import { channelNameFor, decide, incidentRef, onlyAddsToTimeline, type Change, type IncidentState, type Severity } from "./lifecycle.ts";
import {
  addTimelineEvents,
  createIncident,
  incidentById,
  incidentByChannel,
  incidentByNumber,
  lockIncident,
  openIncidents,
  takeNextNumber,
  timelineOf,
  updateIncident,
} from "./store.ts";
import type { TimelineData, TimelineEvent } from "./timeline.ts";

/** What declaring asks of escalation (an interface: escalation depends on incidents, not the other way). */
export interface Pager {
  /** Starts a page of the service's escalation policy in the caller's transaction. */
  pageService(tx: Tx, incident: Incident, service: string, pagedById: string, now: Date): Promise<unknown>;
  /** Stops the pages of an incident that was resolved or closed (in the caller's transaction). */
  cancelForIncident(tx: RawTx, incidentId: number, reason: string, actorId: string, now: Date): Promise<void>;
}

/**
 * What a change asks of the reminders: their due instants, written in the change's transaction (an
 * interface: reminders depend on incidents, not the other way).
 */
export interface ReminderHook {
  afterChange(tx: RawTx, incident: Incident, events: readonly TimelineData[], now: Date): Promise<void>;
}

export interface IncidentServiceOptions {
  db: Db;
  clock: Clock;
  /** Channel id where new incidents and status updates are announced. */
  announceChannel?: string | null;
  /** A private incident's declaration in the announce channel: none, or a line without its title. */
  announcePrivate?: "none" | "redacted";
  /** Pages a service's escalation policy when a SEV1/SEV2 is declared for it. */
  pager?: Pager;
  /** Sets when the incident's reminders are due. */
  reminders?: ReminderHook;
}

/** Severities that page the service's escalation policy at once when declared with a service. */
export const PAGING_SEVERITIES: readonly Severity[] = ["SEV1", "SEV2"];

export interface DeclareInput {
  title: string;
  severity: Severity;
  description?: string | null;
  commanderId?: string | null;
  service?: string | null;
  /** A private incident: a private channel, no announcement, nothing said outside its channel. */
  private?: boolean;
}

/** Which changes only the incident's commander, its roles and admins may make. */
const RESPONDER_CHANGES: Partial<Record<Change["kind"], ResponderAction>> = {
  severity: "severity",
  status: "status",
  resolve: "resolve",
  reopen: "reopen",
  close: "close",
  commander: "commander",
  role: "role",
};

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

const stateOf = (i: Incident): IncidentState => ({
  title: i.title,
  severity: i.severity,
  status: i.status,
  commanderId: i.commanderId,
  commsLeadId: i.commsLeadId,
  scribeId: i.scribeId,
  resolution: i.resolution,
});

/** A private incident's channel name: its number only (a public one's carries its title). */
export const privateChannelName = (number: number): string => `inc-${number}-private`;

/** "There is no service X", with the services there are. */
export function noSuchService(name: string, known: string[]): UserError {
  return new UserError(
    "not_found",
    `There is no service \`${name}\`. ${known.length ? `Services: ${known.join(", ")}.` : "No services are defined yet (apply a rota file with `incident-bot rota apply`)."}`,
  );
}

export class IncidentService {
  constructor(private readonly opts: IncidentServiceOptions) {}

  private get db() {
    return this.opts.db;
  }

  /**
   * Declares an incident. With a request key, a repeat of the same request returns the first result.
   * `attach` runs in the same transaction once the incident exists (an incident declared from
   * alerts takes their page); `page: false` does not page the service (the alerts already did).
   */
  async declare(
    input: DeclareInput,
    by: Actor,
    requestKey?: string,
    opts: { page?: boolean; attach?: (tx: Tx, incident: Incident, now: Date) => Promise<void> } = {},
  ): Promise<{ incident: Incident; duplicate: boolean }> {
    enforce(mayUseBot(by));
    const now = this.opts.clock.now();
    return inTransaction(this.db, async (tx) => {
      const claim = await claimRequest(tx, requestKey, now);
      if (!claim.first) {
        const id = (claim.response as { incidentId?: number } | null)?.incidentId;
        const incident = id ? await incidentById(tx, id) : null;
        if (incident) return { incident, duplicate: true };
        throw new UserError("duplicate", "That request is already being handled.");
      }
      const incident = await this.declareIn(tx, input, by.userId, now, { page: opts.page });
      await opts.attach?.(tx, incident, now);
      await rememberResponse(tx, requestKey, { incidentId: incident.id });
      return { incident, duplicate: false };
    });
  }

  /**
   * Declares an incident in the caller's transaction: the incident, its first timeline event, its
   * channel, card and announcement (the outbox), and the service's page for a SEV1/SEV2 unless
   * `page` is false. Whom the channel invites: the declarer and the commander, or `invite`.
   */
  async declareIn(tx: Tx, input: DeclareInput, declaredById: string, now: Date, opts: { page?: boolean; invite?: string[] } = {}): Promise<Incident> {
    const isPrivate = input.private === true;
    if (input.service && !(await loadService(tx, input.service))) throw noSuchService(input.service, await serviceNames(tx));
    const number = await takeNextNumber(tx);
    const commanderId = input.commanderId ?? declaredById;
    const incident = await createIncident(tx, {
      number,
      title: input.title,
      description: input.description ?? null,
      severity: input.severity,
      commanderId,
      service: input.service ?? null,
      // A private incident's channel says nothing of it: its name is not made from the title.
      channelName: isPrivate ? privateChannelName(number) : channelNameFor(number, input.title),
      declaredById,
      declaredAt: now,
      private: isPrivate,
    });
    const declared: TimelineData[] = [
      { kind: "declared", title: input.title, severity: input.severity, commanderId, description: input.description ?? null, service: input.service ?? null },
    ];
    await addTimelineEvents(tx, incident.id, declaredById, now, declared);
    await this.opts.reminders?.afterChange(tx, incident, declared, now);
    const key = `incident:${incident.id}`;
    const messages: OutboxEntry[] = [
      { key: `${key}:channel`, kind: "incident.create_channel", incidentId: incident.id },
      { key: `${key}:invite:declared`, kind: "incident.invite", incidentId: incident.id, payload: { users: opts.invite ?? [...new Set([declaredById, commanderId])] } },
      { key: `${key}:card`, kind: "incident.post_card", incidentId: incident.id },
      { key: `${key}:pin`, kind: "incident.pin_card", incidentId: incident.id },
    ];
    if (this.opts.announceChannel && (!isPrivate || this.opts.announcePrivate === "redacted")) {
      messages.push({ key: `${key}:announce:declared`, kind: "incident.announce", incidentId: incident.id, payload: { channel: this.opts.announceChannel, event: "declared" } });
    }
    await enqueue(tx, messages, now);
    if (opts.page !== false && input.service && this.opts.pager && PAGING_SEVERITIES.includes(input.severity)) {
      await this.opts.pager.pageService(tx, incident, input.service, declaredById, now);
    }
    return incident;
  }

  /**
   * Applies a change to an incident: by id, as just read by `resolveTarget`, or the incident of the
   * channel where the command was typed. The incident row is locked for the transaction, so two
   * people changing it at once are applied one after the other and neither change is lost.
   */
  async change(
    target: number | Incident | { channelId: string },
    change: Change,
    by: Actor,
    requestKey?: string,
  ): Promise<{ incident: Incident; events: TimelineEvent[]; duplicate: boolean }> {
    const now = this.opts.clock.now();
    const actorId = by.userId;
    let which: number | { channelId: string };
    if (typeof target === "number" || "id" in target) {
      const seen = typeof target === "number" ? await this.byId(target) : target;
      if (!seen) throw new UserError("not_found", `There is no incident with id ${target}.`);
      await this.mustSee(seen, by);
      which = seen.id;
    } else {
      which = target;
    }
    // A transaction in SQL: the command path's, without Prisma's interactive-transaction cost.
    const result = await inSqlTransaction(this.db, async (tx) => {
      // A repeat of the request changes nothing (its answer is the incident as it is).
      const claim = await claimRequest(tx, requestKey, now);
      // The rota's admins, read before the incident is locked (the lock is held for as little as can be).
      const action = RESPONDER_CHANGES[change.kind];
      const admins = action ? ((await loadAccess(tx))?.admins ?? []) : [];
      const current = await lockIncident(tx, which, onlyAddsToTimeline(change) ? "share" : "update");
      if (!current) return null;
      // Typed in the incident's own channel: only the people in it can (a private one's included).
      if (typeof which !== "number") enforce(maySeeIncident(by, { ref: incidentRef(current.number), private: current.private }, true));
      if (!claim.first) return { incident: current, events: [], duplicate: true };
      const incidentId = current.id;
      // Who may: decided on the incident as it is now (locked).
      enforce(action ? mayRespond(by, action, { ref: incidentRef(current.number), ...current }, { admins }) : mayUseBot(by));
      const decision = decide(stateOf(current), change);
      if (!decision.ok) throw new UserError("forbidden_transition", decision.error);
      const next = decision.state;
      const statusEvent = decision.events.find((e) => e.kind === "status_changed");
      const to = statusEvent?.kind === "status_changed" ? statusEvent : null;
      // A note or a status update adds to the timeline and leaves the incident (and its card) as it is.
      const changed = to !== null || (Object.keys(next) as (keyof IncidentState)[]).some((k) => next[k] !== stateOf(current)[k]);
      const incident = !changed
        ? current
        : await updateIncident(tx, incidentId, {
            severity: next.severity,
            status: next.status,
            commanderId: next.commanderId,
            commsLeadId: next.commsLeadId,
            scribeId: next.scribeId,
            resolution: next.resolution,
            ...(to?.to === "resolved" ? { resolvedAt: now } : {}),
            ...(to?.to === "investigating" && to.from === "resolved" ? { resolvedAt: null } : {}),
            ...(to?.to === "closed" ? { closedAt: now } : {}),
          });
      const events = await addTimelineEvents(tx, incidentId, actorId, now, decision.events);
      await this.opts.reminders?.afterChange(tx, incident, decision.events, now);
      if (to && (to.to === "resolved" || to.to === "closed")) {
        await this.opts.pager?.cancelForIncident(tx, incidentId, `the incident was ${to.to}`, actorId, now);
      }
      await enqueue(tx, this.messagesFor(incident, events), now);
      return { incident, events, duplicate: false };
    });
    if (!result) {
      if (typeof which === "number") throw new UserError("not_found", `There is no incident with id ${which}.`);
      throw await this.notAnIncidentChannel(by);
    }
    return result;
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
        if (this.opts.announceChannel && !incident.private) {
          out.push({ key: `${key}:announce:${e.id}`, kind: "incident.announce", incidentId: incident.id, payload: { channel: this.opts.announceChannel, event: String(e.id) } });
        }
      }
      if (d.kind === "status_changed" && (d.to === "resolved" || d.to === "closed" || d.from === "resolved") && this.opts.announceChannel && !incident.private) {
        out.push({ key: `${key}:announce:${e.id}`, kind: "incident.announce", incidentId: incident.id, payload: { channel: this.opts.announceChannel, event: String(e.id) } });
      }
    }
    const changesCard = events.some((e) => e.data.kind !== "note" && e.data.kind !== "status_update");
    if (changesCard) out.push({ key: `${key}:card:v${incident.version}`, kind: "incident.update_card", incidentId: incident.id });
    const closed = events.find((e) => e.data.kind === "status_changed" && e.data.to === "closed");
    if (closed) out.push(postmortemExport(incident.id, `closed:${closed.id}`));
    return out;
  }

  /**
   * `/incident impact start|end <time>`: when the impact really began or ended (for the SLO error
   * budget), on the timeline. By the commander, the roles or admins; never in the future, and the
   * window never ends before it starts.
   */
  async setImpact(target: Incident, edge: "start" | "end", at: Date, by: Actor): Promise<{ incident: Incident; startAt: Date; endAt: Date | null }> {
    const now = this.opts.clock.now();
    const ref = incidentRef(target.number);
    if (at.getTime() > now.getTime()) throw new UserError("invalid_input", `${at.toISOString()} is in the future; the impact ${edge === "start" ? "starts" : "ends"} at a time that has passed (or \`now\`).`);
    return inTransaction(this.db, async (tx) => {
      const current = await lockIncident(tx, target.id);
      if (!current) throw new UserError("not_found", `There is no ${ref}.`);
      enforce(mayRespond(by, "impact", { ref, ...current }, { admins: (await loadAccess(tx))?.admins ?? [] }));
      const times = keyTimes(await timelineOf(tx, current.id), current);
      if (edge === "start" && times.impactEndAt && at.getTime() >= times.impactEndAt.getTime()) {
        throw new UserError("invalid_input", `The impact of ${ref} ended at ${times.impactEndAt.toISOString()}; it cannot start at ${at.toISOString()}, after that. Set the end first: \`/incident impact end <time>\`.`);
      }
      if (edge === "end" && at.getTime() <= times.impactStartAt.getTime()) {
        throw new UserError("invalid_input", `The impact of ${ref} started at ${times.impactStartAt.toISOString()}; it cannot end at ${at.toISOString()}, before that. Set the start first: \`/incident impact start <time>\`.`);
      }
      const [event] = await addTimelineEvents(tx, current.id, by.userId, now, [{ kind: "impact_changed", edge, at: at.toISOString() }]);
      if (current.channelId) await enqueue(tx, [channelPost(current.id, event)], now);
      return { incident: current, startAt: edge === "start" ? at : times.impactStartAt, endAt: edge === "end" ? at : times.impactEndAt };
    });
  }

  byId(id: number): Promise<Incident | null> {
    return incidentById(this.db, id);
  }

  byNumber(number: number): Promise<Incident | null> {
    return incidentByNumber(this.db, number);
  }

  byChannel(channelId: string): Promise<Incident | null> {
    return incidentByChannel(this.db, channelId);
  }

  /** The open incidents this person may see (private ones only for the people in their channel). */
  async listOpen(by: Actor): Promise<Incident[]> {
    const open = await openIncidents(this.db);
    const seen = await Promise.all(open.map(async (i) => (await this.canSee(i, by)) ? i : null));
    return seen.filter((i): i is Incident => i !== null);
  }

  /** Whether this person may see the incident: anyone for a public one, the people in its channel for a private one. */
  async canSee(incident: Incident, by: Actor): Promise<boolean> {
    return (await this.visibility(incident, by)).ok;
  }

  private async visibility(incident: Incident, by: Actor) {
    if (!incident.private) return maySeeIncident(by, { ref: incidentRef(incident.number), private: false }, false);
    // Before its channel exists, the people it was declared for are its people.
    const inChannel = incident.channelId ? await by.inChannel(incident.channelId) : by.userId === incident.declaredById || by.userId === incident.commanderId;
    return maySeeIncident(by, { ref: incidentRef(incident.number), private: true }, inChannel);
  }

  /** Refuses (saying why) when this person may not see the incident. */
  async mustSee(incident: Incident, by: Actor): Promise<void> {
    enforce(await this.visibility(incident, by));
  }

  timeline(incidentId: number): Promise<TimelineEvent[]> {
    return timelineOf(this.db, incidentId);
  }

  /**
   * The incident a command acts on: this channel's incident, else the one named by INC-<n>.
   * Refuses with the open incidents listed when neither names one.
   */
  async resolveTarget(channelId: string | null, number: number | null, by: Actor): Promise<Incident> {
    if (number !== null) {
      const named = await this.byNumber(number);
      if (!named) throw new UserError("not_found", `There is no ${incidentRef(number)}. ${await this.openListSentence(by)}`);
      await this.mustSee(named, by);
      return named;
    }
    const here = channelId ? await this.byChannel(channelId) : null;
    if (here) {
      await this.mustSee(here, by);
      return here;
    }
    throw await this.notAnIncidentChannel(by);
  }

  private async notAnIncidentChannel(by: Actor): Promise<UserError> {
    return new UserError("not_found", `This channel is not an incident channel, so say which incident: add \`INC-<n>\` to the command. ${await this.openListSentence(by)}`);
  }

  private async openListSentence(by: Actor): Promise<string> {
    const open = await this.listOpen(by);
    if (open.length === 0) return "There are no open incidents.";
    return `Open incidents: ${open.map((i) => `${incidentRef(i.number)} (${i.title}, ${i.severity}, ${i.status})`).join("; ")}.`;
  }
}
