// The real bot for end-to-end tests: the Bolt app on a loopback port, requests built and signed as
// Slack builds and signs them (the same builders local mode uses: src/standin/requests.ts), its
// Web API client pointed at the Slack stand-in, a fresh database, and a clock the test moves.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_TEMPLATE } from "../../src/postmortem/draft/index.ts";
import { createDirectoryExporter } from "../../src/postmortem/export/directory.ts";
import type { PostmortemExporter } from "../../src/postmortem/export/exporter.ts";
import { ManualClock, type Clock } from "../../src/clock.ts";
import { memoryLogger } from "../../src/log.ts";
import { createApp, type IncidentBot } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { SlackStandIn, type StandInUser } from "../../src/standin/index.ts";
import { blockActions, blockKey, findElement, signatureHeaders, slashCommand, viewSubmission, type FormValues } from "../../src/standin/requests.ts";
import { freshDatabase, type TestDatabase } from "./db.ts";
import { applyRota } from "../../src/oncall/apply.ts";
import { parseRotaFile } from "../../src/oncall/rota-file.ts";
import type { Db } from "../../src/db/client.ts";

export async function applyRotaText(db: Db, text: string): Promise<void> {
  const parsed = parseRotaFile(text);
  if (!parsed.ok) throw new Error(`test rota is invalid:\n${parsed.errors.join("\n")}`);
  await applyRota(db, parsed.rota);
}

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const TOKEN = "xoxb-test-token";

export const PEOPLE: StandInUser[] = [
  { id: "U0ALICE001", name: "alice", realName: "Alice Ng" },
  { id: "U0BOB00002", name: "bob", realName: "Bob Diaz" },
  { id: "U0CAROL003", name: "carol", realName: "Carol Ito", tz: "Europe/London" },
  { id: "U0DAVE0004", name: "dave", realName: "Dave Okafor" },
  { id: "U0ERIN0005", name: "erin", realName: "Erin Silva" },
];
export const [ALICE, BOB, CAROL, DAVE, ERIN] = PEOPLE.map((p) => p.id);

export function sign(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return signatureHeaders(body, secret, timestamp);
}

export interface Harness {
  t: TestDatabase;
  bot: IncidentBot;
  slack: SlackStandIn;
  clock: ManualClock;
  log: ReturnType<typeof memoryLogger>;
  url: string;
  /** The Slack stand-in's Web API base URL (for a command line run against it). */
  apiUrl: string;
  announce: string;
  /** POSTs a raw body, signed unless told otherwise. */
  post(body: string, opts?: { contentType?: string; headers?: Record<string, string>; unsigned?: boolean; timestamp?: number }): Promise<{ status: number; text: string; json: () => any }>;
  /** A slash command, as Slack sends it; returns the acknowledgement's body (or null). */
  command(text: string, opts?: { user?: string; channel?: string; triggerId?: string; headers?: Record<string, string> }): Promise<any>;
  /**
   * A person clicks a button (or picks an option) of a message the bot posted in `channel`: the
   * message at `messageTs`, else the latest one with that element (and that button value).
   */
  click(opts: { user: string; channel: string; actionId: string; value?: string; selectedValue?: string; messageTs?: string }): Promise<number>;
  /** A person submits an open modal with these values (by block id, then action id). */
  submitView(viewId: string, user: string, values: FormValues): Promise<{ status: number; body: any }>;
  /** One engine tick at the clock's time: due escalation steps, then the outbox. */
  tick(): Promise<void>;
  /** Waits for listeners, then delivers the outbox until nothing is due. */
  deliver(): Promise<void>;
  stop(): Promise<void>;
}

/** The Slack stand-in with the test people, an announce channel and #general. */
export async function startStandIn(clock?: Clock): Promise<{ slack: SlackStandIn; apiUrl: string; announce: string; general: string }> {
  const slack = new SlackStandIn({ token: TOKEN, users: PEOPLE, clock: clock ? () => clock.now() : undefined });
  const apiUrl = await slack.start();
  const announce = slack.addChannel("incidents", { members: [slack.botUserId, ...PEOPLE.map((p) => p.id)] }).id;
  const general = slack.addChannel("general", { members: [slack.botUserId, ...PEOPLE.map((p) => p.id)] }).id;
  return { slack, apiUrl, announce, general };
}

export interface BotRun {
  /** Settings as the environment gives them (OUTBOX_LEASE_SECONDS, ENGINE_TICK_SECONDS…). */
  env?: Record<string, string>;
  /** Start the engine's ticks (default: no, tests tick by hand). */
  engine?: boolean;
  /** How often the outbox looks for due messages (default: an hour, tests deliver by hand). */
  outboxIntervalMs?: number;
  exporter?: PostmortemExporter;
  /** Where private incidents' drafts go (none: they are not exported). */
  privateExporter?: PostmortemExporter;
}

