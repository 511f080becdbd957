// Postmortems from what the bot saw: action items recorded during the incident, the draft built
// from the database, and its export to the wiki through the outbox (retried while the wiki is
// down; the incident channel is told).
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { enforce, mayRespond, mayUseBot, type Actor } from "../access/policy.ts";
import { enqueue, recordedSince } from "../db/outbox.ts";
import { claimRequest, inTransaction, type DbClient, type Tx } from "../db/tx.ts";
import { PermanentFailure, TransientFailure, type Handler } from "../engine/outbox.ts";
import { UserError } from "../errors.ts";
import type { Incident } from "../incidents/incident.ts";
import { incidentRef } from "../incidents/lifecycle.ts";
import { channelPost, postmortemExport } from "../incidents/service.ts";
import { addTimelineEvents, incidentById, incidentsDeclaredBefore, lockIncident, postmortemVersionOf, recordPostmortem, recordPostmortemReviewed, timelineOf } from "../incidents/store.ts";
import { ACTION_ITEM_TYPES, type ActionItemType, type TimelineData } from "../incidents/timeline.ts";
import { loadAccess, loadService } from "../oncall/store.ts";
import { renderPostmortem, type PostmortemInput, type RelatedIncident } from "./draft/index.ts";
import { ExportError, postmortemSlug, type ExportedDocument, type PostmortemExporter } from "./export/exporter.ts";
import { actionItemsOf, completeActionItem, createActionItem, lockActionItem } from "./store.ts";

export interface ActionItemInput {
  text: string;
  ownerId: string | null;
  type: ActionItemType;
  /** The day it is due (a UTC date at midnight): its owner is told weekly once it is past. */
  dueOn?: Date | null;
}

const DAY_MS = 86_400_000;

/** An action item due on `dueOn` (a UTC date) is overdue from the start of the next day (UTC). */
export const overdueFrom = (dueOn: Date): Date => new Date(Date.UTC(dueOn.getUTCFullYear(), dueOn.getUTCMonth(), dueOn.getUTCDate()) + DAY_MS);

export async function addActionItem(db: Db, clock: Clock, incidentId: number, item: ActionItemInput, by: Actor, requestKey?: string): Promise<{ incident: Incident; id: number }> {
  enforce(mayUseBot(by));
  const actorId = by.userId;
  const text = item.text.trim();
  if (!text) throw new UserError("invalid_input", "An action item needs a text: `/incident action Add an alert on queue depth @owner type:detect`.");
  if (!ACTION_ITEM_TYPES.includes(item.type)) throw new UserError("invalid_input", `Action item types: ${ACTION_ITEM_TYPES.join(", ")}.`);
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    if (!(await claimRequest(tx, requestKey, now)).first) throw new UserError("duplicate", "That action item was already added.");
    const incident = (await lockIncident(tx, incidentId))!;
    if (incident.status === "closed") throw new UserError("conflict", `${incidentRef(incident.number)} is closed; add follow-ups to its postmortem instead.`);
    const dueOn = item.dueOn ?? null;
    const row = await createActionItem(tx, { incidentId, text, ownerId: item.ownerId, type: item.type, createdById: actorId, createdAt: now, dueOn, remindAt: dueOn ? overdueFrom(dueOn) : null });
    const [event] = await addTimelineEvents(tx, incidentId, actorId, now, [
      { kind: "action_item_added", actionItemId: row.id, text, ownerId: item.ownerId, type: item.type, ...(dueOn ? { dueOn: dueOn.toISOString().slice(0, 10) } : {}) },
    ]);
    await enqueue(tx, [channelPost(incidentId, event)], now);
    return { incident, id: row.id };
  });
}

