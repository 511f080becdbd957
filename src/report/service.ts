// Incident metrics from the database (`incident-bot report`, `/incident stats`): the incidents
// declared in a window and their timelines (durations from incidents/durations.ts, the same ones
// the postmortem prints), their pages and who each notified, every schedule's segments over the
// window and the rota's working hours; aggregate.ts adds them up. Read-only.
import type { DbClient } from "../db/tx.ts";
import { pagesOfIncidents, notificationsOfPages } from "../escalation/store.ts";
import { keyTimes, timeToAcknowledgeMs, timeToMitigateMs, timeToResolveMs } from "../incidents/durations.ts";
import type { Incident } from "../incidents/incident.ts";
import { incidentsDeclaredBetween, timelinesOf } from "../incidents/store.ts";
import { DEFAULT_WORKING_HOURS } from "../oncall/rota-file.ts";
import { segments, type Schedule, type Segment } from "../oncall/schedule.ts";
import { loadSchedules, scheduleNames, storedWorkingHours } from "../oncall/store.ts";
import { isValidZone } from "../oncall/zoned.ts";
import { buildReport, type GroupBy, type IncidentFacts, type PersonZone, type Report } from "./aggregate.ts";

export interface ReportOptions {
  /** [from, to): incidents declared in it; on-call hours over it. */
  from: Date;
  to: Date;
  by: GroupBy | null;
  /** Which incidents the asker may see (Slack: private ones only for the people in their channel); default all. */
  visible?: (incident: Incident) => Promise<boolean>;
  /** A person's time zone from Slack (null when unknown: the fallback applies). */
  zoneOf?: (userId: string) => Promise<string | null>;
}

/**
 * A person's time zone: their Slack profile's when known; else the zone of the first schedule (by
 * name) whose layers or overrides name them; else UTC.
 */
export async function zonesOf(people: string[], schedules: Schedule[], zoneOf?: (userId: string) => Promise<string | null>): Promise<Map<string, PersonZone>> {
  const byName = [...schedules].sort((a, b) => a.name.localeCompare(b.name));
  const out = new Map<string, PersonZone>();
  for (const userId of people) {
    const fromSlack = zoneOf ? await zoneOf(userId) : null;
    if (fromSlack && isValidZone(fromSlack)) {
      out.set(userId, { zone: fromSlack, source: "slack" });
      continue;
    }
    const on = byName.find((s) => s.layers.some((l) => l.members.includes(userId)) || s.overrides.some((o) => o.user === userId));
    out.set(userId, on ? { zone: on.timezone, source: "schedule" } : { zone: "UTC", source: "default" });
  }
  return out;
}

export async function incidentReport(db: DbClient, opts: ReportOptions): Promise<Report> {
  const { from, to } = opts;
  const declared = await incidentsDeclaredBetween(db, from, to);
  const incidents: Incident[] = [];
  for (const i of declared) if (!opts.visible || (await opts.visible(i))) incidents.push(i);
  const ids = incidents.map((i) => i.id);
  const [timelines, pages, names, hours] = await Promise.all([timelinesOf(db, ids), pagesOfIncidents(db, ids), scheduleNames(db), storedWorkingHours(db)]);
  const notifications = await notificationsOfPages(db, pages.map((p) => p.id));
  const schedules = [...(await loadSchedules(db, names, { from, to })).values()];

  const facts = incidents.map((i): IncidentFacts => {
    const k = keyTimes(timelines.get(i.id) ?? [], i);
    return {
      number: i.number,
      highestSeverity: k.highestSeverity,
      service: i.service,
      commanderId: i.commanderId,
      timeToAcknowledgeMs: timeToAcknowledgeMs(k),
      timeToMitigateMs: timeToMitigateMs(k),
      timeToResolveMs: timeToResolveMs(k),
    };
  });
  const segs = new Map<string, Segment[]>(schedules.map((s) => [s.name, segments(s, from, to)]));
  const people = [...new Set([...notifications.map((n) => n.userId), ...[...segs.values()].flatMap((ss) => ss.flatMap((s) => s.onCall))])].sort();
  return buildReport({
    from,
    to,
    by: opts.by,
    incidents: facts,
    pages: pages.map((p) => p.state),
    notifications: notifications.map((n) => ({ userId: n.userId, at: n.notifiedAt })),
    segments: segs,
    workingHours: hours ?? DEFAULT_WORKING_HOURS,
    zones: await zonesOf(people, schedules, opts.zoneOf),
  });
}

export const STATS_PERIODS = { "7d": 7, "30d": 30, "90d": 90 } as const;
export type StatsPeriod = keyof typeof STATS_PERIODS;

/** The metrics as Slack asks for them (`/incident stats [7d|30d|90d]`): the last days up to now. */
export class ReportService {
  constructor(private readonly opts: { db: DbClient; clock: { now(): Date } }) {}

  last(period: StatsPeriod, how: Pick<ReportOptions, "visible" | "zoneOf">): Promise<Report> {
    const to = this.opts.clock.now();
    const from = new Date(to.getTime() - STATS_PERIODS[period] * 86_400_000);
    return incidentReport(this.opts.db, { from, to, by: null, ...how });
  }
}