/** A bot on a loopback port against the stand-in, configured as production configures it. */
export async function startBot(o: { db: Db; clock: Clock; apiUrl: string; announce: string | null; log?: ReturnType<typeof memoryLogger> } & BotRun): Promise<{ bot: IncidentBot; url: string; log: ReturnType<typeof memoryLogger> }> {
  const log = o.log ?? memoryLogger();
  const config = parseConfig({
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.apiUrl,
    ...(o.announce ? { INCIDENT_ANNOUNCE_CHANNEL: o.announce } : {}),
    ...o.env,
  });
  const bot = createApp(config, {
    db: o.db,
    clock: o.clock,
    log,
    postmortems: {
      exporter: o.exporter ?? createDirectoryExporter({ dir: mkdtempSync(path.join(os.tmpdir(), "postmortems-")) }),
      privateExporter: o.privateExporter ?? null,
      template: DEFAULT_TEMPLATE,
    },
    engine: o.engine ?? false,
    outboxIntervalMs: o.outboxIntervalMs ?? 3_600_000,
  });
  const port = await bot.start(0);
  return { bot, url: `http://127.0.0.1:${port}/slack/events`, log };
}

let commandSeq = 0;

/** A signed slash command, as Slack sends it, to the bot at `url`. */
export async function postCommand(
  url: string,
  slack: SlackStandIn,
  text: string,
  o: { user?: string; channel: string; triggerId?: string; headers?: Record<string, string> },
): Promise<{ status: number; text: string }> {
  const { body, contentType } = slashCommand(slack, {
    userId: o.user ?? ALICE,
    channelId: o.channel,
    command: "/incident",
    text,
    responseUrl: `https://hooks.slack.com/commands/${slack.teamId}/${++commandSeq}/x`,
    triggerId: o.triggerId,
  });
  const res = await fetch(url, { method: "POST", headers: { "content-type": contentType, ...sign(body), ...(o.headers ?? {}) }, body });
  return { status: res.status, text: await res.text() };
}

export async function startHarness(opts: { announce?: boolean; rota?: string } & BotRun = {}): Promise<Harness> {
  const { announce: _announce, rota: _rota, ...run } = opts;
  const t = await freshDatabase();
  if (opts.rota) await applyRotaText(t.db, opts.rota);
  const clock = new ManualClock("2026-03-01T10:00:00Z");
  const { slack, apiUrl, announce, general: generalId } = await startStandIn(clock);
  const general = { id: generalId };
  const { bot, url, log } = await startBot({
    db: t.db,
    clock,
    apiUrl,
    ...run,
    announce: opts.announce === false ? null : announce,
  });
  const post: Harness["post"] = async (body, o = {}) => {
    const headers: Record<string, string> = {
      "content-type": o.contentType ?? "application/x-www-form-urlencoded",
      ...(o.unsigned ? {} : sign(body, SIGNING_SECRET, o.timestamp)),
      ...(o.headers ?? {}),
    };
    const res = await fetch(url, { method: "POST", headers, body });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  };

  const harness: Harness = {
    t,
    bot,
    slack,
    clock,
    log,
    url,
    apiUrl,
    announce,
    post,
    async command(text, o = {}) {
      const res = await postCommand(url, slack, text, { channel: general.id, ...o });
      await bot.settled();
      if (res.status !== 200) throw new Error(`command answered HTTP ${res.status}: ${res.text}`);
      return res.text ? JSON.parse(res.text) : null;
    },
    async click({ user, channel, actionId, value, selectedValue, messageTs }) {
      const message = slack
        .messages(channel)
        .filter((m) => (messageTs ? m.ts === messageTs : true))
        .reverse()
        .find((m) => JSON.stringify(m.blocks ?? []).includes(`"action_id":"${actionId}"`) && (value === undefined || JSON.stringify(m.blocks).includes(`"value":${JSON.stringify(value)}`)));
      if (!message) throw new Error(`no message in ${channel} has a ${actionId} element${value ? ` with value ${value}` : ""}`);
      const blockId = (message.blocks as Record<string, unknown>[])
        .map((b, i) => blockKey(b, i))
        .find((id) => {
          const found = findElement(message.blocks, id, actionId);
          return found && (value === undefined || found.element.value === value);
        })!;
      const request = blockActions(slack, { userId: user, channelId: channel, message, blockId, actionId, selectedValue, responseUrl: "https://hooks.slack.com/actions/x" });
      if ("error" in request) throw new Error(request.error);
      const res = await post(request.body, { contentType: request.contentType });
      await bot.settled();
      return res.status;
    },
    async submitView(viewId, user, values) {
      const open = slack.openViews().find((v) => v.id === viewId);
      if (!open) throw new Error(`no open view ${viewId}`);
      const request = viewSubmission(slack, user, open, values);
      const res = await post(request.body, { contentType: request.contentType });
      await bot.settled();
      return { status: res.status, body: res.text ? JSON.parse(res.text) : null };
    },
    async tick() {
      await bot.settled();
      await bot.engine.tick();
      await harness.deliver();
    },
    async deliver() {
      await bot.settled();
      await bot.outbox.idle();
      while ((await bot.outbox.drain()) > 0);
    },
    async stop() {
      await bot.stop();
      await slack.stop();
      await t.drop();
    },
  };
  return harness;
}
