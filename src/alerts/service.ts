// Alerts in: what an integration is sent becomes alerts, grouped as their source grouped them, and
// a group's firing alerts share one page through the service's escalation policy. Each body is one
// transaction (alerts, page, incident, messages); Slack hears of it after the commit.
//
//   firing, new group or no open page  → a page (and an incident, when declare_incident maps it)
//   firing, repeat                     → nothing
//   firing, joins an acknowledged page → the acknowledger is told again
//   resolved, last of the page         → the page stops, "resolved by the source"
//   resolved, never open               → recorded, nothing else
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { enqueue, type OutboxEntry } from "../db/outbox.ts";
import { inSqlTransaction, sqlRead } from "../db/sql.ts";
import { inTransaction, type RawTx, type Tx } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import type { EscalationService } from "../escalation/service.ts";
import { ENGINE_ACTOR } from "../escalation/take-steps.ts";
import { attachGroupPages, latestPagesOfGroups, lockOpenPageOfGroup, markResolved, notifiedBy, pageById, type PageRow } from "../escalation/store.ts";
import type { Incident } from "../incidents/incident.ts";
import { incidentRef, type Severity } from "../incidents/lifecycle.ts";
import { channelPost, type DeclareInput, type IncidentService } from "../incidents/service.ts";
import { addTimelineEvents, incidentById } from "../incidents/store.ts";
import { clip, escapeMrkdwn } from "../incidents/views.ts";
import type { AlertEventData } from "../incidents/timeline.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { Integration } from "../oncall/rota-file.ts";
import { listIntegrations, loadIntegration } from "../oncall/store.ts";
import type { FrozenPolicy } from "../escalation/steps.ts";
import { formatSeconds, type Actor } from "../access/policy.ts";
import { declaredSeverity, type IncomingAlert, type IncomingBatch } from "./payloads.ts";
import {
  alertById,
  firingAlertsOf,
  latestAlertsOf,
  firingCount,
  groupById,
  lastPings,
  listFiring,
  lockGroup,
  recordPing,
  recordResolved,
  refreshOpen,
  resolveFiring,
  setGroupIncident,
  upsertFiring,
  withOpenAlert,
  type AlertRow,
} from "./store.ts";

/** What a body did, as the integration's answer says it. */
export interface IngestResult {
  integration: string;
  /** Alerts read from the body. */
  received: number;
  /** Firing alerts that were not open before. */
  opened: number;
  /** Firing alerts already open (Alertmanager's repeat_interval). */
  repeated: number;
  /** Open alerts the body resolved. */
  resolved: number;
  /** Resolved alerts that were not open here: recorded, nothing else. */
  recorded: number;
  /** Firing alerts whose occurrence was already resolved (a late delivery): ignored. */
  stale: number;
  /** Alerts that could not be read, by their place in the body. */
  rejected: { index: number; problem: string }[];
  /** Alerts the sender left out of the body (`truncatedAlerts`). */
  truncated: number;
  /** Pages started by this body. */
  pagesStarted: number[];
  /** Pages whose alerts are all resolved now: they stopped. */
  pagesResolved: number[];
  /** Incidents declared by this body (their references). */
  incidentsDeclared: string[];
}

/** A body that must be written in a Prisma transaction (see AlertService.ingest). */
class NeedsFullTransaction extends Error {}

const emptyResult = (integration: Integration, batch: IncomingBatch): IngestResult => ({
  integration: integration.name,
  received: batch.alerts.length,
  opened: 0,
  repeated: 0,
  resolved: 0,
  recorded: 0,
  stale: 0,
  rejected: batch.rejected,
  truncated: batch.truncated,
  pagesStarted: [],
  pagesResolved: [],
  incidentsDeclared: [],
});

/** The identity of a heartbeat's one alert. */
export const HEARTBEAT_IDENTITY = "heartbeat";

/** Who pages come from, for an integration (the page's `paged_by_id`). */
export const integrationActor = (name: string): string => `integration:${name}`;

const MAX_TITLE = 200;
const MAX_DESCRIPTION = 2900;

export interface AlertServiceOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  escalation: EscalationService;
  incidents: IncidentService;
  metrics?: Metrics;
}

export class AlertService {
  constructor(private readonly opts: AlertServiceOptions) {}

