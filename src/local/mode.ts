// Local mode: the real bot (Bolt over HTTP, the engine, the database) in a workspace that lives
// in this process — the Slack stand-in the end-to-end tests use — shown in a browser page.
//
//   browser ──JSON──▶ local server ──signed HTTP, as Slack sends it──▶ Bolt app (the bot)
//      ▲                  │                                                │ Web API calls
//      └── SSE ◀── change events ◀── SlackStandIn (users, channels, ◀─────┘
//                                     messages, pins, DMs, modals)
//
// Nothing in the bot's own code path is replaced: it only gets another Web API base URL.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { systemClock, type Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { applyRota, formatPlan, planRota } from "../oncall/apply.ts";
import { parseRotaFile } from "../oncall/rota-file.ts";
import { createDirectoryExporter } from "../postmortem/export/directory.ts";
import { loadTemplate } from "../postmortem/template.ts";
import { onCallAt } from "../oncall/schedule.ts";
import { listSchedules, loadIntegration, loadSchedule } from "../oncall/store.ts";
import { storeTokenHash } from "../alerts/store.ts";
import { newToken } from "../alerts/tokens.ts";
import { incidentsWithChannels } from "../incidents/store.ts";
import { createApp, type IncidentBot, type Postmortems } from "../app.ts";
import { SlackStandIn } from "../standin/index.ts";
import { PostmortemFolder } from "./postmortems.ts";
import { SAMPLE_CHANNELS, SAMPLE_INTEGRATION, SAMPLE_ROTA_PATH, SAMPLE_USERS } from "./sample.ts";
import { startLocalServer, type LocalServer } from "./server.ts";
import type { OnCallNow } from "./snapshot.ts";

export interface LocalModeOptions {
  config: Config;
  db: Db;
  log: Logger;
  /** The bot's and the workspace's clock (tests start it at a chosen instant); default: real time. */
  clock?: Clock;
  /** The page's port (config.PORT; 0 picks a free one). */
  port: number;
  /** Where the page listens: loopback, since anyone who can reach it can act as any sample user. */
  host?: string;
  /**
   * The postmortem exporter and template (serve passes what the configuration asks for); default:
   * the directory exporter writing to localPostmortemDir and the shipped template.
   */
  postmortems?: Postmortems;
}

/** Where local mode's drafts go: POSTMORTEM_DIR, or <DATA_DIR>/postmortems. */
export function localPostmortemDir(config: Config): string {
  return path.resolve(config.POSTMORTEM_DIR ?? path.join(config.DATA_DIR, "postmortems"));
}

export interface LocalMode {
  /** The page, e.g. http://127.0.0.1:3000/ */
  url: string;
  port: number;
  standIn: SlackStandIn;
  bot: IncidentBot;
  postmortemDir: string;
  stop(): Promise<void>;
}

export async function startLocalMode(opts: LocalModeOptions): Promise<LocalMode> {
  const { config, db, log } = opts;
  const clock = opts.clock ?? systemClock;

  // The postmortem export writes to POSTMORTEM_DIR (a directory by default), beside the other
  // local data; the page shows what it produced.
  const postmortemDir = localPostmortemDir(config);
  const postmortem = opts.postmortems ?? { exporter: createDirectoryExporter({ dir: postmortemDir }), template: await loadTemplate(null) };
  if (postmortem.exporter.name !== "directory") log.info(`local mode: postmortems go to the ${postmortem.exporter.name} exporter; the page lists ${postmortemDir} only`);
  const postmortems = new PostmortemFolder(postmortemDir);
  await postmortems.start();

  // Fresh secrets each run: only this process can sign requests to the bot or call the stand-in.
  const botToken = `xoxb-local-${randomBytes(12).toString("hex")}`;
  const signingSecret = randomBytes(32).toString("hex");
  const standIn = new SlackStandIn({ token: botToken, teamName: "Local Workspace", users: SAMPLE_USERS, clock: () => clock.now() });
  const apiUrl = await standIn.start(0, "127.0.0.1");
  const everyone = [standIn.botUserId, ...SAMPLE_USERS.map((u) => u.id)];
  standIn.addChannel(SAMPLE_CHANNELS.general.name, { id: SAMPLE_CHANNELS.general.id, members: everyone });
  standIn.addChannel(SAMPLE_CHANNELS.incidents.name, { id: SAMPLE_CHANNELS.incidents.id, members: everyone });
  await restoreIncidentChannels(db, standIn, log);
  const sample = await applySampleRota(db, clock, log);

  // The same bot as in production, told to use the workspace's token, secret and Web API.
  const localConfig: Config = {
    ...config,
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_APP_TOKEN: undefined,
    SLACK_API_URL: apiUrl,
    INCIDENT_ANNOUNCE_CHANNEL: SAMPLE_CHANNELS.incidents.id,
  };
  const bot = createApp(localConfig, { db, clock, log, postmortems: postmortem });
  // On loopback: in local mode the bot's receiver is not reachable from other machines.
  const botPort = await bot.start(0, "127.0.0.1");

  const oncall = async (): Promise<OnCallNow[]> => {
    const now = clock.now();
    const out: OnCallNow[] = [];
    for (const s of await listSchedules(db)) {
      const schedule = await loadSchedule(db, s.name, { from: now, to: new Date(now.getTime() + 1) });
      if (schedule) out.push({ schedule: s.name, users: onCallAt(schedule, now) });
    }
    return out;
  };

  // The sample integration's token: made afresh each run, in the sample's own database only.
  let testAlert: ReturnType<typeof testAlertSender> | undefined;
  if (sample && (await loadIntegration(db, SAMPLE_INTEGRATION))) {
    const { token, hash } = newToken();
    await storeTokenHash(db, SAMPLE_INTEGRATION, hash, clock.now());
    testAlert = testAlertSender(`http://127.0.0.1:${botPort}`, token, clock);
  }

  let page: LocalServer;
  try {
    page = await startLocalServer(
      { standIn, bot: { url: `http://127.0.0.1:${botPort}/slack/events`, signingSecret }, clock, log, postmortems, oncall, health: bot.serveHealth, testAlert },
      opts.port,
      opts.host ?? "127.0.0.1",
    );
  } catch (err) {
    await bot.stop();
    await standIn.stop();
    postmortems.stop();
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new Error(`port ${opts.port} is in use: set PORT to a free port for the local workspace`);
    throw err;
  }
  return {
    url: page.url,
    port: page.port,
    standIn,
    bot,
    postmortemDir,
    async stop() {
      await page.stop(); // no new clicks first, then let the bot finish what it is doing
      await bot.stop();
      postmortems.stop();
      await standIn.stop();
    },
  };
}

