// The Slack adapter: the Bolt app with every listener registered, in HTTP mode (POST
// /slack/events, GET /healthz, /readyz, /metrics and /ical/<token>.ics, POST /integrations/<name>) or Socket
// Mode (all but Slack's on a port of their own).
// It knows the services it calls, not how they were built (that is src/app.ts).
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { App, LogLevel } from "@slack/bolt";
import { INTEGRATIONS_ROUTE } from "../alerts/http.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { ListenerContext } from "./listeners/context.ts";
import { registerListeners } from "./listeners/index.ts";
import { logHandled, startRequestLog } from "./request-log.ts";
import { outcomeOf, requestLabels } from "./request-metrics.ts";
import type { SlackIdentity } from "./web-client.ts";

export interface SlackSettings {
  botToken: string;
  signingSecret?: string;
  /** When set, Socket Mode instead of HTTP. */
  appToken?: string;
  slackApiUrl: string;
  identity: SlackIdentity;
  /** Answers GET /healthz, /readyz, /metrics and calendar feeds (/ical/<token>.ics); false for any other request. */
  health: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** POST /integrations/<name>: alerts in (served beside Slack's requests, or on the health port in Socket Mode). */
  integrations?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** In Socket Mode, where /healthz, /readyz and /metrics are served. */
  healthPort?: number;
  log: Logger;
  /** Counts and times every request by kind, name and outcome. */
  metrics?: Metrics;
}

export interface SlackApp {
  app: InstanceType<typeof App>;
  /** Starts serving (HTTP: on `port`, 0 picks one; on every interface unless `host` says). Returns the HTTP port (null in Socket Mode). */
  start(port: number, host?: string): Promise<number | null>;
  /** Stops taking requests and lets those in flight finish. */
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

export function createSlackApp(services: ListenerContext, settings: SlackSettings): SlackApp {
  const { log } = settings;
  // Who the bot is (auth.test) is asked once and remembered. When Slack cannot say (unreachable,
  // or refusing the token), requests are still handled: what they write waits in the outbox.
  const authorize = async () => {
    const me = await settings.identity.get().catch(() => null);
    return { botToken: settings.botToken, ...(me ?? {}) };
  };
  const socketMode = Boolean(settings.appToken);
  const app = new App({
    authorize,
    signingSecret: settings.signingSecret,
    appToken: settings.appToken,
    socketMode,
    logger: boltLogger(log),
    clientOptions: { slackApiUrl: settings.slackApiUrl, retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 1000 } },
    // HTTP mode serves these beside /slack/events; Socket Mode on a port of their own.
    customRoutes: [
      ...["/healthz", "/readyz", "/metrics", "/ical/:file"].map((path) => ({
        path,
        method: ["GET"],
        handler: (req: IncomingMessage, res: ServerResponse) =>
          void settings.health(req, res).then((served) => {
            if (!served && !res.headersSent) res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
          }),
      })),
      ...(settings.integrations ? [{ path: INTEGRATIONS_ROUTE, method: ["POST"], handler: (req: IncomingMessage, res: ServerResponse) => void settings.integrations!(req, res) }] : []),
    ],
    ...(socketMode ? { installerOptions: { port: settings.healthPort ?? 3000 } } : {}),
  });
  app.error(async (err) => {
    log.error(`bolt: ${err.message}`);
  });
  // Every request gets its own logger (a request id, who asked, what), which its listener is
  // given in the context and adds to (the incident, the outcome); one line says when it is done.
  // Listener work that goes on after the acknowledgement is tracked, so that a shutdown (and a
  // test) can wait for it to finish.
  const inFlight = new Set<Promise<unknown>>();
  // The request is counted and timed then too, by kind, name and the outcome its log was told.
  const { metrics } = settings;
  app.use(async ({ next, body, context }) => {
    const startedAt = performance.now();
    const requestLog = startRequestLog(log, body as Record<string, unknown>, context);
    const work = next();
    inFlight.add(work);
    try {
      await work;
    } catch (err) {
      requestLog.bind({ outcome: "error" });
      throw err;
    } finally {
      logHandled(requestLog, startedAt);
      if (metrics) {
        const said = requestLog.bindings();
        const { kind, name } = requestLabels(body as Record<string, unknown>, said.verb);
        metrics.request(kind, name, outcomeOf(said), (performance.now() - startedAt) / 1000);
      }
      inFlight.delete(work);
    }
  });
  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  registerListeners(app, services);

  return {
    app,
    async start(port, host) {
      // Bolt hands its argument to http.Server#listen, which also takes { port, host }.
      const started = await app.start(host ? ({ port, host } as unknown as number) : port);
      if (socketMode) return null;
      const address = (started as Server).address();
      return typeof address === "object" && address ? address.port : port;
    },
    async stop() {
      await app.stop();
      await settled();
    },
    settled,
  };
}
