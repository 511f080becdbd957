// The Bolt app and everything it needs, wired once. HTTP mode serves POST /slack/events and
// GET /healthz; with SLACK_APP_TOKEN it uses Socket Mode instead.
import type { Server } from "node:http";
import { App, LogLevel } from "@slack/bolt";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { Outbox } from "../engine/outbox.ts";
import { Engine } from "../engine/scheduler.ts";
import type { PostmortemExporter } from "../postmortem/exporters.ts";
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
import { classifySlackError, createWebClient } from "./web-client.ts";


export interface BotOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  slackApiUrl: string;
  announceChannel?: string | null;
  /** How often the outbox looks for due messages (retries), in ms. */
  outboxIntervalMs?: number;
  /** Seconds between engine ticks (escalation steps); 0 starts no engine (tests tick by hand). */
  engineTickSeconds?: number;
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
}

export interface Bot extends BotDeps {
  app: InstanceType<typeof App>;
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
  const slack = createWebClient(opts.botToken, opts.slackApiUrl);
  const escalation = new EscalationService({ db, clock, log });
  const incidents = new IncidentService({ db, clock, announceChannel: opts.announceChannel ?? null, pager: escalation });
  const outbox = new Outbox({
    db,
    clock,
    log,
    handlers: {
      ...slackHandlers(slack, log),
      ...postmortemHandlers({ ...opts.postmortem, log, userNames: (ids) => userNames(slack, ids) }),
    },
    classify: classifySlackError,
    onPermanentFailure: reportSlackFailure,
  });

  // Who the bot is (auth.test) is asked on the first request and remembered; if Slack cannot be
  // reached it is asked again next time, instead of failing the whole process at start-up.
  let identity: Promise<{ botUserId?: string; botId?: string }> | null = null;
  const authorize = async () => {
    identity ??= slack.auth.test().then(
      (r) => ({ botUserId: r.user_id, botId: r.bot_id }),
      (err) => {
        identity = null;
        throw err;
      },
    );
    return { botToken: opts.botToken, ...(await identity) };
  };

  const socketMode = Boolean(opts.appToken);
  const app = new App({
    authorize,
    signingSecret: opts.signingSecret,
    appToken: opts.appToken,
    socketMode,
    logger: boltLogger(log),
    clientOptions: { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 1000 } },
    ...(socketMode
      ? {}
      : {
          customRoutes: [
            {
              path: "/healthz",
              method: ["GET"],
              handler: async (_req, res) => {
                try {
                  await db.$queryRaw`SELECT 1`;
                  res.writeHead(200, { "content-type": "text/plain" });
                  res.end("ok\n");
                } catch {
                  res.writeHead(503, { "content-type": "text/plain" });
                  res.end("database unavailable\n");
                }
              },
            },
          ],
        }),
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

  const engine = new Engine({ db, clock, escalation, outbox, log, tickSeconds: opts.engineTickSeconds ?? 5 });
  const deps: BotDeps = { db, clock, log, incidents, escalation, outbox, engine };
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerEvents(app, deps);

  return {
    ...deps,
    app,
    async start(port: number, host?: string) {
      // Bolt hands its argument to http.Server#listen, which also takes { port, host }.
      const started = await app.start(host ? ({ port, host } as unknown as number) : port);
      outbox.start(opts.outboxIntervalMs ?? 1000);
      if (opts.engineTickSeconds !== 0) engine.start();
      if (socketMode) return null;
      const server = started as Server;
      const address = server.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async stop() {
      await app.stop();
      await settled();
      await engine.stop();
      await outbox.stop();
    },
    settled,
  };
}