/**
 * The workspace lives in memory but the database does not: channels of incidents from earlier
 * runs are made again (empty, with their people), so those incidents still have a channel, and
 * the stand-in never hands out one of their ids to a new channel.
 */
async function restoreIncidentChannels(db: Db, standIn: SlackStandIn, log: Logger): Promise<void> {
  const rows = await incidentsWithChannels(db);
  let restored = 0;
  for (const i of rows) {
    if (!i.channelId || standIn.channel(i.channelId)) continue;
    const people = [i.declaredById, i.commanderId, i.commsLeadId, i.scribeId].filter((u): u is string => Boolean(u));
    standIn.addChannel(i.channelName, { id: i.channelId, members: [standIn.botUserId, ...people] });
    restored++;
  }
  if (restored > 0) log.info(`local mode: made the channels of ${restored} earlier incident(s) again (messages are not kept between runs)`);
}

/**
 * Loads examples/rota.yaml so that paging and escalation work with the sample users: only into a
 * database without schedules (or one where it is already applied); any other is left alone.
 */
async function applySampleRota(db: Db, clock: Clock, log: Logger): Promise<boolean> {
  const parsed = parseRotaFile(await readFile(SAMPLE_ROTA_PATH, "utf8"));
  if (!parsed.ok) throw new Error(`${SAMPLE_ROTA_PATH} is not a valid rota file:\n${parsed.errors.join("\n")}`);
  const plan = await planRota(db, parsed.rota);
  const relative = path.relative(process.cwd(), SAMPLE_ROTA_PATH);
  const where = relative && !relative.startsWith("..") ? relative : SAMPLE_ROTA_PATH;
  if (!plan.hasChanges) {
    log.info(`local mode: the sample rota ${where} is applied`);
    return true;
  }
  // A database that already has schedules is somebody's: the sample rota never changes it.
  const existing = await listSchedules(db);
  if (existing.length > 0) {
    log.warn(`local mode: not applying the sample rota ${where}: the database already has schedules (${existing.map((s) => s.name).join(", ")})`);
    return false;
  }
  const applied = await applyRota(db, parsed.rota, { now: clock.now() });
  log.info(`local mode: applied the sample rota ${where}: ${formatPlan(applied, { applied: true }).split("\n").at(-1)}`);
  return true;
}

/**
 * "Send test alert": an Alertmanager webhook body, as Alertmanager sends it, POSTed to the bot's
 * sample integration with its token (made afresh each run, only for the sample's own database).
 */
function testAlertSender(botOrigin: string, token: string, clock: Clock) {
  let sent = 0;
  return async (opts: { severity?: string; resolve?: boolean } = {}) => {
    const severity = opts.severity === "critical" ? "critical" : "warning";
    const startsAt = clock.now().toISOString();
    const status = opts.resolve ? "resolved" : "firing";
    const alert = (instance: string) => ({
      status,
      labels: { alertname: "CheckoutHighLatency", service: "checkout", severity, instance, job: "checkout-api" },
      annotations: { summary: "Checkout p99 latency above 2 s for 5 minutes", description: `checkout-api on ${instance} answers its slowest 1% of requests in more than 2 s.`, runbook_url: "https://runbooks.example.com/checkout/latency" },
      startsAt,
      endsAt: opts.resolve ? startsAt : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.example.com:9090/graph?g0.expr=histogram_quantile%280.99%2C+checkout_request_seconds%29+%3E+2",
      fingerprint: `local-${severity}-${instance}`,
    });
    if (!opts.resolve) sent++;
    const body = {
      receiver: "incident-bot",
      status,
      alerts: [alert("checkout-1:8080"), alert("checkout-2:8080")],
      groupLabels: { alertname: "CheckoutHighLatency" },
      commonLabels: { alertname: "CheckoutHighLatency", service: "checkout", severity },
      commonAnnotations: { summary: "Checkout p99 latency above 2 s for 5 minutes" },
      externalURL: "http://alertmanager.example.com:9093",
      version: "4",
      groupKey: `{}:{alertname="CheckoutHighLatency", severity="${severity}"}`,
      truncatedAlerts: 0,
    };
    const res = await fetch(`${botOrigin}/integrations/${SAMPLE_INTEGRATION}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { ok: res.ok, status: res.status, sent, ...answer };
  };
}
