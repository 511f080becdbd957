// Metrics: GET /metrics in Prometheus' text format (prom-client), so the team learns when its
// pager is sick before an incident does (alert rules: examples/prometheus-alerts.yaml).
//
// - One Registry per app (tests run several apps in one process; nothing goes to prom-client's
//   global registry). The process metrics (CPU, memory, event loop, GC: prom-client's standard
//   names, no prefix) are one registry for the process, made once and served with every app's.
// - Two kinds of numbers, chosen by what stays true with several replicas:
//   * What this process did is counted where it happens: requests, Slack calls, deliveries,
//     module runs, and the pager's own facts (pages started, people notified, pages acknowledged
//     and exhausted, time to acknowledge), counted when their transaction commits (db/tx.ts
//     afterCommit), so a rolled-back step counts nothing. Each replica counts only its own work,
//     so sum(rate(...)) across replicas is the truth, and a restart is a counter reset that
//     rate() handles. (Counts derived from the database at scrape time would be reported by every
//     replica alike, summed twice, and would cost a scan that grows with history.)
//   * What the database holds is read at scrape time, with one bounded statement (store.ts):
//     the outbox backlog by lane and the age of its oldest message, escalation steps due and not
//     taken and how late the oldest is, open incidents by severity. Every replica reports the
//     same values: aggregate them with max(). The read has a timeout, so a stuck database never
//     hangs the scrape: everything else is still served, the database's gauges are left out, and
//     incident_bot_scrape_errors_total counts the failure (incident_bot_scrape_database_ok is 0).
// - Label values are bounded: command verbs from the COMMANDS table (else "unknown"), known
//   action ids, Slack method names and error codes (anything not shaped like one is "other").
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { LANES, type Lane } from "../db/outbox.ts";
import type { Logger } from "../log.ts";
import { readPagerState, SEVERITIES, type PagerState } from "./store.ts";

export type RequestKind = "command" | "action" | "view" | "event" | "other";
/** ok; user_error: answered with what would work (bad input, refused, conflict); error: the apology. */
export type RequestOutcome = "ok" | "user_error" | "error";
/** What became of one delivery attempt (engine/outbox.ts). */
export type DeliveryOutcome = "sent" | "retry" | "failed" | "paused";

/** State this process holds, read at scrape time (wired by app.ts). */
export interface LiveState {
  circuitOpen(): boolean;
  /** When the last tick in which every module succeeded ended. */
  lastCompletedTickAt(): Date | null;
  outbox(): { inFlight: Record<Lane, number>; unrecorded: number };
}

