// The sections that open the draft: the header (status, roles, channel, review), the summary, the
// impact (time at each severity) and the key times and durations.
import { statusLabel } from "../../incidents/lifecycle.ts";
import { blockText, inlineText, link, who, type UserNames } from "../markdown.ts";
import { severityRank, type Analysis } from "./analyze.ts";
import { addBusinessDays, DASH, formatDate, formatDuration, formatUtc, inlinePrompt, prompt, since, timeOr, WEEKDAYS } from "./format.ts";
import type { PostmortemInput, PostmortemSlo } from "./types.ts";
import { impactInterval } from "../../incidents/durations.ts";
import { counts, formatWindow, spentSentence } from "../../slo/budget.ts";

export function channelLink(input: PostmortemInput): string {
  const name = input.incident.channelName ? `#${input.incident.channelName}` : input.incident.channelId ? `#${input.incident.channelId}` : "";
  if (!name) return DASH;
  return link(name, input.channelUrl ?? null);
}

export function headerSection(input: PostmortemInput, a: Analysis, users: UserNames | undefined): string {
  const i = input.incident;
  const reviewBy = addBusinessDays(a.resolvedAt ?? input.generatedAt, 5);
  return [
    `- **Document status:** Draft`,
    `- **Date:** ${formatDate(a.declaredAt)}`,
    `- **Highest severity:** ${inlineText(a.highest)}`,
    `- **Incident status:** ${inlineText(statusLabel(i.status))}`,
    `- **Service:** ${i.service ? inlineText(i.service) : DASH}`,
    `- **Incident commander:** ${who(i.commanderId, users)}`,
    `- **Communications lead:** ${who(i.commsLeadId, users)}`,
    `- **Scribe:** ${who(i.scribeId, users)}`,
    `- **Incident channel:** ${channelLink(input)}`,
    `- **Postmortem owner:** ${inlinePrompt("who drives this document to its review?")}`,
    `- **Review meeting:** to be scheduled within 5 business days (by ${WEEKDAYS[reviewBy.getUTCDay()]} ${formatDate(reviewBy)})`,
  ].join("\n");
}

export function summarySection(input: PostmortemInput, a: Analysis, users: UserNames | undefined): string {
  const i = input.incident;
  const out: string[] = [];
  out.push(i.description ? blockText(i.description, users) : prompt("What happened, in two or three sentences?"));
  out.push("");
  const duration = a.resolvedAt
    ? `${formatDuration(a.resolvedAt.getTime() - a.declaredAt.getTime())} (declared ${formatUtc(a.declaredAt)}, resolved ${formatUtc(a.resolvedAt)})`
    : `not resolved yet: open for ${formatDuration(input.generatedAt.getTime() - a.declaredAt.getTime())} when this draft was generated (declared ${formatUtc(a.declaredAt)})`;
  out.push(`- **Duration:** ${duration}`);
  out.push(`- **Highest severity:** ${inlineText(a.highest)}`);
  out.push(`- **Resolution:** ${a.resolution ? inlineText(a.resolution, users) : inlinePrompt("How was the incident resolved?")}`);
  out.push("");
  out.push(prompt("Summarize what happened, who was affected and how it was fixed, for a reader who was not there."));
  return out.join("\n");
}

/** What the incident spent of its service's error budget, or the prompt when its service has no SLO. */
function sloLine(a: Analysis, slo: PostmortemSlo | null | undefined, now: Date): string {
  if (!slo) return prompt("SLO breached: was an SLO breached? Which one, and how much error budget was spent?");
  const { startAt, endAt } = impactInterval(a.keyTimes, now);
  const window = `impact ${formatUtc(startAt)} → ${a.keyTimes.impactEndAt ? formatUtc(endAt) : "still going on"}`;
  if (!counts(slo, a.keyTimes.highestSeverity)) {
    return `- **Error budget:** none spent: ${inlineText(slo.service)}'s SLO counts ${inlineText(slo.countsFrom)} and higher, and this incident reached ${inlineText(a.keyTimes.highestSeverity)} (${window}).`;
  }
  return `- **Error budget:** ${inlineText(spentSentence(slo.service, slo, endAt.getTime() - startAt.getTime()))} (${window}; SLO ${slo.objective} % over ${formatWindow(slo.windowSeconds)}).`;
}

export function impactSection(a: Analysis, slo?: PostmortemSlo | null, now: Date = new Date(0)): string {
  const out: string[] = [];
  const until = a.stillOpen ? "until this draft was generated (the incident is not resolved)" : "while the incident was open, until it was resolved";
  out.push(`**Time at each severity** (${until}):`);
  out.push("");
  out.push("| Severity | Time |");
  out.push("| --- | --- |");
  const ranked = [...a.timeAt.entries()].sort((x, y) => severityRank(x[0]) - severityRank(y[0]) || (x[0] < y[0] ? -1 : 1));
  for (const [sev, ms] of ranked) out.push(`| ${inlineText(sev)} | ${formatDuration(ms)} |`);
  out.push(`| **Total** | ${formatDuration(a.openMs)} |`);
  out.push("");
  out.push(prompt("Users affected: who was affected, how many, and how did it look to them?"));
  out.push("");
  out.push(prompt("Requests failed: how many requests or transactions failed (counts, error rates)?"));
  out.push("");
  out.push(sloLine(a, slo, now));
  out.push("");
  out.push(prompt("Support tickets: how many tickets or customer contacts did it cause?"));
  return out.join("\n");
}

export function keyTimesSection(a: Analysis): string {
  const rows: [string, Date | null][] = [
    ["Declared", a.declaredAt],
    ["First page", a.firstPage],
    ["First acknowledgement", a.firstAck],
    ["Mitigated (monitoring)", a.mitigated],
    ["Resolved", a.resolvedAt],
    ["Closed", a.closedAt],
  ];
  const out = ["| Milestone | Time | Since declared |", "| --- | --- | --- |"];
  for (const [name, at] of rows) out.push(`| ${name} | ${timeOr(at)} | ${since(a.declaredAt, at)} |`);
  out.push("");
  out.push(`- **Time to acknowledge** (first page → first acknowledgement): ${since(a.firstPage, a.firstAck)}`);
  out.push(`- **Time to mitigate** (declared → monitoring): ${since(a.declaredAt, a.mitigated)}`);
  out.push(`- **Time to resolve** (declared → resolved): ${since(a.declaredAt, a.resolvedAt)}`);
  return out.join("\n");
}
