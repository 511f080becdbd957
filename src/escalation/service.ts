// Paging: a page walks its frozen escalation policy until someone acknowledges. Each step is
// taken in a transaction that also records who was notified (one row per person per step, never
// two), the timeline events and the direct messages to send (the outbox).
import type { Clock } from "../clock.ts";
import type { Db, Prisma } from "../db/client.ts";
import { enqueue, type OutboxEntry, type Tx } from "../engine/outbox-store.ts";
import { incidentRef, type PageEventData } from "../incidents/lifecycle.ts";
import { addTimelineEvents, channelPost, Refusal, type Incident } from "../incidents/service.ts";
import type { Logger } from "../log.ts";
import type { NotifyTarget } from "../oncall/rota-file.ts";
import { onCallAt } from "../oncall/schedule.ts";
import { loadSchedule } from "../oncall/store.ts";
import { directPolicy, isExhausted, nextPosition, type FrozenPolicy } from "./steps.ts";

/** Timeline actor for what the engine does by itself. */
export const ENGINE_ACTOR = "incident-bot";

export interface PageRow {
  id: number;
  incidentId: number;
  target: string;
  policy: FrozenPolicy;
  message: string | null;
  pagedById: string;
  state: "escalating" | "acknowledged" | "exhausted" | "cancelled";
  round: number;
  levelIndex: number;
  nextStepAt: Date | null;
  acknowledgedById: string | null;
  acknowledgedAt: Date | null;
  createdAt: Date;
}

