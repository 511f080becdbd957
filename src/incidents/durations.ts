// The key instants of an incident and the durations between them, defined once, from its timeline:
// the postmortem's key times, the incident metrics and the SLO error budgets all read them here.
// Pure: events in, instants out.
//
// - time to acknowledge: first page → first acknowledgement (no page, no figure);
// - time to mitigate:    declared → first move to `monitoring`;
// - time to resolve:     declared → resolved (the last resolution, a reopen undoes it);
// - impact window:       from declaration, or the last `/incident impact start <time>`, to
//                        mitigation, else resolution, or the last `/incident impact end <time>`;
//                        an incident with no end yet is still spending.
import { SEVERITIES, type Severity } from "./lifecycle.ts";
import type { TimelineData } from "./timeline.ts";

export interface TimedEvent {
  occurredAt: Date;
  data: TimelineData;
}

export interface KeyTimes {
  declaredAt: Date;
  firstPageAt: Date | null;
  firstAckAt: Date | null;
  /** The first move to `monitoring`. */
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  /** The highest severity the incident reached. */
  highestSeverity: Severity;
  /** When the impact began: declaration, or what `/incident impact start` said last. */
  impactStartAt: Date;
  /** When the impact ended: `/incident impact end`, else mitigation, else resolution; null while it goes on. */
  impactEndAt: Date | null;
}

/** SEV1 is 0, SEV4 is 3 (lower is more severe). */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/**
 * The key times of an incident from its timeline (oldest first). `fallback` is the incident row,
 * for a timeline that does not start with its declaration.
 */
export function keyTimes(timeline: readonly TimedEvent[], fallback: { declaredAt: Date; severity: Severity }): KeyTimes {
  let declaredAt = fallback.declaredAt;
  let highest: Severity = fallback.severity;
  const raise = (s: Severity | undefined) => {
    if (s && SEVERITIES.includes(s) && severityRank(s) < severityRank(highest)) highest = s;
  };
  let firstPageAt: Date | null = null;
  let firstAckAt: Date | null = null;
  let mitigatedAt: Date | null = null;
  let resolvedAt: Date | null = null;
  let closedAt: Date | null = null;
  let impactStart: Date | null = null;
  let impactEnd: Date | null = null;
  for (const e of timeline) {
    const d = e.data;
    switch (d.kind) {
      case "declared":
        declaredAt = e.occurredAt;
        raise(d.severity);
        break;
      case "severity_changed":
        raise(d.from);
        raise(d.to);
        break;
      case "status_changed":
        if (d.to === "monitoring" && !mitigatedAt) mitigatedAt = e.occurredAt;
        if (d.to === "resolved") resolvedAt = e.occurredAt;
        else if (d.to === "closed") closedAt = e.occurredAt;
        else if (d.from === "resolved" || d.from === "closed") {
          resolvedAt = null;
          closedAt = null;
        }
        break;
      case "page_sent":
        firstPageAt ??= e.occurredAt;
        break;
      case "page_acknowledged":
        firstAckAt ??= e.occurredAt;
        break;
      case "impact_changed":
        if (d.edge === "start") impactStart = new Date(d.at);
        else impactEnd = new Date(d.at);
        break;
    }
  }
  const impactStartAt = impactStart ?? declaredAt;
  return {
    declaredAt,
    firstPageAt,
    firstAckAt,
    mitigatedAt,
    resolvedAt,
    closedAt,
    highestSeverity: highest,
    impactStartAt,
    impactEndAt: impactEnd ?? mitigatedAt ?? resolvedAt,
  };
}

const between = (from: Date | null, to: Date | null): number | null => (from && to ? Math.max(0, to.getTime() - from.getTime()) : null);

/** First page → first acknowledgement, in ms (null: never paged, or never acknowledged). */
export const timeToAcknowledgeMs = (k: KeyTimes): number | null => between(k.firstPageAt, k.firstAckAt);
/** Declared → first move to monitoring, in ms. */
export const timeToMitigateMs = (k: KeyTimes): number | null => between(k.declaredAt, k.mitigatedAt);
/** Declared → resolved, in ms. */
export const timeToResolveMs = (k: KeyTimes): number | null => between(k.declaredAt, k.resolvedAt);

/** The impact window as an interval of instants; one still going ends at `now`. Never negative. */
export function impactInterval(k: KeyTimes, now: Date): { startAt: Date; endAt: Date } {
  const end = k.impactEndAt ?? now;
  return { startAt: k.impactStartAt, endAt: end.getTime() < k.impactStartAt.getTime() ? k.impactStartAt : end };
}
