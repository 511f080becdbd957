// The Bolt app and everything it needs, wired once. HTTP mode serves POST /slack/events,
// GET /healthz (liveness) and GET /readyz (readiness); with SLACK_APP_TOKEN it uses Socket Mode.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { App, LogLevel } from "@slack/bolt";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { DatabaseClock } from "../db/clock.ts";
import { AuthCircuit } from "../engine/circuit.ts";
import { Engine } from "../engine/engine.ts";
import { readinessChecker, type Readiness } from "../engine/health.ts";
import { escalationModule } from "../engine/modules/escalation.ts";
import { housekeepingModule } from "../engine/modules/housekeeping.ts";
import { shiftNoticesModule } from "../engine/modules/shift-notices.ts";
import { DEFAULT_LEASE_SECONDS, Outbox } from "../engine/outbox.ts";
import type { PostmortemExporter } from "../postmortem/export/exporter.ts";
import { postmortemHandlers } from "../postmortem/service.ts";
import type { WebClient } from "@slack/web-api";
import { IncidentService } from "../incidents/service.ts";
import { EscalationService } from "../escalation/service.ts";
import type { Logger } from "../log.ts";
import { reportSlackFailure, slackHandlers } from "./delivery.ts";
import { registerActions } from "./listeners/actions.ts";
import { registerCommands } from "./listeners/commands.ts";
import { registerEvents } from "./listeners/events.ts";
import { registerViews } from "./listeners/views.ts";
import { classifySlackError, createWebClient, SLACK_CALL_TIMEOUT_MS, slackAuthError, SlackIdentity } from "./web-client.ts";

export interface BotOptions {
  db: Db;
  /** The database's clock in production (db/clock.ts); a clock the test moves in tests. */
  clock: Clock;
  log: Logger;
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  slackApiUrl: string;
  announceChannel?: string | null;
  /** How often the outbox looks for due messages (retries), in ms. */
  outboxIntervalMs?: number;
  /** How long a delivery's claim holds (the Slack lanes' timeout is half of it). */
  outboxLeaseSeconds?: number;
  /** In Socket Mode, where /healthz and /readyz are served (HTTP mode serves them with /slack/events). */
  healthPort?: number;
  /** Seconds between engine ticks (escalation steps); 0 starts no engine (tests tick by hand). */
  engineTickSeconds?: number;
  /** /readyz fails when a message has waited longer than this for Slack. */
  readyMaxOutboxAgeSeconds?: number;
  /** Where postmortem drafts go, and the template they are written from. */
  postmortem: { exporter: PostmortemExporter; template: string };
}

export interface BotDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  incidents: IncidentService;
  escalation: EscalationService;
  outbox: Outbox;
  engine: Engine;
  /** After a transaction committed: deliver its messages, and look again for the next due step. */
  afterWrite(): void;
}

