// Taking escalation steps for any number of pages at once, in the caller's transaction: who each
// step notifies (a unique row per person per step, so never twice), the timeline events, the
// direct messages and channel posts to send (the outbox), and where each page stands next.
// The arithmetic is pure (steps.ts); this file turns it into a fixed number of set-based
// statements, whatever the number of pages: 1,000 due steps are a handful of queries.
import { enqueue, type OutboxEntry } from "../db/outbox.ts";
import { afterCommit, type RawTx } from "../db/tx.ts";
import { channelPost } from "../incidents/service.ts";
import { insertTimelineEvents } from "../incidents/store.ts";
import type { NewTimelineEvent, PageEventData, TimelineEvent } from "../incidents/timeline.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { NotifyTarget } from "../oncall/rota-file.ts";
import { onCallAt, type Schedule } from "../oncall/schedule.ts";
import { loadSchedules } from "../oncall/store.ts";
import { dueSteps, type PlannedStep } from "./steps.ts";
import { insertNotifications, notificationKey, notifiedBy as notifiedOf, updateProgress, type NotificationKey, type PageRow } from "./store.ts";

/** Timeline actor for what the engine does by itself. */
export const ENGINE_ACTOR = "incident-bot";

/** The people a level names, on call at `at`, each once. */
export function whoIsNamed(targets: NotifyTarget[], schedules: Map<string, Schedule>, at: Date): string[] {
  const users = new Set<string>();
  for (const target of targets) {
    if (target.kind === "user") users.add(target.userId);
    else for (const u of schedules.has(target.name) ? onCallAt(schedules.get(target.name)!, at) : []) users.add(u);
  }
  return [...users];
}

/** An alerts' page that nobody acknowledged: each person it notified is told it is exhausted. */
function exhaustedNotices(page: PageRow, notified: string[]): OutboxEntry[] {
  const text = `:rotating_light: Nobody acknowledged page #${page.id} (${page.target}): its escalation policy *${page.policy.name}* is exhausted. The alerts are still firing; \`/incident alerts\` lists them.`;
  return [...new Set(notified)].map((userId) => ({ key: `page:${page.id}:exhausted:${userId}`, kind: "slack.post", incidentId: null, payload: { channel: userId, text } }));
}

interface StepWork {
  page: PageRow;
  step: PlannedStep;
  users: string[];
  events: NewTimelineEvent[];
}

/**
 * Takes every due step of these pages (locked by the caller's transaction). `manualBy` (escalate
 * now) takes each page's next step at once, in that person's name. Returns the pages as they are
 * after. What was done is counted in `metrics` once the transaction commits.
 */
