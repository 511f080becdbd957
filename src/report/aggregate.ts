// Incident metrics, pure: facts in (each incident's key durations from incidents/durations.ts, its
// pages, who was notified when, the on-call segments of each schedule), the report out. No I/O.
//
// - Median: the middle value of the sorted figures; with an even count, the mean of the two
//   middle values. p90: nearest rank, the smallest figure that at least 90 % of the figures do
//   not exceed (sorted[ceil(0.9 × n) − 1]). An incident without the figure (never paged or never
//   acknowledged, not mitigated, not resolved) is left out of that figure, and `count` says how
//   many had it.
// - Groups (`--by`): severity is the highest the incident reached; service is the one it was
//   declared for ("(none)" without one); commander is its commander now. Without `--by`, one
//   group, "all".
// - Out of working hours: a notification whose instant, read on the wall clock of the person's
//   time zone, is not on one of the working days between `from` (inclusive) and `to` (exclusive).
// - Hours on call: the length of every segment (schedule.ts `segments`, as `oncall --from --to`
//   prints them) that has the person on call, summed over the schedules.
import { SEVERITIES, type Severity } from "../incidents/lifecycle.ts";
import type { WorkingHours } from "../oncall/rota-file.ts";
import { parseHHMM, type Segment } from "../oncall/schedule.ts";
import { instantToLocal, weekdayAt } from "../oncall/zoned.ts";