const toPage = (row: unknown): PageRow => row as PageRow;

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
    const page = toPage(
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
    return this.takeDueSteps(tx, page, now, false);
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
   * Takes every step of a page that is due at `now` (a late tick catches up, each step once).
   * The page row must be locked by the caller's transaction.
   */
  private async takeDueSteps(tx: Tx, page: PageRow, now: Date, manual: boolean): Promise<PageRow> {
    let current = page;
    let forced = manual;
    while (current.state === "escalating" && current.nextStepAt && (forced || current.nextStepAt <= now)) {
      const stepAt = forced ? now : current.nextStepAt;
      current = await this.step(tx, current, stepAt, now, forced);
      forced = false;
    }
    return current;
  }

  private async step(tx: Tx, page: PageRow, stepAt: Date, now: Date, manual: boolean): Promise<PageRow> {
    const { policy } = page;
    const position = { round: page.round, levelIndex: page.levelIndex };
    const events: PageEventData[] = [];
    const outbox: OutboxEntry[] = [];
    const level = position.levelIndex + 1;

    if (isExhausted(policy, position)) {
      const [exhausted] = await addTimelineEvents(tx, page.incidentId, ENGINE_ACTOR, now, [{ kind: "policy_exhausted", pageId: page.id, policy: policy.name, rounds: policy.repeat + 1 }]);
      await enqueue(tx, [{ ...channelPost(page.incidentId, exhausted), payload: { event: String(exhausted.id), loud: true } }], now);
      return toPage(await tx.page.update({ where: { id: page.id }, data: { state: "exhausted", nextStepAt: null } }));
    }

    if (manual || position.round > 0 || position.levelIndex > 0) {
      events.push({ kind: "escalated", pageId: page.id, level, round: position.round, manual });
    }
    const users = await this.whoToNotify(tx, policy.levels[position.levelIndex].notify, now);
    const newlyNotified: string[] = [];
    for (const userId of users) {
      const inserted = await tx.$executeRaw`INSERT INTO page_notification (page_id, round, level_index, user_id, notified_at)
        VALUES (${page.id}, ${position.round}, ${position.levelIndex}, ${userId}, ${now}) ON CONFLICT DO NOTHING`;
      if (inserted === 1) newlyNotified.push(userId);
    }
    for (const userId of newlyNotified) {
      events.push({ kind: "page_sent", pageId: page.id, userId, level, round: position.round });
      // Not queued behind the incident's other messages: a page goes out at once.
      outbox.push({
        key: `page:${page.id}:r${position.round}:l${position.levelIndex}:${userId}`,
        kind: "page.notify",
        incidentId: null,
        payload: { pageId: page.id, userId, level, round: position.round, incidentId: page.incidentId },
      });
    }
    if (users.length === 0) events.push({ kind: "nobody_on_call", pageId: page.id, level, round: position.round });

    const written = await addTimelineEvents(tx, page.incidentId, manual ? page.pagedById : ENGINE_ACTOR, now, events);
    // The channel hears about each step once: the escalation (if any), then who was paged or that nobody was.
    for (const e of written) if (e.data.kind !== "page_sent") outbox.push(channelPost(page.incidentId, e));
    const sent = written.filter((e) => e.data.kind === "page_sent");
    if (sent.length > 0) outbox.push({ ...channelPost(page.incidentId, sent[0]), payload: { event: String(sent[0].id), pageStep: sent.map((e) => String(e.id)) } });
    await enqueue(tx, outbox, now);

    const { next, delaySeconds } = nextPosition(policy, position);
    return toPage(
      await tx.page.update({
        where: { id: page.id },
        data: { round: next.round, levelIndex: next.levelIndex, nextStepAt: new Date(stepAt.getTime() + delaySeconds * 1000) },
      }),
    );
  }

  /** The people a level names, on call at `at`, each once. */
  private async whoToNotify(tx: Tx, targets: NotifyTarget[], at: Date): Promise<string[]> {
    const users = new Set<string>();
    for (const target of targets) {
      if (target.kind === "user") users.add(target.userId);
      else {
        const schedule = await loadSchedule(tx, target.name, { from: at, to: new Date(at.getTime() + 1) });
        if (!schedule) {
          this.opts.log.warn(`escalation: schedule ${target.name} is not defined; nobody from it is paged`);
          continue;
        }
        for (const u of onCallAt(schedule, at)) users.add(u);
      }
    }
    return [...users];
  }

  /**
   * The engine's work: takes the due step of each due page, one page per transaction, claimed with
   * FOR UPDATE SKIP LOCKED so that several bot processes never take the same step.
   */
  async runDue(limit = 1000, batch = 25): Promise<number> {
    let handled = 0;
    while (handled < limit) {
      let took: number;
      try {
        took = await this.takeDueBatch(Math.min(batch, limit - handled));
      } catch (err) {
        // One page that cannot be stepped must not hold the others back: go one by one.
        if (batch === 1) throw err;
        this.opts.log.error(`escalation: a batch of steps failed (${(err as Error).message}); retrying one page at a time`);
        return handled + (await this.runDueOneByOne(limit - handled));
      }
      if (took === 0) break;
      handled += took;
    }
    return handled;
  }

  private async runDueOneByOne(limit: number): Promise<number> {
    let handled = 0;
    while (handled < limit) {
      try {
        if ((await this.takeDueBatch(1)) === 0) break;
      } catch (err) {
        this.opts.log.error(`escalation: a step failed and will be tried at the next tick: ${(err as Error).message}`);
        break;
      }
      handled++;
    }
    return handled;
  }

  /** Claims up to `size` due pages (FOR UPDATE SKIP LOCKED) and takes their steps, in one transaction. */
  private async takeDueBatch(size: number): Promise<number> {
    const now = this.opts.clock.now();
    return this.opts.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM page
           WHERE state = 'escalating' AND next_step_at <= ${now}
           ORDER BY next_step_at LIMIT ${size} FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        const pages = await tx.page.findMany({ where: { id: { in: rows.map((r) => r.id) } }, orderBy: { nextStepAt: "asc" } });
        for (const page of pages) await this.takeDueSteps(tx, toPage(page), now, false);
        return pages.length;
      },
      { timeout: 60_000 },
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
      const pages = (await tx.page.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } })).map(toPage);
      const incident = (await tx.incident.findUniqueOrThrow({ where: { id: pages[0].incidentId } })) as Incident;
      const open = pages.filter((p) => p.state === "escalating" || p.state === "exhausted");
      if (open.length === 0) {
        const first = pages.filter((p) => p.acknowledgedAt).sort((a, b) => a.acknowledgedAt!.getTime() - b.acknowledgedAt!.getTime())[0];
        if (first) throw new Refusal(`Already acknowledged by <@${first.acknowledgedById}> at ${first.acknowledgedAt!.toISOString().slice(11, 16)} UTC; the escalation is stopped.`);
        throw new Refusal(`There is no page under way for ${incidentRef(incident.number)}.`);
      }
      const acknowledged: PageRow[] = [];
      for (const p of open) {
        acknowledged.push(toPage(await tx.page.update({ where: { id: p.id }, data: { state: "acknowledged", nextStepAt: null, acknowledgedById: userId, acknowledgedAt: now } })));
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
      const page = toPage(await tx.page.findUnique({ where: { id: pageId } }));
      if (!page) throw new Refusal("That page no longer exists.");
      if (page.state === "acknowledged") throw new Refusal(`Already acknowledged by <@${page.acknowledgedById}>; nothing to escalate.`);
      if (page.state !== "escalating") throw new Refusal(`This page is ${page.state}; nothing to escalate.`);
      return this.takeDueSteps(tx, { ...page, pagedById: userId }, now, true);
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
