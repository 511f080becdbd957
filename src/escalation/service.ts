// Paging, as people do it: start a page (its first step is taken at once), acknowledge it, or
// escalate it now. The steps that fall due later are taken by the engine's escalation module
// (engine/modules/escalation.ts); both take steps the same way (take-steps.ts).
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { afterCommit, claimRequest, inTransaction, type RawTx, type Tx } from "../db/tx.ts";
import { enforce, mayHandlePage, mayPage, mayUseBot, type Actor, type PageRateLimit } from "../access/policy.ts";
import { UserError } from "../errors.ts";
import type { Incident } from "../incidents/incident.ts";
import { incidentRef } from "../incidents/lifecycle.ts";
import { channelPost, type Pager } from "../incidents/service.ts";
import { addTimelineEvents, incidentById, lockIncident } from "../incidents/store.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import { loadAccess, loadPolicy, loadSchedules, loadService, scheduleNames, serviceNames } from "../oncall/store.ts";
import { directPolicy, type FrozenPolicy } from "./steps.ts";
import { cancelEscalatingPages, countPagesBy, createPage, lockPages, markAcknowledged, notifiedBy, pageIds, type PageRow } from "./store.ts";
import { takeSteps, whoIsNamed } from "./take-steps.ts";

export type { PageRow } from "./store.ts";
export { ENGINE_ACTOR } from "./take-steps.ts";

export interface PageTarget {
  /** How it is shown: "service:checkout", "schedule:platform-primary", "user:U123". */
  label: string;
  policy: FrozenPolicy;
}

/** How a page started by alerts (no incident yet) is named in answers: "the alerts of prometheus (page #12)". */
const alertsRef = (page: PageRow): string => `the alerts of ${page.pagedById.replace(/^integration:/, "")} (page #${page.id})`;

/** Unless configured: five pages by one person in ten minutes. */
export const DEFAULT_PAGE_RATE_LIMIT: PageRateLimit = { count: 5, windowSeconds: 600 };

export class EscalationService implements Pager {
  constructor(private readonly opts: { db: Db; clock: Clock; log: Logger; pageRateLimit?: PageRateLimit; metrics?: Metrics }) {}