/** Marks an action item done (anyone may, as anyone may add one): its owner is no longer reminded. */
export async function completeActionItemBy(db: Db, clock: Clock, id: number, by: Actor): Promise<{ incident: Incident; text: string; already: boolean }> {
  enforce(mayUseBot(by));
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const item = await lockActionItem(tx, id);
    const incident = item ? await incidentById(tx, item.incidentId) : null;
    if (!item || !incident || (incident.private && !(await by.inChannel(incident.channelId ?? "")))) throw new UserError("not_found", `There is no action item #${id}. \`/incident actions\` lists an incident's action items.`);
    if (item.doneAt) return { incident, text: item.text, already: true };
    await completeActionItem(tx, id, now);
    const [event] = await addTimelineEvents(tx, incident.id, by.userId, now, [{ kind: "action_item_done", actionItemId: id, text: item.text }]);
    if (incident.channelId) await enqueue(tx, [channelPost(incident.id, event)], now);
    return { incident, text: item.text, already: false };
  });
}

/**
 * Marks the postmortem reviewed (`/incident postmortem reviewed`): by the commander, the roles or
 * admins, once the incident is resolved or closed. The review reminder is then not sent.
 */
export async function markPostmortemReviewed(db: Db, clock: Clock, incidentId: number, by: Actor): Promise<{ incident: Incident; already: boolean }> {
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const incident = await lockIncident(tx, incidentId);
    if (!incident) throw new UserError("not_found", `There is no incident with id ${incidentId}.`);
    enforce(mayRespond(by, "postmortem_export", { ref: incidentRef(incident.number), ...incident }, { admins: (await loadAccess(tx))?.admins ?? [] }));
    if (incident.status !== "resolved" && incident.status !== "closed") {
      throw new UserError("conflict", `${incidentRef(incident.number)} is ${incident.status}: its postmortem is reviewed once it is resolved (\`/incident resolve\`).`);
    }
    if (incident.postmortemReviewedAt) return { incident, already: true };
    await recordPostmortemReviewed(tx, incidentId, now);
    const [event] = await addTimelineEvents(tx, incidentId, by.userId, now, [{ kind: "postmortem_reviewed" }]);
    if (incident.channelId) await enqueue(tx, [channelPost(incidentId, event)], now);
    return { incident, already: false };
  });
}

/** The same person asking again within this long queues no second export. */
const EXPORT_DEBOUNCE_MS = 60_000;

/**
 * Asks for the draft to be written and exported again (it updates the same document unless people edited it): by the
 * incident's commander, its roles or admins. Returns false when this person asked less than a
 * minute ago (that export is on its way; no second one is queued).
 */
export async function requestPostmortemExport(db: Db, clock: Clock, incidentId: number, by: Actor): Promise<boolean> {
  const now = clock.now();
  return inTransaction(db, async (tx) => {
    const incident = await lockIncident(tx, incidentId);
    if (!incident) throw new UserError("not_found", `There is no incident with id ${incidentId}.`);
    enforce(mayRespond(by, "postmortem_export", { ref: incidentRef(incident.number), ...incident }, { admins: (await loadAccess(tx))?.admins ?? [] }));
    const prefix = postmortemExport(incidentId, `by:${by.userId}:`).key;
    if (await recordedSince(tx, prefix, new Date(now.getTime() - EXPORT_DEBOUNCE_MS))) return false;
    await enqueue(tx, [postmortemExport(incidentId, `by:${by.userId}:${now.toISOString()}`)], now);
    return true;
  });
}

const STOP_WORDS = new Set(["the", "and", "for", "with", "from", "are", "was", "not", "but", "all", "our", "is", "in", "on", "of", "to", "a"]);
const words = (title: string) => new Set(title.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !STOP_WORDS.has(w)));

/** Earlier incidents of the same service, or whose titles share most of their words. */
export function similarTitles(a: string, b: string): boolean {
  const wa = words(a);
  const wb = words(b);
  if (wa.size === 0 || wb.size === 0) return false;
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return shared / Math.min(wa.size, wb.size) >= 0.5;
}

