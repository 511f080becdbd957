// What monitoring sends, read into one shape: Alertmanager's webhook (version 4), Grafana's webhook
// contact point (the same shape with a few more fields), and a generic JSON alert. Pure: a body in,
// the alerts it carries out, with the ones that cannot be read named by their place in the body.
import { clip } from "../incidents/views.ts";
import type { IntegrationKind } from "../oncall/rota-file.ts";

export interface AlertLink {
  title: string;
  url: string;
}

export interface IncomingAlert {
  /** The fingerprint (Alertmanager, Grafana) or the key (generic): never the summary. */
  identity: string;
  status: "firing" | "resolved";
  summary: string;
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: AlertLink[];
  startsAt: Date;
  endsAt: Date | null;
}

export interface IncomingBatch {
  /** Alerts sent together in one group (Alertmanager's and Grafana's groupKey); null: each alert is its own. */
  groupKey: string | null;
  alerts: IncomingAlert[];
  /** Alerts that could not be read, by their place in the body. */
  rejected: { index: number; problem: string }[];
  /** Alerts the sender left out (Alertmanager's `max_alerts`). */
  truncated: number;
}

export type ParsedBody = { ok: true; batch: IncomingBatch } | { ok: false; problem: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The longest summary and label value kept (Slack messages have limits; alerts can be verbose). */
const MAX_TEXT = 1000;
const clipText = (s: string) => clip(s, MAX_TEXT);

/** A mapping of strings (labels, annotations); other values are written as JSON. */
function strings(v: unknown): Record<string, string> | null {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = clipText(typeof x === "string" ? x : JSON.stringify(x));
  return out;
}

/** Alertmanager's "0001-01-01T00:00:00Z" (and anything before 1970) means "not set". */
function instant(v: unknown): Date | null | undefined {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") return undefined;
  const d = new Date(v);
  if (!Number.isFinite(d.getTime())) return undefined;
  return d.getTime() <= 0 ? null : d;
}

function httpUrl(v: unknown): string | null {
  if (typeof v !== "string" || v === "") return null;
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

/** A silence for exactly this alert in the Alertmanager that sent it. */
function alertmanagerSilenceUrl(externalUrl: string | null, labels: Record<string, string>): string | null {
  if (!externalUrl) return null;
  const matchers = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`)
    .join(",");
  return `${externalUrl.replace(/\/$/, "")}/#/silences/new?filter=${encodeURIComponent(`{${matchers}}`)}`;
}

function links(pairs: Array<[string, unknown]>): AlertLink[] {
  const out: AlertLink[] = [];
  for (const [title, v] of pairs) {
    const url = httpUrl(v);
    if (url && !out.some((l) => l.url === url)) out.push({ title, url });
  }
  return out;
}

/** One alert of an Alertmanager or Grafana body; a string says what is wrong with it. */
function monitoringAlert(raw: unknown, kind: "alertmanager" | "grafana", body: Obj, fallbackStatus: unknown): IncomingAlert | string {
  if (!isObj(raw)) return "expected an object";
  const status = raw.status ?? fallbackStatus;
  if (status !== "firing" && status !== "resolved") return `status must be "firing" or "resolved", not ${JSON.stringify(status ?? null)}`;
  if (typeof raw.fingerprint !== "string" || raw.fingerprint.trim() === "") return "no fingerprint (the alert's identity)";
  const labels = strings(raw.labels);
  if (!labels) return "labels must be an object of strings";
  const annotations = strings(raw.annotations);
  if (!annotations) return "annotations must be an object of strings";
  const startsAt = instant(raw.startsAt);
  if (startsAt === undefined) return "startsAt is not a time";
  const endsAt = instant(raw.endsAt);
  if (endsAt === undefined) return "endsAt is not a time";
  const summary = annotations.summary || annotations.description || labels.alertname || (kind === "grafana" && typeof body.title === "string" ? body.title : "") || raw.fingerprint;
  const externalUrl = httpUrl(body.externalURL);
  return {
    identity: raw.fingerprint.trim(),
    status,
    summary: clipText(summary),
    severity: labels.severity ?? null,
    labels,
    annotations,
    links: links([
      ["Source", raw.generatorURL],
      ["Runbook", annotations.runbook_url ?? annotations.runbook],
      ["Dashboard", raw.dashboardURL ?? body.dashboardURL],
      ["Panel", raw.panelURL ?? body.panelURL],
      ["Silence", raw.silenceURL ?? body.silenceURL ?? (kind === "alertmanager" ? alertmanagerSilenceUrl(externalUrl, labels) : null)],
    ]),
    startsAt: startsAt ?? new Date(0),
    endsAt: status === "resolved" ? endsAt : null,
  };
}

/** One generic alert: { key, status, summary, severity?, details?, links? }. */
function genericAlert(raw: unknown): IncomingAlert | string {
  if (!isObj(raw)) return "expected an object with key, status and summary";
  if (typeof raw.key !== "string" || raw.key.trim() === "") return "key is required (the alert's identity)";
  if (raw.status !== "firing" && raw.status !== "resolved") return `status must be "firing" or "resolved", not ${JSON.stringify(raw.status ?? null)}`;
  if (typeof raw.summary !== "string" || raw.summary.trim() === "") return "summary is required";
  if (raw.severity !== undefined && raw.severity !== null && typeof raw.severity !== "string") return "severity must be a string";
  const details = strings(raw.details);
  if (!details) return "details must be an object";
  let linkPairs: Array<[string, unknown]> = [];
  if (raw.links !== undefined && raw.links !== null) {
    if (!Array.isArray(raw.links)) return "links must be a list of URLs or { title, url }";
    linkPairs = raw.links.map((l, i) => (isObj(l) ? [typeof l.title === "string" && l.title ? l.title : `Link ${i + 1}`, l.url] : [`Link ${i + 1}`, l]));
  }
  const severity = typeof raw.severity === "string" && raw.severity ? raw.severity : null;
  return {
    identity: raw.key.trim(),
    status: raw.status,
    summary: clipText(raw.summary.trim()),
    severity,
    labels: severity ? { severity } : {},
    annotations: details,
    links: links(linkPairs),
    startsAt: new Date(0),
    endsAt: null,
  };
}

const SHAPES: Record<Exclude<IntegrationKind, "heartbeat">, string> = {
  alertmanager: "Alertmanager's webhook body (an object with alerts[])",
  grafana: "Grafana's webhook contact point body (an object with alerts[])",
  generic: 'a generic alert ({ "key", "status": "firing"|"resolved", "summary", "severity"?, "details"?, "links"? }, or a list of them)',
};

/**
 * Reads a body sent to an integration. A body that is not the integration's shape at all is
 * refused whole; within a good body, alerts that cannot be read are listed in `rejected` and the
 * others are kept. Alerts without a start time (generic ones) start `now`.
 */
export function parseAlertBody(kind: Exclude<IntegrationKind, "heartbeat">, body: unknown, now: Date): ParsedBody {
  const alerts: IncomingAlert[] = [];
  const rejected: IncomingBatch["rejected"] = [];
  const take = (parsed: IncomingAlert | string, index: number) => {
    if (typeof parsed === "string") rejected.push({ index, problem: parsed });
    else alerts.push(parsed.startsAt.getTime() === 0 ? { ...parsed, startsAt: now } : parsed);
  };
  if (kind === "generic") {
    const list = Array.isArray(body) ? body : isObj(body) ? [body] : null;
    if (!list || list.length === 0) return { ok: false, problem: `expected ${SHAPES.generic}` };
    list.forEach((raw, i) => take(genericAlert(raw), i));
    if (alerts.length === 0 && !Array.isArray(body)) return { ok: false, problem: rejected[0].problem };
    return { ok: true, batch: { groupKey: null, alerts, rejected, truncated: 0 } };
  }
  if (!isObj(body) || !Array.isArray(body.alerts)) return { ok: false, problem: `expected ${SHAPES[kind]}` };
  if (body.groupKey !== undefined && typeof body.groupKey !== "string") return { ok: false, problem: "groupKey must be a string" };
  body.alerts.forEach((raw, i) => take(monitoringAlert(raw, kind, body, body.status), i));
  const truncated = typeof body.truncatedAlerts === "number" && body.truncatedAlerts > 0 ? Math.floor(body.truncatedAlerts) : 0;
  return { ok: true, batch: { groupKey: typeof body.groupKey === "string" && body.groupKey !== "" ? body.groupKey : null, alerts, rejected, truncated } };
}

/** The labels worth showing on a page, most telling first (not every label Prometheus attaches). */
export function labelsThatMatter(labels: Record<string, string>, limit = 6): Array<[string, string]> {
  const first = ["alertname", "severity", "service", "instance", "job", "cluster", "namespace", "env"];
  const ignore = new Set(["__name__", "__grafana_autogenerated__", "__grafana_receiver__", "grafana_folder", "prometheus", "receive", "endpoint"]);
  const entries = Object.entries(labels).filter(([k]) => !ignore.has(k) && !k.startsWith("__"));
  entries.sort(([a], [b]) => (first.indexOf(a) === -1 ? 99 : first.indexOf(a)) - (first.indexOf(b) === -1 ? 99 : first.indexOf(b)) || a.localeCompare(b));
  return entries.slice(0, limit);
}

/** The severity a firing alert declares with `declare_incident`, or null (the most severe of several). */
export function declaredSeverity(rule: { label: string; map: Record<string, number> } | null, alerts: Array<Pick<IncomingAlert, "status" | "labels">>): number | null {
  if (!rule) return null;
  let best: number | null = null;
  for (const a of alerts) {
    if (a.status !== "firing") continue;
    const value = a.labels[rule.label];
    const sev = value !== undefined && Object.hasOwn(rule.map, value) ? rule.map[value] : undefined;
    if (sev !== undefined && (best === null || sev < best)) best = sev;
  }
  return best;
}