  /** What `/incident page <…>` names: @user, a service (its policy) or a schedule (its on-call). */
  async resolveTarget(tx: RawTx, text: string): Promise<PageTarget> {
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text);
    if (mention) return { label: `user:${mention[1]}`, policy: directPolicy({ kind: "user", userId: mention[1] }) };
    const [, prefix, name] = /^(?:(service|schedule):)?(\S+)$/.exec(text) ?? [];
    if (name) {
      if (prefix !== "schedule") {
        const service = await loadService(tx, name);
        if (service) return { label: `service:${name}`, policy: await this.freezePolicy(tx, service.escalationPolicy) };
      }
      if (prefix !== "service") {
        if ((await scheduleNames(tx)).includes(name)) return { label: `schedule:${name}`, policy: directPolicy({ kind: "schedule", name }) };
      }
    }
    const [services, schedules] = await Promise.all([serviceNames(tx), scheduleNames(tx)]);
    const known = [services.length ? `services: ${services.join(", ")}` : "no services", schedules.length ? `schedules: ${schedules.join(", ")}` : "no schedules"].join("; ");
    throw new UserError(
      "not_found",
      `I don't know \`${text}\` as a person, service or schedule. Page a person with @, or one of the ${known} (apply a rota file with \`incident-bot rota apply\`).`,
    );
  }

  /** The policy as it is now, copied onto the page: later edits do not change a page under way. */
  private async freezePolicy(tx: RawTx, name: string): Promise<FrozenPolicy> {
    const policy = await loadPolicy(tx, name);
    if (!policy) throw new UserError("not_found", `The escalation policy \`${name}\` is not defined; apply the rota file again.`);
    return { name: policy.name, levels: policy.levels as unknown as FrozenPolicy["levels"], repeat: policy.repeat };
  }

  /**
   * Starts a page in the caller's transaction, and takes its first step at once. A page started by
   * alerts names their group, and has no incident until one is declared from them.
   */
  async startPage(tx: RawTx, incident: Incident | null, target: PageTarget, pagedById: string, message: string | null, now: Date, alertGroupId: number | null = null): Promise<PageRow> {
    const page = await createPage(tx, { incidentId: incident?.id ?? null, alertGroupId, target: target.label, policy: target.policy, message, pagedById, createdAt: now });
    if (incident) {
      const [started] = await addTimelineEvents(tx, incident.id, pagedById, now, [{ kind: "page_started", pageId: page.id, target: target.label, policy: target.policy.name, message }]);
      await enqueue(tx, [channelPost(incident.id, started)], now);
    }
    const metrics = this.opts.metrics;
    if (metrics) afterCommit(tx, () => metrics.pageStarted());
    const [after] = await takeSteps(tx, [page], now, { log: this.opts.log, metrics });
    return after;
  }

  /** The first person a policy would page now (level 1, on call now), or null when nobody is. */
  async firstPaged(tx: RawTx, policy: FrozenPolicy, now: Date): Promise<string | null> {
    const level = policy.levels[0];
    if (!level) return null;
    const names = level.notify.filter((t) => t.kind === "schedule").map((t) => (t as { name: string }).name);
    const schedules = await loadSchedules(tx, names, { from: now, to: new Date(now.getTime() + 1) });
    return whoIsNamed(level.notify, schedules, now)[0] ?? null;
  }

  /** Declaring a SEV1/SEV2 for a service pages the service's escalation policy (Pager). */
  async pageService(tx: Tx, incident: Incident, service: string, pagedById: string, now: Date): Promise<PageRow> {
    return this.startPage(tx, incident, await this.resolveTarget(tx, `service:${service}`), pagedById, null, now);
  }

  /** `/incident page …` for an incident. */
  async page(incidentId: number, targetText: string, by: Actor, message: string | null, requestKey?: string): Promise<{ page: PageRow; notified: string[] }> {
    enforce(mayUseBot(by));
    const now = this.opts.clock.now();
    const pagedById = by.userId;
    const limit = this.opts.pageRateLimit ?? DEFAULT_PAGE_RATE_LIMIT;
    return inTransaction(this.opts.db, async (tx) => {
      if (!(await claimRequest(tx, requestKey, now)).first) throw new UserError("duplicate", "That page was already sent.");
      enforce(mayPage(by, await countPagesBy(tx, pagedById, new Date(now.getTime() - limit.windowSeconds * 1000)), limit), "rate_limited");
      const incident = (await lockIncident(tx, incidentId))!;
      if (incident.status === "resolved" || incident.status === "closed") {
        throw new UserError("conflict", `${incidentRef(incident.number)} is ${incident.status}; reopen it before paging.`);
      }
      const target = await this.resolveTarget(tx, targetText);
      const page = await this.startPage(tx, incident, target, pagedById, message, now);
      return { page, notified: await notifiedBy(tx, page.id) };
    });
  }

  /**
   * Acknowledges a page (or every page under way for an incident): the first acknowledgement
   * stops the escalation for everyone at once. A later one is told who was first.
   */
  async acknowledge(which: { pageId: number } | { incidentId: number }, by: Actor): Promise<{ pages: PageRow[]; incident: Incident | null }> {
    enforce(mayUseBot(by));
    const now = this.opts.clock.now();
    const userId = by.userId;
    return inTransaction(this.opts.db, async (tx) => {
      const ids = await pageIds(tx, which);
      if (ids.length === 0) throw new UserError("not_found", "Nothing to acknowledge: nobody has been paged for this incident.");
      const pages = await lockPages(tx, ids);
      const incident = pages[0].incidentId === null ? null : (await incidentById(tx, pages[0].incidentId))!;
      const ref = incident ? incidentRef(incident.number) : alertsRef(pages[0]);
      const open = pages.filter((p) => p.state === "escalating" || p.state === "exhausted");
      if (open.length === 0) {
        const first = pages.filter((p) => p.acknowledgedAt).sort((a, b) => a.acknowledgedAt!.getTime() - b.acknowledgedAt!.getTime())[0];
        if (first) throw new UserError("conflict", `Already acknowledged by <@${first.acknowledgedById}> at ${first.acknowledgedAt!.toISOString().slice(11, 16)} UTC; the escalation is stopped.`);
        if (pages.some((p) => p.state === "resolved")) throw new UserError("conflict", `The alerts of page #${pages[0].id} were resolved by their source; the page has stopped.`);
        throw new UserError("conflict", `There is no page under way for ${ref}.`);
      }
      // Each page is acknowledged by whoever it notified, the commander or an admin.
      const rules = { admins: (await loadAccess(tx))?.admins ?? [] };
      const decisions = await Promise.all(open.map(async (p) => ({ p, d: mayHandlePage(by, "acknowledge", { ref, notified: await notifiedBy(tx, p.id), commanderId: incident?.commanderId ?? null }, rules) })));
      const mine = decisions.filter((x) => x.d.ok).map((x) => x.p);
      if (mine.length === 0) enforce(decisions[0].d);
      const acknowledged: PageRow[] = [];
      for (const p of mine) {
        acknowledged.push(await markAcknowledged(tx, p.id, userId, now));
        const metrics = this.opts.metrics;
        if (metrics) afterCommit(tx, () => metrics.pageAcknowledged((now.getTime() - p.createdAt.getTime()) / 1000));
        if (p.incidentId === null) continue;
        const [event] = await addTimelineEvents(tx, p.incidentId, userId, now, [{ kind: "page_acknowledged", pageId: p.id, userId }]);
        await enqueue(tx, [channelPost(p.incidentId, event)], now);
      }
      // Whoever takes a private incident's page is let into its channel (nobody else is told of it).
      if (incident?.private) await enqueue(tx, [{ key: `incident:${incident.id}:invite:ack:${acknowledged[0].id}:${userId}`, kind: "incident.invite", incidentId: incident.id, payload: { users: [userId] } }], now);
      return { pages: acknowledged, incident };
    });
  }

  /** "Escalate now": takes the next step at once instead of waiting for it. */
  async escalateNow(pageId: number, by: Actor): Promise<PageRow> {
    enforce(mayUseBot(by));
    const now = this.opts.clock.now();
    const userId = by.userId;
    return inTransaction(this.opts.db, async (tx) => {
      const [page] = await lockPages(tx, [pageId]);
      if (!page) throw new UserError("not_found", "That page no longer exists.");
      const incident = page.incidentId === null ? null : (await incidentById(tx, page.incidentId))!;
      const rules = { admins: (await loadAccess(tx))?.admins ?? [] };
      const ref = incident ? incidentRef(incident.number) : alertsRef(page);
      enforce(mayHandlePage(by, "escalate", { ref, notified: await notifiedBy(tx, page.id), commanderId: incident?.commanderId ?? null }, rules));
      if (page.state === "acknowledged") throw new UserError("conflict", `Already acknowledged by <@${page.acknowledgedById}>; nothing to escalate.`);
      if (page.state === "resolved") throw new UserError("conflict", "Its alerts were resolved by their source; nothing to escalate.");
      if (page.state !== "escalating") throw new UserError("conflict", `This page is ${page.state}; nothing to escalate.`);
      const [after] = await takeSteps(tx, [page], now, { log: this.opts.log, manualBy: userId, metrics: this.opts.metrics });
      return after;
    });
  }

  /** Stops the pages of an incident that was resolved (in the caller's transaction). */
  async cancelForIncident(tx: RawTx, incidentId: number, reason: string, actorId: string, now: Date): Promise<void> {
    const cancelled = await cancelEscalatingPages(tx, incidentId);
    await addTimelineEvents(tx, incidentId, actorId, now, cancelled.map((pageId) => ({ kind: "page_cancelled", pageId, reason })));
  }
}