  /**
   * Takes in what an integration was sent (read by payloads.ts), in one transaction. Bodies are
   * written in SQL on the shared pool (pages included); one that declares an incident or writes
   * an incident's timeline is written (again, from the start) in a Prisma transaction, which the
   * incident services need.
   */
  async ingest(integration: Integration, batch: IncomingBatch): Promise<IngestResult> {
    const now = this.opts.clock.now();
    // One alert per identity (the last said wins), in groups as the source grouped them.
    const byIdentity = new Map<string, IncomingAlert>();
    for (const a of batch.alerts) byIdentity.set(a.identity, a);
    const groups = new Map<string, IncomingAlert[]>();
    for (const a of byIdentity.values()) {
      const key = batch.groupKey ?? `alert:${a.identity}`;
      const members = groups.get(key);
      if (members) members.push(a);
      else groups.set(key, [a]);
    }
    const run = async (tx: RawTx, full: boolean) => {
      const result = emptyResult(integration, batch);
      // Groups in key order, so two bodies never wait for each other's groups in a circle.
      for (const key of [...groups.keys()].sort()) await this.ingestGroup(tx, full, integration, key, groups.get(key)!, now, result);
      return result;
    };
    if (groups.size === 0) return emptyResult(integration, batch);
    // Most bodies Alertmanager sends are repeats of what is open: seen in one statement.
    const alerts = [...byIdentity.values()];
    if (alerts.every((a) => a.status === "firing")) {
      const open = await sqlRead(this.opts.db, (q) => refreshOpen(q, integration.name, alerts, now));
      if (open === alerts.length) {
        const repeat = emptyResult(integration, batch);
        repeat.repeated = open;
        return repeat;
      }
    }
    let result: IngestResult;
    try {
      result = await inSqlTransaction(this.opts.db, (tx) => run(tx, false), { timeoutMs: 30_000 });
    } catch (err) {
      if (!(err instanceof NeedsFullTransaction)) throw err;
      result = await inTransaction(this.opts.db, (tx) => run(tx, true), { timeoutMs: 30_000 });
    }
    this.opts.metrics?.alertsReceived(integration.name, result.opened, result.resolved);
    return result;
  }

  private async ingestGroup(tx: RawTx, full: boolean, integration: Integration, groupKey: string, alerts: IncomingAlert[], now: Date, result: IngestResult): Promise<void> {
    /** The Prisma transaction, for the services that need one (the SQL one rolls back and it all runs again). */
    const prisma = (): Tx => {
      if (!full) throw new NeedsFullTransaction();
      return tx as Tx;
    };
    const name = integration.name;
    const group = await lockGroup(tx, name, groupKey, now);
    const firing = alerts.filter((a) => a.status === "firing");
    const resolving = alerts.filter((a) => a.status === "resolved");

    const upserted = await upsertFiring(tx, name, group.id, firing, now);
    const openedIdentities = new Set(upserted.filter((u) => u.inserted).map((u) => u.identity));
    const opened = firing.filter((a) => openedIdentities.has(a.identity));
    result.stale += firing.length - upserted.length;
    result.opened += opened.length;
    result.repeated += upserted.length - opened.length;

    const resolved = await resolveFiring(tx, name, resolving, now);
    const resolvedIdentities = new Set(resolved.map((r) => r.identity));
    result.resolved += resolved.length;
    result.recorded += await recordResolved(tx, name, group.id, resolving.filter((a) => !resolvedIdentities.has(a.identity)), now);
    if (opened.length === 0 && resolved.length === 0) return; // repeats, or news of nothing open: nothing changes

    // An incident declared from the group takes its alerts while it is open.
    let incident = group.incidentId === null ? null : await incidentById(prisma(), group.incidentId);
    if (incident && (incident.status === "resolved" || incident.status === "closed")) incident = null;
    const outbox: OutboxEntry[] = [];
    let page = await lockOpenPageOfGroup(tx, group.id);

    if (opened.length > 0) {
      if (!page) {
        const target = await this.opts.escalation.resolveTarget(tx, `service:${integration.service}`);
        const severity = declaredSeverity(integration.declareIncident, opened);
        if (!incident && severity !== null) {
          incident = await this.declareFromAlerts(prisma(), integration, opened, `SEV${severity}` as Severity, target.policy, now);
          await setGroupIncident(tx, group.id, incident.id);
          result.incidentsDeclared.push(incidentRef(incident.number));
        }
        page = await this.opts.escalation.startPage(tx, incident, target, integrationActor(name), pageMessage(opened), now, group.id);
        result.pagesStarted.push(page.id);
      } else if (page.state === "acknowledged" && page.acknowledgedById) {
        // Not folded silently into a page somebody already took: they are told of the newcomers.
        const count = await firingCount(tx, group.id);
        const text = `:rotating_light: ${opened.length === 1 ? "A new alert" : `${opened.length} new alerts`} joined page #${page.id} (${name}), which you acknowledged; ${count} alert${count === 1 ? " is" : "s are"} firing now:\n${summaryLines(opened)}`;
        outbox.push({ key: `alerts:${group.id}:joined:${page.id}:${upserted.filter((u) => u.inserted).map((u) => u.id).sort((a, b) => a - b)[0]}`, kind: "slack.post", incidentId: null, payload: { channel: page.acknowledgedById, text } });
      }
      if (incident) await this.onTimeline(tx, incident, { kind: "alerts_fired", integration: name, count: opened.length, summaries: summaries(opened) }, now, outbox);
    }

    if (resolved.length > 0) {
      if (incident) await this.onTimeline(tx, incident, { kind: "alerts_resolved", integration: name, count: resolved.length, summaries: summaries(resolved) }, now, outbox);
      if (page && (await firingCount(tx, group.id)) === 0) {
        await markResolved(tx, page.id);
        result.pagesResolved.push(page.id);
        const text = `:white_check_mark: Resolved by the source: every alert of page #${page.id} (${name}) is resolved; the page has stopped.\n${summaryLines(resolved)}`;
        for (const userId of new Set(await notifiedBy(tx, page.id))) {
          outbox.push({ key: `page:${page.id}:resolved:${userId}`, kind: "slack.post", incidentId: null, payload: { channel: userId, text } });
        }
        const pageIncident = page.incidentId === null ? null : await incidentById(prisma(), page.incidentId);
        if (pageIncident) {
          const [event] = await addTimelineEvents(tx, pageIncident.id, ENGINE_ACTOR, now, [{ kind: "page_resolved", pageId: page.id, integration: name }]);
          outbox.push(channelPost(pageIncident.id, event));
        }
      }
    }
    await enqueue(tx, outbox, now);
  }