export async function takeSteps(tx: RawTx, pages: PageRow[], now: Date, opts: { log: Logger; manualBy?: string; metrics?: Metrics }): Promise<PageRow[]> {
  const plans = pages.map((page) => ({ page, ...dueSteps(page.policy, page, now, Boolean(opts.manualBy)) })).filter((p) => p.steps.length > 0);
  if (plans.length === 0) return pages;

  // Who each step notifies: the people on call now, whatever the step's due time.
  const scheduleNames = new Set<string>();
  for (const { page, steps } of plans) {
    for (const s of steps) if (s.kind === "notify") for (const t of page.policy.levels[s.position.levelIndex].notify) if (t.kind === "schedule") scheduleNames.add(t.name);
  }
  const schedules = await loadSchedules(tx, [...scheduleNames], { from: now, to: new Date(now.getTime() + 1) });
  for (const name of scheduleNames) if (!schedules.has(name)) opts.log.warn(`escalation: schedule ${name} is not defined; nobody from it is paged`);

  const work: StepWork[] = [];
  const notifications: NotificationKey[] = [];
  for (const { page, steps } of plans) {
    for (const step of steps) {
      const users = step.kind === "notify" ? whoIsNamed(page.policy.levels[step.position.levelIndex].notify, schedules, now) : [];
      if (step.kind === "notify") for (const userId of users) notifications.push({ pageId: page.id, round: step.position.round, levelIndex: step.position.levelIndex, userId });
      work.push({ page, step, users, events: [] });
    }
  }
  const fresh = await insertNotifications(tx, notifications, now);

  // The timeline: the escalation (if any), each person paged, or that nobody was; or the exhaustion.
  // A page started by alerts without an incident has no timeline: its events only make its messages.
  for (const w of work) {
    const { page, step } = w;
    const actorId = step.kind === "notify" && step.manual ? opts.manualBy! : ENGINE_ACTOR;
    const add = (data: PageEventData) => w.events.push({ incidentId: page.incidentId ?? 0, actorId, occurredAt: now, data });
    if (step.kind === "exhausted") {
      add({ kind: "policy_exhausted", pageId: page.id, policy: page.policy.name, rounds: page.policy.repeat + 1 });
      continue;
    }
    const { round, levelIndex } = step.position;
    const level = levelIndex + 1;
    if (step.manual || round > 0 || levelIndex > 0) add({ kind: "escalated", pageId: page.id, level, round, manual: step.manual });
    for (const userId of w.users) if (fresh.has(notificationKey({ pageId: page.id, round, levelIndex, userId }))) add({ kind: "page_sent", pageId: page.id, userId, level, round });
    if (w.users.length === 0) add({ kind: "nobody_on_call", pageId: page.id, level, round });
  }
  const written = await insertTimelineEvents(tx, work.filter((w) => w.page.incidentId !== null).flatMap((w) => w.events));

  // The direct messages (their own lane: a page goes out at once) and what the channel hears:
  // each step once, the people paged in one post.
  const outbox: OutboxEntry[] = [];
  let next = 0;
  for (const w of work) {
    const incidentId = w.page.incidentId;
    const events: Array<{ id?: bigint; data: NewTimelineEvent["data"] }> = incidentId === null ? w.events : written.slice(next, next + w.events.length);
    if (incidentId !== null) next += w.events.length;
    const sent = events.filter((e) => e.data.kind === "page_sent");
    for (const e of sent) {
      if (e.data.kind !== "page_sent") continue;
      const { pageId, userId, level, round } = e.data;
      outbox.push({
        key: `page:${pageId}:r${round}:l${level - 1}:${userId}`,
        kind: "page.notify",
        incidentId: null,
        payload: { pageId, userId, level, round, incidentId },
      });
    }
    if (incidentId === null) {
      // Alerts' page: nobody to tell in a channel; an exhaustion is told to whoever was paged.
      if (w.step.kind === "exhausted") outbox.push(...exhaustedNotices(w.page, await notifiedOf(tx, w.page.id)));
      continue;
    }
    for (const e of events) {
      if (e.data.kind === "page_sent") continue;
      const post = channelPost(incidentId, e as TimelineEvent);
      outbox.push(e.data.kind === "policy_exhausted" ? { ...post, payload: { event: String(e.id), loud: true } } : post);
    }
    if (sent.length > 0) outbox.push({ ...channelPost(incidentId, sent[0] as TimelineEvent), payload: { event: String(sent[0].id), pageStep: sent.map((e) => String(e.id)) } });
  }
  await enqueue(tx, outbox, now);

  await updateProgress(tx, plans.map(({ page, after }) => ({ id: page.id, ...after })));
  const { metrics } = opts;
  if (metrics) {
    const taken = {
      notified: fresh.size,
      exhausted: work.filter((w) => w.step.kind === "exhausted").length,
      // how late each page's first due step was (a step taken now by hand was not due)
      delaysSeconds: opts.manualBy ? [] : plans.map(({ page }) => (page.nextStepAt ? (now.getTime() - page.nextStepAt.getTime()) / 1000 : 0)),
    };
    afterCommit(tx, () => metrics.stepsTaken(taken));
  }
  const after = new Map(plans.map((p) => [p.page.id, p.after]));
  return pages.map((page) => ({ ...page, ...(after.get(page.id) ?? {}) }));
}