/** Everything the draft needs, read in one snapshot. */
export async function postmortemInput(db: DbClient, incidentId: number, now: Date, users: Record<string, string> = {}): Promise<PostmortemInput> {
  const incident = await incidentById(db, incidentId);
  if (!incident) throw new UserError("not_found", `There is no incident with id ${incidentId}.`);
  const [timeline, actionItems, earlier] = await Promise.all([timelineOf(db, incidentId), actionItemsOf(db, incidentId), incidentsDeclaredBefore(db, incident.declaredAt, incidentId, 500)]);
  const related: RelatedIncident[] = earlier
    // A private incident is never named in another incident's postmortem.
    .filter((i) => !i.private && ((incident.service && i.service === incident.service) || similarTitles(i.title, incident.title)))
    .slice(0, 10)
    .map((i) => ({ number: i.number, title: i.title, severity: i.severity, declaredAt: i.declaredAt, url: i.postmortemUrl }));
  const service = incident.service ? await loadService(db, incident.service) : null;
  return {
    incident,
    slo: service?.slo ? { service: service.name, ...service.slo } : null,
    timeline: timeline.map((e) => ({ id: e.id, actorId: e.actorId, occurredAt: e.occurredAt, data: e.data })),
    actionItems: actionItems.map((a) => ({ text: a.text, ownerId: a.ownerId, type: a.type, createdAt: a.createdAt })),
    relatedIncidents: related,
    users,
    channelUrl: incident.channelId ? `https://slack.com/app_redirect?channel=${incident.channelId}` : null,
    generatedAt: now,
  };
}

/** The people an event names besides its actor. */
function peopleOfEvent(d: TimelineData): (string | null)[] {
  switch (d.kind) {
    case "declared":
      return [d.commanderId];
    case "commander_changed":
    case "role_assigned":
      return [d.from, d.to];
    case "page_sent":
    case "page_acknowledged":
      return [d.userId];
    case "action_item_added":
      return [d.ownerId];
    default:
      return [];
  }
}

/** Every Slack user the draft names: actors, roles, people paged, action item owners. */
export function peopleIn(input: PostmortemInput): string[] {
  const ids = new Set<string>();
  const add = (v: unknown) => typeof v === "string" && /^[UW][A-Z0-9]+$/.test(v) && ids.add(v);
  const i = input.incident;
  [i.commanderId, i.commsLeadId, i.scribeId].forEach(add);
  for (const e of input.timeline) {
    add(e.actorId);
    peopleOfEvent(e.data).forEach(add);
  }
  for (const a of input.actionItems) add(a.ownerId);
  return [...ids];
}

export interface PostmortemOptions {
  exporter: PostmortemExporter;
  /** Where private incidents' drafts go (POSTMORTEM_PRIVATE_DIR); none: they are not exported. */
  privateExporter?: PostmortemExporter | null;
  template: string;
  /** Display names for Slack user ids, best effort (the draft shows ids otherwise). */
  userNames?: (ids: string[]) => Promise<Record<string, string>>;
}

/** What an export did, as exportPostmortem says it (see ExportedDocument). */
export type PostmortemExportResult = Pick<ExportedDocument, "location" | "url" | "outcome" | "regenerated">;

/**
 * Renders the draft and exports it (outside any transaction: the wiki may be slow), giving the
 * exporter the bot's last version of the document so that people's edits are kept; returns what
 * to record once it is there: where the document is and the bot's version of it, a timeline event,
 * the card edited and the link (or where the regenerated draft went) said in the channel.
 */