  private async onTimeline(tx: RawTx, incident: Incident, data: AlertEventData, now: Date, outbox: OutboxEntry[]): Promise<void> {
    const [event] = await addTimelineEvents(tx, incident.id, ENGINE_ACTOR, now, [data]);
    outbox.push(channelPost(incident.id, event));
  }

  /** An incident declared by alerts: titled from them, its commander whoever is paged first. */
  private async declareFromAlerts(tx: Tx, integration: Integration, alerts: IncomingAlert[], severity: Severity, policy: FrozenPolicy, now: Date): Promise<Incident> {
    const first = await this.opts.escalation.firstPaged(tx, policy, now);
    const input: DeclareInput = {
      title: titleOf(alerts),
      severity,
      service: integration.service,
      description: clip(`Declared by ${alerts.length === 1 ? "an alert" : `${alerts.length} alerts`} from ${integration.name}:\n${summaryLines(alerts, false)}`, MAX_DESCRIPTION),
      commanderId: first ?? ENGINE_ACTOR,
    };
    return this.opts.incidents.declareIn(tx, input, ENGINE_ACTOR, now, { page: false, invite: first ? [first] : [] });
  }

  /**
   * "Declare incident" on an alerts' page: an incident declared by a person from the alert group,
   * which takes the group's page and later alerts (the alerts paged already: no second page).
   */
  async declareFromGroup(groupId: number, input: DeclareInput, by: Actor, requestKey?: string): Promise<{ incident: Incident; duplicate: boolean }> {
    const group = await groupById(this.opts.db, groupId);
    if (!group) throw new UserError("not_found", "Those alerts no longer exist.");
    return this.opts.incidents.declare(input, by, requestKey, {
      page: false,
      attach: async (tx, incident, now) => {
        await lockGroup(tx, group.integration, group.groupKey, now);
        await setGroupIncident(tx, group.id, incident.id);
        const pageIds = await attachGroupPages(tx, group.id, incident.id);
        const outbox: OutboxEntry[] = [];
        for (const id of pageIds) {
          const page = (await pageById(tx, id))!;
          if (page.state === "resolved" || page.state === "cancelled") continue;
          const [event] = await addTimelineEvents(tx, incident.id, page.pagedById, page.createdAt, [{ kind: "page_started", pageId: page.id, target: page.target, policy: page.policy.name, message: page.message }]);
          outbox.push(channelPost(incident.id, event));
        }
        await enqueue(tx, outbox, now);
      },
    });
  }

  /** What the declare form starts with, for "Declare incident" on an alerts' page. */
  async declarationDraft(groupId: number): Promise<{ title: string; service: string | null; severity: string | null }> {
    const group = await groupById(this.opts.db, groupId);
    if (!group) throw new UserError("not_found", "Those alerts no longer exist.");
    const { alerts } = await firingAlertsOf(this.opts.db, groupId, 100);
    const shown = alerts.length > 0 ? alerts : await latestAlertsOf(this.opts.db, groupId, 100);
    const integration = await loadIntegration(this.opts.db, group.integration);
    // What the alerts would declare were they firing now (the form lets a person choose).
    const severity = declaredSeverity(integration?.declareIncident ?? null, shown.map((a) => ({ status: "firing" as const, labels: a.labels })));
    return { title: shown.length ? titleOf(shown) : group.integration, service: integration?.service ?? null, severity: severity ? `SEV${severity}` : null };
  }

