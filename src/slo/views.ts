// How an error budget is said: in Slack (`/incident slo`), on the command line, as JSON, and the
// announcement of a threshold crossed. Pure.
import { incidentRef } from "../incidents/lifecycle.ts";
import { formatBudget, formatWindow } from "./budget.ts";
import type { ServiceBudget } from "./service.ts";

const rate = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

/** Lines for people (Slack mrkdwn when `bold` is `*`, plain text with ""). */
export function budgetText(b: ServiceBudget, bold = "*"): string {
  const { slo } = b;
  const spentBy = b.incidents.length ? b.incidents.map((i) => `${incidentRef(i.incidentNumber)} (${formatBudget(i.spentMs)})`).join(", ") : "no incident";
  return [
    `${bold}${b.service}${bold}: SLO ${slo.objective} % over a rolling ${formatWindow(slo.windowSeconds)} (${slo.countsFrom} and higher spend budget)`,
    `Budget ${formatBudget(b.budgetMs)} · spent ${formatBudget(b.spentMs)} · remaining ${formatBudget(b.remainingMs)} (${b.remainingPercent} %)`,
    `Burn rate: last 1 h ${rate(b.burnRate1h)} · last 6 h ${rate(b.burnRate6h)} (1.0 spends the budget exactly over the window)`,
    `Spent by: ${spentBy}`,
  ].join("\n");
}

/** For `--json`: figures in ms, instants in UTC. */
export function budgetJson(b: ServiceBudget) {
  return {
    service: b.service,
    objective: b.slo.objective,
    windowSeconds: b.slo.windowSeconds,
    countsFrom: b.slo.countsFrom,
    windowStart: b.windowStartAt.toISOString(),
    windowEnd: b.windowEndAt.toISOString(),
    budgetMs: b.budgetMs,
    spentMs: b.spentMs,
    remainingMs: b.remainingMs,
    remainingPercent: b.remainingPercent,
    burnRate1h: b.burnRate1h,
    burnRate6h: b.burnRate6h,
    incidents: b.incidents.map((i) => ({ incident: incidentRef(i.incidentNumber), spentMs: i.spentMs })),
  };
}

/** What the announce channel is told when a threshold is crossed. */
export function thresholdText(b: ServiceBudget, threshold: number): string {
  const head = threshold === 0 ? `:rotating_light: *${b.service}* has spent its whole error budget` : `:warning: *${b.service}* has less than ${threshold} % of its error budget left`;
  return `${head}: ${formatBudget(b.remainingMs)} of ${formatBudget(b.budgetMs)} remaining (${b.remainingPercent} %) over the last ${formatWindow(b.slo.windowSeconds)}. \`/incident slo ${b.service}\` says what spent it.`;
}
