// How the incident metrics are said: in Slack (`/incident stats`), as plain text, as JSON (the
// stable shape the README documents) and as CSV (one row per group). Pure.
import { SEVERITIES } from "../incidents/lifecycle.ts";
import { formatDuration } from "../postmortem/draft/format.ts";
import { NO_SERVICE, type DurationSummary, type GroupReport, type Report } from "./aggregate.ts";

const figure = (ms: number | null): string => (ms === null ? "—" : formatDuration(ms));

function summaryText(name: string, d: DurationSummary): string {
  if (d.count === 0) return `${name}: no incident has it yet`;
  return `${name}: median ${figure(d.medianMs)}, p90 ${figure(d.p90Ms)} (${d.count} incident${d.count === 1 ? "" : "s"})`;
}

const instant = (d: Date): string => d.toISOString().replace(/\.000Z$/, "Z");

/** Lines for people: Slack mrkdwn when `bold` is `*` (people as mentions), plain text with "". */
export function reportText(r: Report, bold = "*"): string {
  const person = (id: string) => (bold ? `<@${id}>` : id);
  const wh = r.workingHours;
  const lines = [
    `${bold}Incident metrics${bold}, ${instant(r.from)} → ${instant(r.to)}`,
    `Declared: ${r.declared}${r.declared ? ` (${SEVERITIES.filter((s) => r.bySeverity[s] > 0).map((s) => `${s} ${r.bySeverity[s]}`).join(", ")})` : ""}`,
  ];
  if (r.byService.length) lines.push(`By service: ${r.byService.map((s) => `${s.service ?? NO_SERVICE} ${s.declared}`).join(", ")}`);
  lines.push(
    summaryText("Time to acknowledge (first page → first ack)", r.timeToAcknowledge),
    summaryText("Time to mitigate (declared → monitoring)", r.timeToMitigate),
    summaryText("Time to resolve (declared → resolved)", r.timeToResolve),
  );
  if (r.by) {
    lines.push(`${bold}By ${r.by}${bold}`);
    for (const g of r.groups) {
      const key = r.by === "commander" ? person(g.key) : g.key;
      lines.push(`• ${key}: ${g.declared} declared · ack ${figure(g.timeToAcknowledge.medianMs)} / ${figure(g.timeToAcknowledge.p90Ms)} · mitigate ${figure(g.timeToMitigate.medianMs)} / ${figure(g.timeToMitigate.p90Ms)} · resolve ${figure(g.timeToResolve.medianMs)} / ${figure(g.timeToResolve.p90Ms)} (median / p90)`);
    }
  }
  lines.push(`Pages: ${r.pages.sent} sent, ${r.pages.acknowledged} acknowledged, ${r.pages.exhausted} exhausted`);
  if (r.oncall.length) {
    lines.push(`${bold}On-call load${bold} (working hours ${wh.days.join(", ")} ${wh.from}–${wh.to}, each person's time zone)`);
    for (const p of r.oncall) {
      lines.push(`• ${person(p.userId)} (${p.timeZone}): ${p.pagesReceived} page${p.pagesReceived === 1 ? "" : "s"} received, ${p.pagesOutsideWorkingHours} outside working hours, ${p.hoursOnCall} h on call`);
    }
  }
  return lines.join("\n");
}

const summaryJson = (d: DurationSummary) => ({ count: d.count, medianMs: d.medianMs, p90Ms: d.p90Ms });

const groupJson = (g: GroupReport) => ({
  key: g.key,
  declared: g.declared,
  timeToAcknowledge: summaryJson(g.timeToAcknowledge),
  timeToMitigate: summaryJson(g.timeToMitigate),
  timeToResolve: summaryJson(g.timeToResolve),
});

/** For `--json`: durations in ms, instants in UTC, hours on call to 2 decimals. */
export function reportJson(r: Report) {
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    by: r.by,
    workingHours: { days: r.workingHours.days, from: r.workingHours.from, to: r.workingHours.to },
    incidents: {
      declared: r.declared,
      bySeverity: { ...r.bySeverity },
      byService: r.byService.map((s) => ({ service: s.service, declared: s.declared })),
    },
    durations: {
      timeToAcknowledge: summaryJson(r.timeToAcknowledge),
      timeToMitigate: summaryJson(r.timeToMitigate),
      timeToResolve: summaryJson(r.timeToResolve),
    },
    groups: r.groups.map(groupJson),
    pages: { ...r.pages },
    oncall: r.oncall.map((p) => ({
      user: p.userId,
      timeZone: p.timeZone,
      timeZoneSource: p.timeZoneSource,
      pagesReceived: p.pagesReceived,
      pagesOutsideWorkingHours: p.pagesOutsideWorkingHours,
      hoursOnCall: p.hoursOnCall,
    })),
  };
}

export const CSV_HEADER = [
  "group",
  "declared",
  "tta_count",
  "tta_median_ms",
  "tta_p90_ms",
  "ttm_count",
  "ttm_median_ms",
  "ttm_p90_ms",
  "ttr_count",
  "ttr_median_ms",
  "ttr_p90_ms",
] as const;

const cell = (v: string | number | null): string => {
  const text = v === null ? "" : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** For `--csv`: a header, then one row per group (RFC 4180 quoting; an empty cell for no figure). */
export function reportCsv(r: Report): string {
  const rows = r.groups.map((g) => {
    const d = (s: DurationSummary) => [s.count, s.medianMs, s.p90Ms];
    return [g.key, g.declared, ...d(g.timeToAcknowledge), ...d(g.timeToMitigate), ...d(g.timeToResolve)].map(cell).join(",");
  });
  return [CSV_HEADER.join(","), ...rows].join("\n");
}
