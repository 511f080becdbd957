// Paging, as people do it: start a page (its first step is taken at once), acknowledge it, or
// escalate it now. The steps that fall due later are taken by the engine's escalation module
// (engine/modules/escalation.ts); both take steps the same way (take-steps.ts).
import type { Clock } from "../clock.ts";
import type { Db, Prisma } from "../db/client.ts";
import { enqueue, type Tx } from "../engine/outbox-store.ts";
import { incidentRef } from "../incidents/lifecycle.ts";
import { addTimelineEvents, channelPost, Refusal, type Incident } from "../incidents/service.ts";
import type { Logger } from "../log.ts";
import { directPolicy, type FrozenPolicy } from "./steps.ts";
import { toPageRow, type PageRow } from "./store.ts";
import { takeSteps } from "./take-steps.ts";

export type { PageRow } from "./store.ts";
export { ENGINE_ACTOR } from "./take-steps.ts";

export interface PageTarget {
  /** How it is shown: "service:checkout", "schedule:platform-primary", "user:U123". */
  label: string;
  policy: FrozenPolicy;
}

export class EscalationService {
  constructor(private readonly opts: { db: Db; clock: Clock; log: Logger }) {}

  /** What `/incident page <…>` names: @user, a service (its policy) or a schedule (its on-call). */
  async resolveTarget(tx: Tx | Db, text: string): Promise<PageTarget> {
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text);
    if (mention) return { label: `user:${mention[1]}`, policy: directPolicy({ kind: "user", userId: mention[1] }) };
    const [, prefix, name] = /^(?:(service|schedule):)?(\S+)$/.exec(text) ?? [];
    if (name) {
      if (prefix !== "schedule") {
        const service = await tx.service.findUnique({ where: { name } });
        if (service) return { label: `service:${name}`, policy: await this.freezePolicy(tx, service.escalationPolicy) };
      }
      if (prefix !== "service") {
        const schedule = await tx.schedule.findUnique({ where: { name } });
        if (schedule) return { label: `schedule:${name}`, policy: directPolicy({ kind: "schedule", name }) };
      }
    }
    const [services, schedules] = await Promise.all([tx.service.findMany({ orderBy: { name: "asc" } }), tx.schedule.findMany({ orderBy: { name: "asc" } })]);
    const known = [
      services.length ? `services: ${services.map((s) => s.name).join(", ")}` : "no services",
      schedules.length ? `schedules: ${schedules.map((s) => s.name).join(", ")}` : "no schedules",
    ].join("; ");
    throw new Refusal(`I don't know \`${text}\` as a person, service or schedule. Page a person with @, or one of the ${known} (apply a rota file with \`incident-bot rota apply\`).`);
  }

  private async freezePolicy(tx: Tx | Db, name: string): Promise<FrozenPolicy> {
    const policy = await tx.escalationPolicy.findUnique({ where: { name } });
    if (!policy) throw new Refusal(`The escalation policy \`${name}\` is not defined; apply the rota file again.`);
    return { name: policy.name, levels: policy.levels as unknown as FrozenPolicy["levels"], repeat: policy.repeat };
  }

  /** Starts a page in the caller's transaction, and takes its first step at once. */
  async startPage(tx: Tx, incident: Incident, target: PageTarget, pagedById: string, message: string | null, now: Date): Promise<PageRow> {
    const page = toPageRow(
      await tx.page.create({
        data: {
          incidentId: incident.id,
          target: target.label,
          policy: target.policy as unknown as Prisma.InputJsonValue,
          message,
          pagedById,
          state: "escalating",
          nextStepAt: now,
          createdAt: now,
        },
      }),
    );
    const [started] = await addTimelineEvents(tx, incident.id, pagedById, now, [{ kind: "page_started", pageId: page.id, target: target.label, policy: target.policy.name, message }]);
    await enqueue(tx, [channelPost(incident.id, started)], now);
    const [after] = await takeSteps(tx, [page], now, { log: this.opts.log });
    return after;
  }

  /** `/incident page …` for an incident. */
  async page(incidentId: number, targetText: string, pagedById: string, message: string | null, requestKey?: string): Promise<{ page: PageRow; notified: string[] }> {
    const now = this.opts.clock.now();
    return this.opts.db.$transaction(
      async (tx) => {
        if (requestKey) {
          const inserted = await tx.$executeRaw`INSERT INTO processed_request (key, processed_at) VALUES (${requestKey}, ${now}) ON CONFLICT (key) DO NOTHING`;
          if (inserted === 0) throw new Refusal("That page was already sent.");
        }
        await tx.$queryRaw`SELECT id FROM incident WHERE id = ${incidentId} FOR UPDATE`;
        const incident = (await tx.incident.findUniqueOrThrow({ where: { id: incidentId } })) as Incident;
        if (incident.status === "resolved" || incident.status === "closed") {
          throw new Refusal(`${incidentRef(incident.number)} is ${incident.status}; reopen it before paging.`);
        }
        const target = await this.resolveTarget(tx, targetText);
        const page = await this.startPage(tx, incident, target, pagedById, message, now);
        const notified = (await tx.pageNotification.findMany({ where: { pageId: page.id } })).map((n) => n.userId);
        return { page, notified };
      },
      { timeout: 15_000 },
    );
  }

  /**
   * Acknowledges a page (or every page under way for an incident): the first acknowledgement
   * stops the escalation for everyone at once. A later one is told who was first.
   */
  async acknowledge(by: { pageId: number } | { incidentId: number }, userId: string): Promise<{ pages: PageRow[]; incident: Incident }> {
    const now = this.opts.clock.now();
    return this.opts.db.$transaction(async (tx) => {
      const where = "pageId" in by ? { id: by.pageId } : { incidentId: by.incidentId };
      const ids = (await tx.page.findMany({ where, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
      if (ids.length === 0) throw new Refusal("Nothing to acknowledge: nobody has been paged for this incident.");
      await tx.$queryRaw`SELECT id FROM page WHERE id = ANY(${ids}) ORDER BY id FOR UPDATE`;
      const pages = (await tx.page.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } })).map(toPageRow);
      const incident = (await tx.incident.findUniqueOrThrow({ where: { id: pages[0].incidentId } })) as Incident;
      const open = pages.filter((p) => p.state === "escalating" || p.state === "exhausted");
      if (open.length === 0) {
        const first = pages.filter((p) => p.acknowledgedAt).sort((a, b) => a.acknowledgedAt!.getTime() - b.acknowledgedAt!.getTime())[0];
        if (first) throw new Refusal(`Already acknowledged by <@${first.acknowledgedById}> at ${first.acknowledgedAt!.toISOString().slice(11, 16)} UTC; the escalation is stopped.`);
        throw new Refusal(`There is no page under way for ${incidentRef(incident.number)}.`);
      }
      const acknowledged: PageRow[] = [];
      for (const p of open) {
        acknowledged.push(toPageRow(await tx.page.update({ where: { id: p.id }, data: { state: "acknowledged", nextStepAt: null, acknowledgedById: userId, acknowledgedAt: now } })));
        const [event] = await addTimelineEvents(tx, p.incidentId, userId, now, [{ kind: "page_acknowledged", pageId: p.id, userId }]);
        await enqueue(tx, [channelPost(p.incidentId, event)], now);
      }
      return { pages: acknowledged, incident };
    });
  }

  /** "Escalate now": takes the next step at once instead of waiting for it. */
  async escalateNow(pageId: number, userId: string): Promise<PageRow> {
    const now = this.opts.clock.now();
    return this.opts.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM page WHERE id = ${pageId} FOR UPDATE`;
      const row = await tx.page.findUnique({ where: { id: pageId } });
      if (!row) throw new Refusal("That page no longer exists.");
      const page = toPageRow(row);
      if (page.state === "acknowledged") throw new Refusal(`Already acknowledged by <@${page.acknowledgedById}>; nothing to escalate.`);
      if (page.state !== "escalating") throw new Refusal(`This page is ${page.state}; nothing to escalate.`);
      const [after] = await takeSteps(tx, [page], now, { log: this.opts.log, manualBy: userId });
      return after;
    });
  }

  /** Stops the pages of an incident that was resolved (in the caller's transaction). */
  async cancelForIncident(tx: Tx, incidentId: number, reason: string, actorId: string, now: Date): Promise<void> {
    const pages = await tx.page.findMany({ where: { incidentId, state: "escalating" } });
    for (const p of pages) {
      await tx.page.update({ where: { id: p.id }, data: { state: "cancelled", nextStepAt: null } });
      await addTimelineEvents(tx, incidentId, actorId, now, [{ kind: "page_cancelled", pageId: p.id, reason }]);
    }
  }
}
