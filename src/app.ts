// The composition root: from the configuration (and a database, a clock and a logger) to the
// running bot: the services, the outbox with its handlers, the engine with its modules, the Slack
// auth circuit, readiness, metrics, and the Slack adapter. The only place that knows how the parts fit.
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { integrationEndpoint } from "./alerts/http.ts";
import { AlertService } from "./alerts/service.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { ConfigError } from "./config.ts";
import type { Db } from "./db/client.ts";
import { DatabaseClock } from "./db/clock.ts";
import { enqueueNow, LANES } from "./db/outbox.ts";
import { onCommit, type Wake } from "./db/tx.ts";
import { AuthCircuit } from "./engine/circuit.ts";
import { Engine } from "./engine/engine.ts";
import { readinessChecker, type Readiness } from "./engine/health.ts";
import { escalationModule } from "./engine/modules/escalation.ts";
import { heartbeatsModule } from "./engine/modules/heartbeats.ts";
import { housekeepingModule } from "./engine/modules/housekeeping.ts";
import { remindersModule } from "./engine/modules/reminders.ts";
import { shiftNoticesModule } from "./engine/modules/shift-notices.ts";
import { userGroupsModule } from "./engine/modules/user-groups.ts";
import { sloModule } from "./engine/modules/slo.ts";
import { Outbox } from "./engine/outbox.ts";
import { EscalationService } from "./escalation/service.ts";
import { IncidentService } from "./incidents/service.ts";
import type { Logger } from "./log.ts";
import { Metrics, METRICS_PATH } from "./metrics/index.ts";
import { calendarAt } from "./oncall/feeds.ts";
import { OnCallService } from "./oncall/service.ts";
import { userGroupsInAccess } from "./oncall/store.ts";
import { unknownPlaceholders } from "./postmortem/draft/index.ts";
import { exporterFromConfig } from "./postmortem/export/config.ts";
import { createDirectoryExporter } from "./postmortem/export/directory.ts";
import { ExportConfigError, type PostmortemExporter } from "./postmortem/export/exporter.ts";
import { postmortemHandlers, PostmortemService } from "./postmortem/service.ts";
import { loadTemplate, TemplateError } from "./postmortem/template.ts";
import { sendDueReminders } from "./reminders/nudges.ts";
import { ReminderService } from "./reminders/service.ts";
import { earliestReminderAt } from "./reminders/store.ts";
import { ReportService } from "./report/service.ts";
import { SloService } from "./slo/service.ts";
import { createSlackApp, type SlackApp } from "./slack/app.ts";
import { reportSlackFailure, slackHandlers } from "./slack/delivery.ts";
import type { ListenerContext } from "./slack/listeners/context.ts";
import { SlackActors } from "./slack/actors.ts";
import { SlackUsers } from "./slack/users.ts";
import { classifySlackError, createWebClient, SLACK_CALL_TIMEOUT_MS, slackAuthError, SlackIdentity } from "./slack/web-client.ts";

export interface Postmortems {
  exporter: PostmortemExporter;
  /** Where private incidents' drafts go; null: they are not exported. */
  privateExporter?: PostmortemExporter | null;
  template: string;
}

/**
 * The postmortem exporter (from the POSTMORTEM_* / CONFLUENCE_* variables; a folder by default)
 * and the template (POSTMORTEM_TEMPLATE, or the one shipped in templates/). Problems are reported
 * by variable name.
 */
export async function postmortemsFromConfig(config: Config, log: Logger, opts: { defaultDir?: string } = {}): Promise<Postmortems> {
  let exporter: PostmortemExporter;
  try {
    exporter = exporterFromConfig(config, { cacheDir: path.resolve(config.DATA_DIR, "wiki"), ...opts });
  } catch (err) {
    if (err instanceof ExportConfigError) throw new ConfigError(err.problems);
    throw err;
  }
  let template: string;
  try {
    template = await loadTemplate(config.POSTMORTEM_TEMPLATE ?? null);
  } catch (err) {
    if (err instanceof TemplateError) throw new ConfigError([`POSTMORTEM_TEMPLATE: ${err.message}`]);
    throw err;
  }
  const unknown = unknownPlaceholders(template);
  if (unknown.length) log.warn(`postmortem template: placeholders I do not know are left as they are: ${unknown.join(", ")}`);
  log.info(`postmortem drafts are exported with the ${exporter.name} exporter`);
  const privateExporter = config.POSTMORTEM_PRIVATE_DIR ? createDirectoryExporter({ dir: path.resolve(config.POSTMORTEM_PRIVATE_DIR) }) : null;
  log.info(privateExporter ? `private incidents' drafts are written to ${path.resolve(config.POSTMORTEM_PRIVATE_DIR!)}` : "private incidents' drafts are not exported (POSTMORTEM_PRIVATE_DIR is unset)");
  return { exporter, privateExporter, template };
}