export interface MetricsOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <token>`. */
  token?: string | null;
  /** How long the database read of a scrape may take. Default: 2 s. */
  databaseTimeoutMs?: number;
}

export const METRICS_PATH = "/metrics";

const PREFIX = "incident_bot_";

/** A label value shaped like a Slack method or error code (or an id of ours); anything else is "other". */
export function bounded(value: string | null | undefined, shape = /^[a-z][a-zA-Z0-9_.]{0,63}$/): string {
  return value && shape.test(value) ? value : "other";
}

let processRegistry: Registry | null = null;

/** The process's own metrics (prom-client's standard set), collected once however many apps run. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10];
const SLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const ACK_BUCKETS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

export class Metrics {
  readonly registry = new Registry();
  /** The database's gauges: served only when this scrape could read them (never stale values). */
  private readonly databaseRegistry = new Registry();
  private readonly requests: Counter<"kind" | "name" | "outcome">;
  private readonly requestSeconds: Histogram<"kind" | "name">;
  private readonly slackCalls: Counter<"method" | "result">;
  private readonly slackSeconds: Histogram<"method">;
  private readonly slackRateLimited: Counter<"method">;
  private readonly deliveries: Counter<"lane" | "kind" | "outcome">;
  private readonly deliveryFailures: Counter<"lane" | "kind" | "code">;
  private readonly deliverySeconds: Histogram<"lane">;
  private readonly moduleSeconds: Histogram<"module">;
  private readonly moduleFailures: Counter<"module">;
  private readonly pagesStarted: Counter;
  private readonly alerts: Counter<"integration" | "change">;
  private readonly integrationRequests: Counter<"integration" | "status">;
  private readonly notifications: Counter;
  private readonly acknowledged: Counter;
  private readonly exhausted: Counter;
  private readonly timeToAck: Histogram;
  private readonly stepDelay: Histogram;
  private readonly scrapeErrors: Counter<"source">;
  private readonly gauges: {
    pending: Gauge<"lane">;
    due: Gauge<"lane">;
    failed: Gauge<"lane">;
    oldestAge: Gauge<"lane">;
    dueSteps: Gauge;
    stepLag: Gauge;
    openIncidents: Gauge<"severity">;
    databaseOk: Gauge;
  };
  private live: LiveState | null = null;
  private reading: Promise<PagerState> | null = null;

  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name: PREFIX + name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
      new Histogram<L>({ name: PREFIX + name, help, labelNames, buckets, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (this: Gauge<L>) => void) =>
      new Gauge<L>({ name: PREFIX + name, help, labelNames, registers, ...(collect ? { collect } : {}) });
    const databaseGauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name: PREFIX + name, help, labelNames, registers: [this.databaseRegistry] });

    this.requests = counter("requests_total", "Slack requests handled, by kind (command, action, view, event), name (the command's verb, the action or view id, the event type) and outcome (ok, user_error, error).", ["kind", "name", "outcome"]);
    this.requestSeconds = histogram("request_duration_seconds", "Time to handle a Slack request (the work after an acknowledgement included), by kind and name.", LATENCY_BUCKETS, ["kind", "name"]);

    this.slackCalls = counter("slack_calls_total", "Slack Web API calls by the bot, by method and result (ok, or Slack's error code: ratelimited, channel_not_found, invalid_auth…, http_<status>, request_error).", ["method", "result"]);
    this.slackSeconds = histogram("slack_call_duration_seconds", "Time a Slack Web API call took, by method.", LATENCY_BUCKETS, ["method"]);
    this.slackRateLimited = counter("slack_rate_limited_total", "Slack Web API calls answered 429 (rate limited), by method; retried after Retry-After.", ["method"]);

    this.deliveries = counter("outbox_deliveries_total", "Outbox delivery attempts, by lane, kind of message and outcome (sent, retry, failed for good, paused while Slack refuses the token).", ["lane", "kind", "outcome"]);
    this.deliveryFailures = counter("outbox_delivery_failures_total", "Outbox delivery attempts that failed, by lane, kind and code (Slack's error code, an auth error, or transient).", ["lane", "kind", "code"]);
    this.deliverySeconds = histogram("outbox_delivery_duration_seconds", "Time one outbox delivery took (the handler's calls), by lane.", SLOW_BUCKETS, ["lane"]);

    this.moduleSeconds = histogram("engine_tick_duration_seconds", "Time one engine module's run took, by module.", SLOW_BUCKETS, ["module"]);
    this.moduleFailures = counter("engine_module_failures_total", "Engine module runs that failed or overran their timeout, by module.", ["module"]);

    this.pagesStarted = counter("pages_started_total", "Pages started (by a command, by declaring a SEV1/SEV2 for a service, or by alerts), counted when their transaction commits.");
    this.alerts = counter("alerts_total", "Alerts taken in from integrations, by integration and change (opened: a firing alert not open before; resolved: an open alert resolved by its source).", ["integration", "change"]);
    this.integrationRequests = counter("integration_requests_total", "Requests to POST /integrations/<name>, by integration (unknown names counted as \"unknown\") and HTTP status.", ["integration", "status"]);
    this.notifications = counter("page_notifications_total", "People notified by escalation steps (once per person per step), counted when the step commits; their direct messages are outbox deliveries of kind page.notify.");
    this.acknowledged = counter("pages_acknowledged_total", "Pages acknowledged, counted when the acknowledgement commits.");
    this.exhausted = counter("pages_exhausted_total", "Pages whose escalation policy ran out with nobody acknowledging.");
    this.timeToAck = histogram("page_time_to_acknowledge_seconds", "From a page's start to its acknowledgement.", ACK_BUCKETS);
    this.stepDelay = histogram("escalation_step_delay_seconds", "How late an escalation step was taken after it fell due.", SLOW_BUCKETS);

    this.scrapeErrors = counter("scrape_errors_total", "Reads at scrape time that failed or timed out, by source; their gauges are left out of that scrape.", ["source"]);
    this.scrapeErrors.inc({ source: "database" }, 0); // served from the start, so increase() sees the first one

    // Read from this process at scrape time.
    const self = this;
    gauge("slack_auth_circuit_open", "1 while Slack refuses the bot's token and deliveries to Slack are paused, else 0.", [], function () {
      this.set(self.live?.circuitOpen() ? 1 : 0);
    });
    gauge("engine_last_completed_tick_timestamp_seconds", "When the engine last completed a tick in which every module succeeded (Unix time; 0 before the first).", [], function () {
      this.set((self.live?.lastCompletedTickAt()?.getTime() ?? 0) / 1000);
    });
    gauge("outbox_in_flight", "Outbox deliveries in progress in this process, by lane.", ["lane"], function () {
      const stats = self.live?.outbox();
      for (const lane of LANES) this.set({ lane }, stats?.inFlight[lane] ?? 0);
    });
    gauge("outbox_unrecorded_outcomes", "Delivery outcomes kept in memory while the database is away (recorded as soon as it answers).", [], function () {
      this.set(self.live?.outbox().unrecorded ?? 0);
    });

    // Read from the database at scrape time (scrape()).
    this.gauges = {
      pending: databaseGauge("outbox_pending_messages", "Messages not yet delivered, by lane (due now or waiting for a retry).", ["lane"]),
      due: databaseGauge("outbox_due_messages", "Messages due now and not yet delivered, by lane.", ["lane"]),
      failed: databaseGauge("outbox_failed_messages", "Messages failed for good, kept for `incident-bot outbox retry`, by lane.", ["lane"]),
      oldestAge: databaseGauge("outbox_oldest_due_age_seconds", "How long the oldest undelivered message of the lane has been due (since it was recorded; retries included); 0 when none.", ["lane"]),
      dueSteps: databaseGauge("escalation_due_steps", "Pages whose next escalation step is due and not yet taken."),
      stepLag: databaseGauge("escalation_due_step_lag_seconds", "How late the most overdue escalation step not yet taken is; 0 when none is due."),
      openIncidents: databaseGauge("open_incidents", "Incidents not resolved or closed, by severity.", ["severity"]),
      databaseOk: gauge("scrape_database_ok", "1 when this scrape read the database's gauges, 0 when that read failed or timed out."),
    };
    processMetrics();
  }

  /** What this process holds (the circuit, the engine, the outbox), read at each scrape. */
  watch(live: LiveState): void {
    this.live = live;
  }

  // ----------------------------------------------------------------- where things happen

  request(kind: RequestKind, name: string, outcome: RequestOutcome, seconds: number): void {
    this.requests.inc({ kind, name, outcome });
    this.requestSeconds.observe({ kind, name }, seconds);
  }

  /** One Slack Web API call: `result` is "ok" or what went wrong (see slack/web-client.ts). */
  slackCall(method: string, result: string, seconds: number): void {
    const m = bounded(method);
    this.slackCalls.inc({ method: m, result: bounded(result) });
    this.slackSeconds.observe({ method: m }, seconds);
    if (result === "ratelimited") this.slackRateLimited.inc({ method: m });
  }

  delivery(lane: Lane, kind: string, outcome: DeliveryOutcome, code: string | null, seconds: number): void {
    const k = bounded(kind);
    this.deliveries.inc({ lane, kind: k, outcome });
    if (code !== null) this.deliveryFailures.inc({ lane, kind: k, code: bounded(code) });
    this.deliverySeconds.observe({ lane }, seconds);
  }

  moduleRun(module: string, seconds: number, ok: boolean): void {
    this.moduleSeconds.observe({ module }, seconds);
    this.moduleFailures.inc({ module }, ok ? 0 : 1); // the series exists from the first run
  }

  /** A body an integration was sent: how many alerts it opened and resolved. */
  alertsReceived(integration: string, opened: number, resolved: number): void {
    this.alerts.inc({ integration, change: "opened" }, opened);
    this.alerts.inc({ integration, change: "resolved" }, resolved);
  }

  integrationRequest(integration: string, status: number): void {
    this.integrationRequests.inc({ integration, status: String(status) });
  }

  pageStarted(): void {
    this.pagesStarted.inc();
  }

  /** Steps taken for pages: people notified, pages exhausted, how late each due step was. */
  stepsTaken(s: { notified: number; exhausted: number; delaysSeconds: number[] }): void {
    if (s.notified > 0) this.notifications.inc(s.notified);
    if (s.exhausted > 0) this.exhausted.inc(s.exhausted);
    for (const d of s.delaysSeconds) this.stepDelay.observe(Math.max(0, d));
  }

  pageAcknowledged(secondsSinceStart: number): void {
    this.acknowledged.inc();
    this.timeToAck.observe(Math.max(0, secondsSinceStart));
  }

  // ----------------------------------------------------------------- scraping

  /** The database's part, bounded; one read at a time however many scrapes come. */
  private readDatabase(): Promise<PagerState> {
    const timeoutMs = this.opts.databaseTimeoutMs ?? 2_000;
    this.reading ??= readPagerState(this.opts.db, this.opts.clock.now()).finally(() => (this.reading = null));
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.reading,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Everything, in Prometheus' text format. Never throws for the database's sake. */
  async scrape(): Promise<string> {
    const g = this.gauges;
    let read = false;
    try {
      const state = await this.readDatabase();
      const now = this.opts.clock.now().getTime();
      const age = (at: Date | null) => (at ? Math.max(0, (now - at.getTime()) / 1000) : 0);
      for (const l of state.outbox) {
        g.pending.set({ lane: l.lane }, l.pending);
        g.due.set({ lane: l.lane }, l.due);
        g.failed.set({ lane: l.lane }, l.failed);
        g.oldestAge.set({ lane: l.lane }, age(l.oldestPendingAt));
      }
      g.dueSteps.set(state.dueSteps);
      g.stepLag.set(age(state.oldestDueStepAt));
      for (const severity of SEVERITIES) g.openIncidents.set({ severity }, state.openIncidents[severity]);
      g.databaseOk.set(1);
      read = true;
    } catch (err) {
      this.scrapeErrors.inc({ source: "database" });
      g.databaseOk.set(0);
      this.opts.log.warn(`metrics: could not read the database's gauges: ${(err as Error).message}`);
    }
    const registries = [this.registry, ...(read ? [this.databaseRegistry] : []), processMetrics()];
    const texts = await Promise.all(registries.map((r) => r.metrics()));
    return `${texts.map((t) => t.trim()).filter(Boolean).join("\n")}\n`;
  }

  /** Answers GET /metrics (401 without the bearer token when METRICS_TOKEN is set). */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = this.opts.token;
    if (token) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
      if (!sameSecret(given, token)) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' }).end("metrics need Authorization: Bearer <METRICS_TOKEN>\n");
        return;
      }
    }
    let body: string;
    try {
      body = await this.scrape();
    } catch (err) {
      this.opts.log.error(`metrics: the scrape failed: ${(err as Error).message}`);
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("the metrics could not be collected\n");
      return;
    }
    res.writeHead(200, { "content-type": this.registry.contentType, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
  }
}

/** Compares in constant time (as hashes, so that lengths do not matter either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