export async function exportPostmortem(
  db: DbClient,
  incidentId: number,
  now: Date,
  opts: PostmortemOptions,
): Promise<PostmortemExportResult & { markdown: string; record: (tx: Tx, at: Date) => Promise<void> }> {
  const input = await postmortemInput(db, incidentId, now);
  if (opts.userNames) input.users = await opts.userNames(peopleIn(input)).catch(() => ({}));
  const markdown = renderPostmortem(input, opts.template);
  const { number, title } = input.incident;
  const last = await postmortemVersionOf(db, incidentId);
  const exported = await opts.exporter.export({ incidentNumber: number, slug: postmortemSlug(title), title, markdown, generatedAt: now }, last);
  const { location, url, outcome, regenerated } = exported;
  const record = async (tx: Tx, at: Date) => {
    const incident = await recordPostmortem(tx, incidentId, { location, url, hash: exported.hash ?? null, version: exported.version ?? null }, at);
    const [event] = await addTimelineEvents(tx, incidentId, "incident-bot", at, [{ kind: "postmortem_exported", location, url, outcome, ...(regenerated ? { regenerated } : {}) }]);
    await enqueue(tx, [channelPost(incidentId, event), { key: `incident:${incidentId}:card:v${incident.version}`, kind: "incident.update_card", incidentId }], at);
  };
  return { location, url, outcome, ...(regenerated ? { regenerated } : {}), markdown, record };
}

export function postmortemHandlers(opts: PostmortemOptions): Record<string, Handler> {
  return {
    async "postmortem.export"({ db, message, now, log: deliveryLog }) {
      const incidentId = Number(message.payload.incidentId);
      const incident = await incidentById(db, incidentId);
      if (!incident) throw new PermanentFailure(`incident ${incidentId} no longer exists`, "incident_not_found");
      // (export messages are not tied to their incident's order, so the outbox does not name it)
      const log = deliveryLog.child({ incident: incidentRef(incident.number) });
      const exporter = incident.private ? opts.privateExporter : opts.exporter;
      if (!exporter) {
        log.info(`${incidentRef(incident.number)}: a private incident's postmortem draft is not exported (no private target is configured)`);
        return { result: { skipped: "private incident without a private postmortem target" } };
      }
      try {
        const { location, url, outcome, regenerated, record } = await exportPostmortem(db, incidentId, now, { ...opts, exporter });
        log.info(
          regenerated
            ? `${incidentRef(incident.number)}: ${location} has edits by people and is kept; the regenerated postmortem draft went to ${regenerated.location}`
            : `${incidentRef(incident.number)}: postmortem draft exported to ${location}`,
        );
        return { result: { location, url, outcome, ...(regenerated ? { regenerated } : {}) }, record };
      } catch (err) {
        if (!(err instanceof ExportError)) throw err;
        if (!err.retryable) throw new PermanentFailure(`the wiki refused the postmortem: ${err.message}`, "export_failed");
        // The first failure is said in the incident channel; the export keeps being retried.
        const tell =
          message.attempts === 1 && incident.channelId
            ? (tx: Tx, at: Date) =>
                enqueue(
                  tx,
                  [{ key: `postmortem-delayed:${message.id}`, kind: "slack.post", payload: { channel: incident.channelId, text: `:hourglass: The wiki did not take the postmortem draft of ${incidentRef(incident.number)} (${err.message}). I will keep trying; nothing is lost.` } }],
                  at,
                )
            : undefined;
        throw new TransientFailure(err.message, err.retryAfterMs ? Math.ceil(err.retryAfterMs / 1000) : undefined, tell);
      }
    },
  };
}

/** What people do about postmortems from Slack: action items, and asking for the draft. */
export class PostmortemService {
  constructor(private readonly opts: { db: Db; clock: Clock }) {}

  addActionItem(incidentId: number, item: ActionItemInput, by: Actor, requestKey?: string): Promise<{ incident: Incident; id: number }> {
    return addActionItem(this.opts.db, this.opts.clock, incidentId, item, by, requestKey);
  }

  actionItems(incidentId: number) {
    return actionItemsOf(this.opts.db, incidentId);
  }

  completeActionItem(id: number, by: Actor) {
    return completeActionItemBy(this.opts.db, this.opts.clock, id, by);
  }

  markReviewed(incidentId: number, by: Actor) {
    return markPostmortemReviewed(this.opts.db, this.opts.clock, incidentId, by);
  }

  requestExport(incidentId: number, by: Actor): Promise<boolean> {
    return requestPostmortemExport(this.opts.db, this.opts.clock, incidentId, by);
  }
}