export interface AppDeps {
  db: Db;
  /** The database's clock in production (db/clock.ts); a clock the test moves in tests. */
  clock: Clock;
  log: Logger;
  postmortems: Postmortems;
  /** Start the engine's ticks with the app (tests tick by hand). Default: true. */
  engine?: boolean;
  /** How often the outbox looks for due messages (retries), in ms. Default: every second. */
  outboxIntervalMs?: number;
}

export interface IncidentBot extends ListenerContext {
  db: Db;
  outbox: Outbox;
  engine: Engine;
  circuit: AuthCircuit;
  slack: SlackApp;
  readiness(): Promise<Readiness>;
  /** This app's metrics (GET /metrics). */
  metrics: Metrics;
  /** Answers GET /healthz, /readyz, /metrics and calendar feeds (/ical/<token>.ics; local mode serves them too); false for any other request. */
  serveHealth(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Starts serving Slack (HTTP on `port`, 0 picks one), the outbox and the engine. Returns the HTTP port (null in Socket Mode). */
  start(port: number, host?: string): Promise<number | null>;
  /** Stops taking requests, lets those in flight finish, then stops the engine and the outbox. */
  stop(): Promise<void>;
  /** Resolves when no listener is running (work after an acknowledgement included). */
  settled(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps): IncidentBot {
  const { db, clock, log } = deps;
  if (!config.SLACK_BOT_TOKEN) throw new ConfigError(["SLACK_BOT_TOKEN: required to serve Slack"]);
  const leaseSeconds = config.OUTBOX_LEASE_SECONDS;
  const metrics = new Metrics({ db, clock, log, token: config.METRICS_TOKEN ?? null });
  // One Slack call is bounded well inside a delivery's timeout (half the lease).
  const slackClient = createWebClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL, { timeoutMs: Math.min(SLACK_CALL_TIMEOUT_MS, (leaseSeconds * 1000) / 4), metrics });
  const identity = new SlackIdentity(slackClient);
  const users = new SlackUsers(slackClient);

  const escalation = new EscalationService({ db, clock, log, pageRateLimit: config.PAGE_RATE_LIMIT, metrics });
  const reminders = new ReminderService({ db, clock, cadence: config.UPDATE_REMINDERS });
  const incidents = new IncidentService({
    db,
    clock,
    announceChannel: config.INCIDENT_ANNOUNCE_CHANNEL ?? null,
    announcePrivate: config.INCIDENT_ANNOUNCE_PRIVATE,
    pager: escalation,
    reminders,
  });
  const oncall = new OnCallService({ db, clock });
  const alerts = new AlertService({ db, clock, log, escalation, incidents, metrics });
  const postmortems = new PostmortemService({ db, clock });

  const circuit: AuthCircuit = new AuthCircuit({ probe: async () => void (await identity.check()), authErrorOf: slackAuthError, clock, log, onClose: () => outbox.kick() });
  const outbox: Outbox = new Outbox({
    db,
    clock,
    log,
    handlers: {
      ...slackHandlers(slackClient, identity),
      ...postmortemHandlers({ ...deps.postmortems, userNames: (ids) => users.displayNames(ids) }),
    },
    classify: classifySlackError,
    onPermanentFailure: reportSlackFailure,
    circuit,
    leaseSeconds,
    metrics,
  });
  const engine = new Engine({
    clock,
    log,
    modules: [
      escalationModule({ db, log, metrics }),
      heartbeatsModule(alerts, log),
      shiftNoticesModule(db, log),
      userGroupsModule(db, log),
      remindersModule({ log, sendDue: (now) => sendDueReminders(db, now, config.UPDATE_REMINDERS), nextDueAt: () => earliestReminderAt(db) }),
      ...(config.INCIDENT_ANNOUNCE_CHANNEL ? [sloModule(db, log, config.INCIDENT_ANNOUNCE_CHANNEL)] : []),
      housekeepingModule(db),
    ],
    tickSeconds: config.ENGINE_TICK_SECONDS,
    onWork: () => outbox.kick(),
    beforeTick: clock instanceof DatabaseClock ? () => clock.sync() : undefined,
    metrics,
  });
  metrics.watch({ circuitOpen: () => circuit.isOpen(), lastCompletedTickAt: () => engine.lastCompletedTickAt(), outbox: () => outbox.stats() });
  // What a commit wrote goes out at once, and a new page's first step is taken at once.
  const whenCommitted = (woken: ReadonlySet<Wake>) => {
    outbox.kick(LANES.filter((lane) => woken.has(lane)));
    if (woken.has("engine")) engine.rearm();
    if (woken.has("access")) {
      // a rota was applied: who may do what, and the integrations, are read again
      actors.forgetAccess();
      integrations.forget();
    }
  };
  let stopListening = () => {};
  const readiness = readinessChecker({
    db,
    clock,
    circuit,
    engine,
    maxOutboxAgeSeconds: config.READY_MAX_OUTBOX_AGE_SECONDS,
    maxTickAgeSeconds: Math.max(30, 3 * config.ENGINE_TICK_SECONDS),
  });
  const serveHealth = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return true;
    }
    if (path === "/readyz") {
      const r = await readiness();
      res.writeHead(r.ready ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify({ status: r.ready ? "ready" : "not ready", ...r }, null, 2)}\n`);
      return true;
    }
    if (path === METRICS_PATH) {
      await metrics.serve(req, res);
      return true;
    }
    if (path.startsWith("/ical/")) {
      // A calendar feed: the token in its address is the only credential (see oncall/feeds.ts).
      const calendar = await calendarAt(db, path, clock.now());
      if (calendar === null) res.writeHead(404, { "content-type": "text/plain" }).end("no such calendar\n");
      else res.writeHead(200, { "content-type": "text/calendar; charset=utf-8", "cache-control": "private, max-age=300" }).end(req.method === "HEAD" ? undefined : calendar);
      return true;
    }
    return false;
  };

  const integrations = integrationEndpoint({ db, clock, alerts, log, metrics });
  const actors = new SlackActors({ slack: slackClient, identity, groupsInAccess: () => userGroupsInAccess(db), clock, log });
  const services: ListenerContext = {
    incidents,
    escalation,
    oncall,
    postmortems,
    reminders,
    slo: new SloService({ db, clock }),
    reports: new ReportService({ db, clock }),
    alerts,
    users,
    actors,
    clock,
    log,
    say: (entries) => enqueueNow(db, entries, clock.now()),
  };
  const slack = createSlackApp(services, {
    botToken: config.SLACK_BOT_TOKEN,
    signingSecret: config.SLACK_SIGNING_SECRET,
    appToken: config.SLACK_APP_TOKEN,
    slackApiUrl: config.SLACK_API_URL,
    identity,
    health: serveHealth,
    integrations,
    healthPort: config.PORT,
    log,
    metrics,
  });

  return {
    ...services,
    db,
    outbox,
    engine,
    circuit,
    slack,
    readiness,
    metrics,
    serveHealth,
    async start(port, host) {
      if (clock instanceof DatabaseClock) await clock.sync().catch((err) => log.warn(`could not read the database's clock: ${(err as Error).message}`));
      stopListening = onCommit(db, whenCommitted);
      const listening = await slack.start(port, host);
      circuit.start();
      outbox.start(deps.outboxIntervalMs ?? 1000);
      if (deps.engine !== false) engine.start();
      return listening;
    },
    async stop() {
      stopListening();
      await slack.stop();
      circuit.stop();
      await engine.stop();
      await outbox.stop();
    },
    settled: () => slack.settled(),
  };
}
