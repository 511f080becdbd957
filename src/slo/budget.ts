// SLO error budgets, pure: a service's objective over a rolling window of instants, the impact of
// its incidents, and what that leaves. Windows are intervals of instants (UTC): `[now − window, now]`,
// so a daylight-saving change can neither lengthen nor shorten one.
//
// - budget = window × (1 − objective): 99.9 % over 30 days is 43.2 minutes;
// - spent  = the part of the window covered by the impact of incidents that count (at least the
//   SLO's `counts_from` severity at their highest); overlapping impact counts once;
// - burn rate over a span = (impact within the last span ÷ span) ÷ (1 − objective): 1 spends the
//   budget exactly over the window; 14.4 over an hour is the classic page-now rate.
import { SEVERITIES, type Severity } from "../incidents/lifecycle.ts";

export interface Slo {
  /** Percent, e.g. 99.9. */
  objective: number;
  windowSeconds: number;
  /** Incidents at this severity or higher spend budget. */
  countsFrom: Severity;
}

export interface Impact {
  incidentNumber: number;
  highestSeverity: Severity;
  startAt: Date;
  /** Already closed off at `now` for an impact still going on. */
  endAt: Date;
}

export interface SpentBy {
  incidentNumber: number;
  /** The part of this incident's impact inside the window. */
  spentMs: number;
}

export interface BudgetReport {
  slo: Slo;
  windowStartAt: Date;
  windowEndAt: Date;
  budgetMs: number;
  spentMs: number;
  remainingMs: number;
  /** Percent of the budget left (negative once overspent), to one decimal. */
  remainingPercent: number;
  /** The incidents that spent it, most first. */
  incidents: SpentBy[];
  burnRate1h: number;
  burnRate6h: number;
}

const HOUR_MS = 3_600_000;

/** The budget of a window, in ms. */
export function budgetMs(slo: Slo): number {
  return Math.round((slo.windowSeconds * 1000 * (100 - slo.objective)) / 100);
}

/** Whether an incident that reached this severity spends this SLO's budget. */
export const counts = (slo: Slo, severity: Severity): boolean => SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(slo.countsFrom);

/** How much of `[from, to]` the intervals cover, each instant counted once. */
export function coveredMs(intervals: readonly { startAt: Date; endAt: Date }[], from: Date, to: Date): number {
  const clipped = intervals
    .map((i) => [Math.max(i.startAt.getTime(), from.getTime()), Math.min(i.endAt.getTime(), to.getTime())] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [s, e] of clipped) {
    if (s > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else curEnd = Math.max(curEnd, e);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/** The burn rate over the last `spanMs` before `now`. */
export function burnRate(slo: Slo, impacts: readonly Impact[], now: Date, spanMs: number): number {
  const counting = impacts.filter((i) => counts(slo, i.highestSeverity));
  const fraction = coveredMs(counting, new Date(now.getTime() - spanMs), now) / spanMs;
  return fraction / ((100 - slo.objective) / 100);
}

/** The error budget at `now`. */
export function budgetAt(slo: Slo, impacts: readonly Impact[], now: Date): BudgetReport {
  const windowStartAt = new Date(now.getTime() - slo.windowSeconds * 1000);
  const counting = impacts.filter((i) => counts(slo, i.highestSeverity));
  const budget = budgetMs(slo);
  const spent = coveredMs(counting, windowStartAt, now);
  const incidents = counting
    .map((i) => ({ incidentNumber: i.incidentNumber, spentMs: coveredMs([i], windowStartAt, now) }))
    .filter((i) => i.spentMs > 0)
    .sort((a, b) => b.spentMs - a.spentMs || a.incidentNumber - b.incidentNumber);
  const remaining = budget - spent;
  return {
    slo,
    windowStartAt,
    windowEndAt: now,
    budgetMs: budget,
    spentMs: spent,
    remainingMs: remaining,
    remainingPercent: budget > 0 ? Math.round((remaining / budget) * 1000) / 10 : spent > 0 ? -100 : 100,
    incidents,
    burnRate1h: burnRate(slo, impacts, now, HOUR_MS),
    burnRate6h: burnRate(slo, impacts, now, 6 * HOUR_MS),
  };
}

/** The thresholds of remaining budget (percent) that are announced when crossed. */
export const THRESHOLDS = [50, 25, 0] as const;

/** The thresholds a budget is at or below now (remaining ≤ 50 %: 50; ≤ 25 %: 50 and 25; ≤ 0: all). */
export function thresholdsReached(report: Pick<BudgetReport, "remainingMs" | "budgetMs">): number[] {
  return THRESHOLDS.filter((t) => report.remainingMs * 100 <= report.budgetMs * t);
}

/** "43.2 min", "2 h 5 min", "45 s": a budget's length for people. */
export function formatBudget(ms: number): string {
  const sign = ms < 0 ? "−" : "";
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${sign}${Math.round(abs / 1000)} s`;
  if (abs < 2 * HOUR_MS) return `${sign}${trim(abs / 60_000)} min`;
  const hours = Math.floor(abs / HOUR_MS);
  const minutes = Math.round((abs % HOUR_MS) / 60_000);
  return `${sign}${hours} h${minutes ? ` ${minutes} min` : ""}`;
}

const trim = (n: number): string => (Math.round(n * 10) / 10).toString();

/** "30d", "4w", "12h": a window's length as the rota file writes it. */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${seconds}s`;
}

/** What one incident spent, as the postmortem says it: "21 min of checkout's 43.2 min budget, 49 %". */
export function spentSentence(service: string, slo: Slo, spentMs: number): string {
  const budget = budgetMs(slo);
  const percent = budget > 0 ? Math.round((spentMs / budget) * 100) : 0;
  return `${formatBudget(spentMs)} of ${service}'s ${formatBudget(budget)} budget, ${percent} %`;
}