export const GROUP_BY = ["severity", "service", "commander"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** What the report needs of an incident: its grouping keys and its durations (ms, null: none). */
export interface IncidentFacts {
  number: number;
  highestSeverity: Severity;
  service: string | null;
  commanderId: string;
  timeToAcknowledgeMs: number | null;
  timeToMitigateMs: number | null;
  timeToResolveMs: number | null;
}

export type PageOutcome = "escalating" | "acknowledged" | "exhausted" | "cancelled" | "resolved";

/** One person notified by one step of a page. */
export interface NotificationFacts {
  userId: string;
  at: Date;
}

/** Where a person's time zone came from: their Slack profile, a schedule they are on, or neither (UTC). */
export type ZoneSource = "slack" | "schedule" | "default";

export interface PersonZone {
  zone: string;
  source: ZoneSource;
}

export interface ReportInput {
  from: Date;
  to: Date;
  by: GroupBy | null;
  incidents: IncidentFacts[];
  pages: PageOutcome[];
  notifications: NotificationFacts[];
  /** Each schedule's segments over [from, to]. */
  segments: Map<string, Segment[]>;
  workingHours: WorkingHours;
  /** Every person notified or on call (UTC for anyone missing). */
  zones: Map<string, PersonZone>;
}

export interface DurationSummary {
  /** How many incidents have the figure. */
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface GroupReport {
  key: string;
  declared: number;
  timeToAcknowledge: DurationSummary;
  timeToMitigate: DurationSummary;
  timeToResolve: DurationSummary;
}

export interface PersonLoad {
  userId: string;
  timeZone: string;
  timeZoneSource: ZoneSource;
  pagesReceived: number;
  pagesOutsideWorkingHours: number;
  /** Exact, in ms (hoursOnCall is this in hours, to 2 decimals). */
  onCallMs: number;
  hoursOnCall: number;
}

export interface Report {
  from: Date;
  to: Date;
  by: GroupBy | null;
  workingHours: WorkingHours;
  declared: number;
  bySeverity: Record<Severity, number>;
  byService: { service: string | null; declared: number }[];
  timeToAcknowledge: DurationSummary;
  timeToMitigate: DurationSummary;
  timeToResolve: DurationSummary;
  groups: GroupReport[];
  pages: { sent: number; acknowledged: number; exhausted: number; cancelled: number; escalating: number };
  oncall: PersonLoad[];
}

const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** The middle value; the mean of the two middle values for an even count; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = ascending(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile: sorted[ceil(p/100 × n) − 1] (p in (0, 100]); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  const s = ascending(values);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

export function summarize(values: readonly (number | null)[]): DurationSummary {
  const present = values.filter((v): v is number => v !== null);
  return { count: present.length, medianMs: median(present), p90Ms: percentile(present, 90) };
}

/** Whether an instant falls within working hours on the wall clock of `zone` (daylight saving included). */
export function isWorkingTime(at: Date, zone: string, hours: WorkingHours): boolean {
  if (!hours.days.includes(weekdayAt(at, zone))) return false;
  const local = instantToLocal(at, zone);
  const minute = local.hour * 60 + local.minute;
  return minute >= parseHHMM(hours.from)! && minute < parseHHMM(hours.to)!;
}

/** Per person, the ms on call over these schedules' segments (a segment counts for everyone in it). */
export function onCallMs(segmentsBySchedule: Map<string, Segment[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const segs of segmentsBySchedule.values()) {
    for (const s of segs) {
      const ms = s.end.getTime() - s.start.getTime();
      for (const u of new Set(s.onCall)) out.set(u, (out.get(u) ?? 0) + ms);
    }
  }
  return out;
}

export const NO_SERVICE = "(none)";

function groupKey(i: IncidentFacts, by: GroupBy | null): string {
  switch (by) {
    case "severity":
      return i.highestSeverity;
    case "service":
      return i.service ?? NO_SERVICE;
    case "commander":
      return i.commanderId;
    default:
      return "all";
  }
}

function group(key: string, incidents: IncidentFacts[]): GroupReport {
  return {
    key,
    declared: incidents.length,
    timeToAcknowledge: summarize(incidents.map((i) => i.timeToAcknowledgeMs)),
    timeToMitigate: summarize(incidents.map((i) => i.timeToMitigateMs)),
    timeToResolve: summarize(incidents.map((i) => i.timeToResolveMs)),
  };
}

/** The incidents in groups, sorted by key (one group "all" without `by`; none without incidents). */
export function groupIncidents(incidents: IncidentFacts[], by: GroupBy | null): GroupReport[] {
  const groups = new Map<string, IncidentFacts[]>();
  for (const i of incidents) {
    const key = groupKey(i, by);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  }
  if (groups.size === 0 && by === null) groups.set("all", []);
  return [...groups.keys()].sort().map((k) => group(k, groups.get(k)!));
}

const hours2 = (ms: number): number => Math.round((ms / 3_600_000) * 100) / 100;

export function buildReport(input: ReportInput): Report {
  const { incidents } = input;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, incidents.filter((i) => i.highestSeverity === s).length])) as Record<Severity, number>;
  const services = new Map<string | null, number>();
  for (const i of incidents) services.set(i.service, (services.get(i.service) ?? 0) + 1);
  const byService = [...services.entries()]
    .map(([service, declared]) => ({ service, declared }))
    .sort((a, b) => (a.service === null ? 1 : b.service === null ? -1 : a.service.localeCompare(b.service)));
  const all = group("all", incidents);

  const count = (state: PageOutcome) => input.pages.filter((p) => p === state).length;
  const onCall = onCallMs(input.segments);
  const people = [...new Set([...input.notifications.map((n) => n.userId), ...onCall.keys()])].sort();
  const oncall = people.map((userId): PersonLoad => {
    const { zone, source } = input.zones.get(userId) ?? { zone: "UTC", source: "default" as const };
    const received = input.notifications.filter((n) => n.userId === userId);
    const ms = onCall.get(userId) ?? 0;
    return {
      userId,
      timeZone: zone,
      timeZoneSource: source,
      pagesReceived: received.length,
      pagesOutsideWorkingHours: received.filter((n) => !isWorkingTime(n.at, zone, input.workingHours)).length,
      onCallMs: ms,
      hoursOnCall: hours2(ms),
    };
  });

  return {
    from: input.from,
    to: input.to,
    by: input.by,
    workingHours: input.workingHours,
    declared: incidents.length,
    bySeverity,
    byService,
    timeToAcknowledge: all.timeToAcknowledge,
    timeToMitigate: all.timeToMitigate,
    timeToResolve: all.timeToResolve,
    groups: groupIncidents(incidents, input.by),
    pages: { sent: input.pages.length, acknowledged: count("acknowledged"), exhausted: count("exhausted"), cancelled: count("cancelled"), escalating: count("escalating") },
    oncall,
  };
}