  /** A heartbeat's ping: recorded, and the "no heartbeat" alert (if open) resolved. */
  async ping(integration: Integration): Promise<IngestResult> {
    const now = this.opts.clock.now();
    await inTransaction(this.opts.db, (tx) => recordPing(tx, integration.name, now));
    return this.ingest(integration, { groupKey: null, truncated: 0, rejected: [], alerts: [heartbeatAlert(integration, "resolved", now, now)] });
  }

  /**
   * Heartbeats overdue at `now` (no ping within every + grace) open their alert and page. Level-
   * triggered: the open-alert index makes it once per silence, however many processes look.
   */
  async checkHeartbeats(now: Date): Promise<number> {
    const heartbeats = (await listIntegrations(this.opts.db)).filter((i) => i.kind === "heartbeat" && i.everySeconds !== null);
    if (heartbeats.length === 0) return 0;
    const names = heartbeats.map((h) => h.name);
    const [pings, open] = await Promise.all([lastPings(this.opts.db, names, now), withOpenAlert(this.opts.db, names, HEARTBEAT_IDENTITY)]);
    let fired = 0;
    for (const h of heartbeats) {
      const last = pings.get(h.name);
      if (!last || open.has(h.name) || dueAt(h, last).getTime() > now.getTime()) continue;
      const result = await this.ingest(h, { groupKey: null, truncated: 0, rejected: [], alerts: [heartbeatAlert(h, "firing", last, now)] });
      fired += result.opened;
    }
    return fired;
  }

  /** Open alerts for `/incident alerts` (a few of each group, newest group first), each with its group's page. */
  async listOpen(groups = 10, perGroup = 3): Promise<{ alerts: Array<AlertRow & { page: PageRow | null }>; firingByGroup: Map<number, number>; count: number }> {
    const { alerts, firingByGroup, count } = await listFiring(this.opts.db, groups, perGroup);
    const pages = await latestPagesOfGroups(this.opts.db, [...new Set(alerts.map((a) => a.groupId))]);
    return { alerts: alerts.map((a) => ({ ...a, page: pages.get(a.groupId) ?? null })), firingByGroup, count };
  }

  /** `/incident alerts ack <id>`: acknowledges the page of that alert's group, as its button does. */
  async acknowledgeAlert(alertId: number, by: Actor): Promise<{ alert: AlertRow; page: PageRow }> {
    const alert = await alertById(this.opts.db, alertId);
    if (!alert) throw new UserError("not_found", `There is no alert ${alertId}; \`/incident alerts\` lists the open ones.`);
    const page = (await latestPagesOfGroups(this.opts.db, [alert.groupId])).get(alert.groupId);
    if (!page) throw new UserError("not_found", `Alert ${alertId} paged nobody.`);
    const { pages } = await this.opts.escalation.acknowledge({ pageId: page.id }, by);
    return { alert, page: pages[0] };
  }
}

const dueAt = (h: Integration, last: Date): Date => new Date(last.getTime() + (h.everySeconds! + (h.graceSeconds ?? 0)) * 1000);

function heartbeatAlert(h: Integration, status: "firing" | "resolved", since: Date, now: Date): IncomingAlert {
  return {
    identity: HEARTBEAT_IDENTITY,
    status,
    summary: `No heartbeat from ${h.name} since ${since.toISOString().slice(0, 16).replace("T", " ")} UTC (expected every ${formatSeconds(h.everySeconds!)}${h.graceSeconds ? `, ${formatSeconds(h.graceSeconds)} of grace` : ""})`,
    severity: null,
    labels: { alertname: "HeartbeatMissing", integration: h.name },
    annotations: {},
    links: [],
    startsAt: status === "firing" ? now : since,
    endsAt: status === "resolved" ? now : null,
  };
}

const summaries = (alerts: Array<{ summary: string }>, limit = 5): string[] => [...new Set(alerts.map((a) => a.summary))].slice(0, limit);

/** The alerts' summaries as lines of a message (escaped: what monitoring says is not markup), or as stored text. */
function summaryLines(alerts: Array<{ summary: string }>, escape = true): string {
  const shown = summaries(alerts);
  return shown.map((s) => `• ${escape ? escapeMrkdwn(s) : s}`).join("\n") + (alerts.length > shown.length ? `\n• … ${alerts.length - shown.length} more` : "");
}

/** The page's message: what fired (the DM shows the alerts as they are when it is sent). */
function pageMessage(alerts: IncomingAlert[]): string {
  return alerts.length === 1 ? alerts[0].summary : `${alerts[0].summary} (+${alerts.length - 1} more)`;
}

function titleOf(alerts: Array<{ summary: string }>): string {
  const distinct = summaries(alerts, 100);
  const title = distinct.length > 1 ? `${distinct[0]} (+${distinct.length - 1} more)` : distinct[0];
  return clip(title, MAX_TITLE);
}