export interface Bot extends BotDeps {
  app: InstanceType<typeof App>;
  circuit: AuthCircuit;
  readiness(): Promise<Readiness>;
  /** Answers GET /healthz and /readyz (also served by local mode); false for any other path. */
  serveHealth(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Starts serving (HTTP: on `port`, 0 picks one; on every interface unless `host` says) and the outbox. Returns the HTTP port. */
  start(port: number, host?: string): Promise<number | null>;
  /** Stops taking requests, lets those in flight finish, and stops the outbox. */
  stop(): Promise<void>;
  /** Resolves when no listener is running (work after an acknowledgement included). */
  settled(): Promise<void>;
}

/** Bolt's own messages go through our logger (its warnings about bad signatures included). */
function boltLogger(log: Logger) {
  let level = LogLevel.WARN;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => log.warn(`slack: ${msg.join(" ")}`),
    error: (...msg: unknown[]) => log.error(`slack: ${msg.join(" ")}`),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Display names of Slack users (for the postmortem), best effort and bounded. */
async function userNames(slack: WebClient, ids: string[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const id of ids.filter((i) => /^[UW][A-Z0-9]+$/.test(i)).slice(0, 30)) {
    try {
      const res = await slack.users.info({ user: id });
      const u = res.user as { real_name?: string; name?: string; profile?: { display_name?: string; real_name?: string } } | undefined;
      const name = u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name;
      if (name) names[id] = name;
    } catch {
      // names are a nicety: ids are shown instead
    }
  }
  return names;
}

export function createBot(opts: BotOptions): Bot {
  const { db, clock, log } = opts;
  const leaseSeconds = opts.outboxLeaseSeconds ?? DEFAULT_LEASE_SECONDS;
  // One Slack call is bounded well inside a delivery's timeout (half the lease).
  const slack = createWebClient(opts.botToken, opts.slackApiUrl, { timeoutMs: Math.min(SLACK_CALL_TIMEOUT_MS, (leaseSeconds * 1000) / 4) });
  const identity = new SlackIdentity(slack);
  const escalation = new EscalationService({ db, clock, log });
  const incidents = new IncidentService({ db, clock, announceChannel: opts.announceChannel ?? null, pager: escalation });
  let outbox: Outbox;
  const circuit = new AuthCircuit({ probe: async () => void (await identity.check()), authErrorOf: slackAuthError, clock, log, onClose: () => outbox.kick() });
  outbox = new Outbox({
    db,
    clock,
    log,
    handlers: {
      ...slackHandlers(slack, identity, log),
      ...postmortemHandlers({ ...opts.postmortem, log, userNames: (ids) => userNames(slack, ids) }),
    },
    classify: classifySlackError,
    onPermanentFailure: reportSlackFailure,
    circuit,
    leaseSeconds,
  });
  const tickSeconds = opts.engineTickSeconds ?? 5;
  const engine = new Engine({
    clock,
    log,
    modules: [escalationModule({ db, log }), shiftNoticesModule(db, log), housekeepingModule(db)],
    tickSeconds: Math.max(1, tickSeconds),
    onWork: () => outbox.kick(),
    beforeTick: clock instanceof DatabaseClock ? () => clock.sync() : undefined,
  });
  const afterWrite = () => {
    outbox.kick();
    engine.rearm();
  };
  const readiness = readinessChecker({
    db,
    clock,
    circuit,
    engine,
    maxOutboxAgeSeconds: opts.readyMaxOutboxAgeSeconds ?? 120,
    maxTickAgeSeconds: Math.max(30, 3 * tickSeconds),
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
    return false;
  };

  // Who the bot is (auth.test) is asked once and remembered. When Slack cannot say (unreachable,
  // or refusing the token), requests are still handled: what they write waits in the outbox.
  const authorize = async () => {
    const me = await identity.get().catch(() => null);
    return { botToken: opts.botToken, ...(me ?? {}) };
  };

  const socketMode = Boolean(opts.appToken);
  const app = new App({
    authorize,
    signingSecret: opts.signingSecret,
    appToken: opts.appToken,
    socketMode,
    logger: boltLogger(log),
    clientOptions: { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 1000 } },
    // HTTP mode serves these beside /slack/events; Socket Mode on a port of their own.
    customRoutes: ["/healthz", "/readyz"].map((path) => ({
      path,
      method: ["GET"],
      handler: (req: IncomingMessage, res: ServerResponse) => void serveHealth(req, res),
    })),
    ...(socketMode ? { installerOptions: { port: opts.healthPort ?? 3000 } } : {}),
  });
  app.error(async (err) => {
    log.error(`bolt: ${err.message}`);
  });
  // Listener work that goes on after the acknowledgement is tracked, so that a shutdown (and a
  // test) can wait for it to finish.
  const inFlight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const work = next();
    inFlight.add(work);
    try {
      await work;
    } finally {
      inFlight.delete(work);
    }
  });
  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  const deps: BotDeps = { db, clock, log, incidents, escalation, outbox, engine, afterWrite };
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerEvents(app, deps);

  return {
    ...deps,
    app,
    circuit,
    readiness,
    serveHealth,
    async start(port: number, host?: string) {
      if (clock instanceof DatabaseClock) await clock.sync().catch((err) => log.warn(`could not read the database's clock: ${(err as Error).message}`));
      // Bolt hands its argument to http.Server#listen, which also takes { port, host }.
      const started = await app.start(host ? ({ port, host } as unknown as number) : port);
      circuit.start();
      outbox.start(opts.outboxIntervalMs ?? 1000);
      if (tickSeconds !== 0) engine.start();
      if (socketMode) return null;
      const server = started as Server;
      const address = server.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async stop() {
      await app.stop();
      await settled();
      circuit.stop();
      await engine.stop();
      await outbox.stop();
    },
    settled,
  };
}
