// The local workspace's web server (node:http, loopback only): the page, the workspace as one
// person sees it, a stream of changes, and what a Slack client would do for that person —
// type a command or a message, click a button, submit a modal. Everything the bot receives is
// built and signed as Slack builds and signs it (slack-requests.ts) and goes to the real Bolt
// app over HTTP; everything the bot does goes through the Slack stand-in, whose state is shown.
//
//   GET  /healthz, /readyz      the bot's liveness and readiness (as in HTTP mode), and /metrics
//   GET  /                      the page (page.html, page.css, page.js, favicon.svg next to this file)
//   GET  /page/<name>.js        the page's modules (page/ next to this file), imported by page.js
//   GET  /api/state?user=U…     Snapshot (snapshot.ts)
//   GET  /api/events?token=…    Server-Sent Events: one `change` event per change
//   POST /api/command           {user, channel, text}: "/incident …" as a slash command; other
//                               text is posted as the user (and mentions of the bot become an
//                               app_mention event)
//   POST /api/action            {user, channel, messageTs, blockId, actionId, selectedValue?}
//   POST /api/view              {user, viewId, values}: submits a modal
//   POST /api/view/close        {user, viewId}
//   POST /api/test-alert        {severity?: "warning"|"critical", resolve?: true}: an Alertmanager
//                               webhook body POSTed to the bot's sample integration
//   POST /api/response/<id>     the response_url given to the bot with each command and click
//
// Only the page itself may use /api (any other page in the browser, on any local port, may not):
//   - a per-run token, made when the server starts and written into the page it serves (a
//     <meta>; page/client.js reads it), must come with every /api request: in the
//     X-Incident-Bot-Token header, or for the event stream (an EventSource cannot set headers) in
//     its `token` query parameter. Not a cookie: cookies ignore ports, and every page on
//     localhost, whatever its port, is the same *site*, so SameSite=Strict would not keep them out.
//   - a POST must carry the page's own Origin (http://localhost, 127.0.0.1 or [::1] on our port);
//     browsers always send one on a POST, so a POST without it is refused too. A GET that
//     carries another origin is refused.
//   - a POST body must be Content-Type application/json exactly (parameters aside): that cannot
//     be sent across origins without a preflight, which this server never grants.
// The response_url is the bot's, not the page's: it needs no token (its path is a random id the
// bot is given) but refuses anything a browser sends (every browser POST carries an Origin).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { fromRoot } from "../paths.ts";
import type { SlackStandIn } from "../standin/index.ts";
import { LocalNotes } from "./notes.ts";
import type { PostmortemFolder } from "./postmortems.ts";
import { appMention, blockActions, encodeTyped, sendToBot, slashCommand, viewSubmission, type BotAnswer, type BotEndpoint, type FormValues } from "../standin/requests.ts";
import { snapshot, visibleChannels, type OnCallNow } from "./snapshot.ts";

export interface LocalServerOptions {
  standIn: SlackStandIn;
  bot: BotEndpoint;
  clock: Clock;
  log: Logger;
  postmortems: PostmortemFolder;
  /** Who is on call now, per schedule (read from the database by the caller). */
  oncall: () => Promise<OnCallNow[]>;
  /** Answers GET /healthz, /readyz and /metrics; false for any other request. */
  health: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Sends a test alert to the bot (absent when the sample rota is not this database's). */
  testAlert?: (opts: { severity?: string; resolve?: boolean }) => Promise<Record<string, unknown>>;
}

export interface LocalServer {
  url: string;
  port: number;
  notes: LocalNotes;
  stop(): Promise<void>;
}

interface StaticFile {
  /** Relative to this file's folder. */
  file: string;
  type: string;
}

const JAVASCRIPT = "text/javascript; charset=utf-8";

const STATIC: Record<string, StaticFile> = {
  "/": { file: "page.html", type: "text/html; charset=utf-8" },
  "/page.css": { file: "page.css", type: "text/css; charset=utf-8" },
  "/page.js": { file: "page.js", type: JAVASCRIPT },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
  "/favicon.ico": { file: "favicon.svg", type: "image/svg+xml" }, // what a browser asks for by itself
};

/**
 * Every file the page may load, by exact path: STATIC and the modules in page/ (plain names such
 * as /page/client.js, listed once when the server starts). A request path is only ever looked up
 * here, never joined to a folder, so nothing else on the disk can be asked for.
 */
async function staticFiles(): Promise<Map<string, StaticFile>> {
  const names = await readdir(fromRoot("src", "local", "page"));
  const modules = names.filter((n) => /^[a-z][a-z0-9-]*\.js$/.test(n)).map((n): [string, StaticFile] => [`/page/${n}`, { file: `page/${n}`, type: JAVASCRIPT }]);
  return new Map([...Object.entries(STATIC), ...modules]);
}

/**
 * The page builds its DOM from text nodes; the policy is a second line of defence. The referrer
 * policy keeps our URLs from other sites yet leaves the page's own POSTs their Origin (under
 * no-referrer, the Fetch standard says a browser sends "Origin: null" for them).
 */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

/** In page.html, where the server writes this run's token. */
const TOKEN_PLACEHOLDER = "{{token}}";
/** The header the page's requests carry the token in; the event stream's query parameter. */
export const TOKEN_HEADER = "x-incident-bot-token";
const TOKEN_PARAM = "token";

/** The origins of the page served on `port`: the local machine under each of its names. */
const pageOrigins = (port: number) => new Set([`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]);

/** Compares in constant time (as hashes, so that lengths do not matter either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Only the local machine's names: another site cannot reach us through DNS rebinding. */
const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface ResponseTarget {
  user: string;
  channel: string;
  command: string | null;
}

export async function startLocalServer(opts: LocalServerOptions, port: number, host = "127.0.0.1"): Promise<LocalServer> {
  const { standIn, bot, log, postmortems } = opts;
  const notes = new LocalNotes(() => opts.clock.now(), (channel) => standIn.messages(channel).at(-1)?.ts);
  const streams = new Set<ServerResponse>();
  const responseTargets = new Map<string, ResponseTarget>();
  let baseUrl = "";
  let origins = new Set<string>(); // once listening, when the port is known
  const files = await staticFiles();
  const token = randomBytes(32).toString("base64url");

  /** Only the page this server gave out may use /api: see the top of this file. */
  const checkPageRequest = (req: IncomingMessage, url: URL) => {
    const origin = req.headers.origin;
    if (req.method === "GET" || req.method === "HEAD") {
      if (origin !== undefined && !origins.has(origin)) throw new HttpError(403, "another site's page may not use this workspace");
    } else if (origin === undefined || !origins.has(origin)) {
      throw new HttpError(403, "only the workspace's own page may change it");
    }
    const header = req.headers[TOKEN_HEADER];
    const given = typeof header === "string" ? header : url.pathname === "/api/events" ? url.searchParams.get(TOKEN_PARAM) : null;
    if (!given || !sameSecret(given, token)) throw new HttpError(403, "this page is not the workspace's current page: reload it");
  };

  // Every change anywhere becomes one SSE event; the page then asks for its state again.
  const broadcast = (change: unknown) => {
    const data = `event: change\ndata: ${JSON.stringify(change)}\n\n`;
    for (const res of streams) res.write(data);
  };
  standIn.on("change", broadcast);
  notes.on("change", broadcast);
  postmortems.on("change", broadcast);
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(": keep-alive\n\n");
  }, 15_000);
  heartbeat.unref();

  const userOrFail = (id: unknown): string => {
    const user = standIn.users().find((u) => u.id === id && !u.isBot);
    if (!user) throw new HttpError(400, `unknown user ${String(id)}`);
    return user.id;
  };
  const channelOrFail = (id: unknown, user: string): string => {
    const c = visibleChannels(standIn, user).find((x) => x.id === id);
    if (!c) throw new HttpError(400, `unknown channel ${String(id)}`);
    return c.id;
  };

  /** A response_url the bot may POST to later (Slack keeps them for 30 minutes). */
  const responseUrl = (target: ResponseTarget): string => {
    const id = randomBytes(16).toString("hex"); // the only key to it: not to be guessed
    responseTargets.set(id, target);
    return `${baseUrl}api/response/${id}`;
  };

  /** An answer shown as Slack shows it: in_channel to everyone, anything else to the asker only. */
  const showAnswer = (target: ResponseTarget, body: Record<string, unknown> | string) => {
    const json = typeof body === "string" ? { text: body } : body;
    const text = typeof json.text === "string" ? json.text : "";
    const blocks = Array.isArray(json.blocks) && json.blocks.length > 0 ? (json.blocks as unknown[]) : undefined;
    if (!text.trim() && !blocks) return;
    notes.add({
      channel: target.channel,
      command: target.command ? { user: target.user, text: target.command } : undefined,
      fromBot: true,
      text,
      blocks,
      visibleTo: json.response_type === "in_channel" ? undefined : target.user,
    });
  };

  const failedDispatch = (target: ResponseTarget, what: string, answer: BotAnswer) => {
    log.warn(`local mode: the bot answered ${what} with HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    notes.add({ channel: target.channel, command: target.command ? { user: target.user, text: target.command } : undefined, fromBot: false, text: `${what} failed with the error "dispatch_failed" (HTTP ${answer.status}).`, visibleTo: target.user });
  };

  async function typed(body: Record<string, unknown>) {
    const user = userOrFail(body.user);
    const channel = channelOrFail(body.channel, user);
    const text = String(body.text ?? "").trim();
    if (!text) throw new HttpError(400, "nothing to send");
    const m = /^(\/\S+)\s*([\s\S]*)$/.exec(text);
    if (!m) {
      // A message: the stand-in keeps it; a mention of the bot is delivered as Slack would.
      const message = standIn.postAsUser(user, channel, encodeTyped(standIn, text));
      if (message.text.includes(`<@${standIn.botUserId}`)) {
        const event = appMention(standIn, message);
        const answer = await sendToBot(bot, event.body, event.contentType);
        if (answer.status !== 200) log.warn(`local mode: the app_mention event was answered with HTTP ${answer.status}`);
      }
      return { ok: true, ts: message.ts };
    }
    const [, command, args] = m;
    const target: ResponseTarget = { user, channel, command: text };
    if (command !== "/incident") {
      notes.add({ channel, fromBot: false, command: { user, text }, visibleTo: user, text: `${command} is not a valid command. In this workspace only /incident is installed; try /incident help.` });
      return { ok: false, error: "unknown_command" };
    }
    const request = slashCommand(standIn, { userId: user, channelId: channel, command, text: encodeTyped(standIn, args), responseUrl: responseUrl(target) });
    const answer = await sendToBot(bot, request.body, request.contentType);
    if (answer.status !== 200) {
      failedDispatch(target, command, answer);
      return { ok: false, error: "dispatch_failed", status: answer.status };
    }
    showAnswer(target, answer.json ?? answer.text);
    return { ok: true, answer: answer.json ?? (answer.text || null) };
  }

  async function click(body: Record<string, unknown>) {
    const user = userOrFail(body.user);
    const channel = channelOrFail(body.channel, user);
    const message = standIn.messages(channel).find((x) => x.ts === body.messageTs && (!x.ephemeralTo || x.ephemeralTo === user));
    if (!message) throw new HttpError(404, "no such message");
    const selected = body.selectedValue ?? (body.selectedOption as { value?: unknown } | undefined)?.value;
    const request = blockActions(standIn, {
      userId: user,
      channelId: channel,
      message,
      blockId: String(body.blockId ?? ""),
      actionId: String(body.actionId ?? ""),
      selectedValue: selected === undefined ? undefined : String(selected),
      responseUrl: responseUrl({ user, channel, command: null }),
    });
    if ("error" in request) throw new HttpError(400, request.error);
    const answer = await sendToBot(bot, request.body, request.contentType);
    if (answer.status !== 200) {
      failedDispatch({ user, channel, command: null }, "That action", answer);
      return { ok: false, error: "dispatch_failed", status: answer.status };
    }
    return { ok: true };
  }

  async function submit(body: Record<string, unknown>) {
    const user = userOrFail(body.user);
    const open = standIn.openViews().find((v) => v.id === body.viewId && v.userId === user);
    if (!open) throw new HttpError(404, "that modal is not open");
    const values = (body.values && typeof body.values === "object" ? body.values : {}) as FormValues;
    const request = viewSubmission(standIn, user, open, values);
    const answer = await sendToBot(bot, request.body, request.contentType);
    if (answer.status !== 200) {
      log.warn(`local mode: the bot answered a view submission with HTTP ${answer.status}`);
      return { ok: false, errors: { _: `The app did not accept the form (HTTP ${answer.status}).` } };
    }
    const action = answer.json?.response_action;
    if (action === "errors") return { ok: false, errors: answer.json?.errors ?? {} };
    if (action === "update" || action === "push") {
      // Nothing in the bot answers this way yet; the stand-in only changes views through its API.
      log.warn(`local mode: response_action "${String(action)}" is not shown by the local workspace`);
    }
    standIn.closeView(open.id); // a plain acknowledgement (or "clear") closes the modal
    return { ok: true };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The bot's liveness, readiness and metrics, as in HTTP mode.
    if (await opts.health(req, res)) return;
    if (!LOCAL_HOST.test(req.headers.host ?? "")) throw new HttpError(403, "only the local machine may use this page");
    const url = new URL(req.url ?? "/", "http://local");
    const path = url.pathname;

    const asset = req.method === "GET" ? files.get(path) : undefined;
    if (asset) {
      const { file, type } = asset;
      let content: Buffer | string = await readFile(fromRoot("src", "local", file));
      if (file === "page.html") content = content.toString("utf8").replace(TOKEN_PLACEHOLDER, token); // base64url: nothing to escape
      res.writeHead(200, { "content-type": type, "cache-control": "no-store", ...SECURITY_HEADERS }).end(content);
      return;
    }
    const responseMatch = /^\/api\/response\/([0-9a-f]+)$/.exec(path);
    if (req.method === "POST" && responseMatch) {
      // The bot's late answer to a command or a click, as Slack's response_url takes it.
      if (req.headers.origin !== undefined) throw new HttpError(403, "the response_url is the bot's");
      const target = responseTargets.get(responseMatch[1]);
      if (!target) throw new HttpError(404, "expired_url");
      showAnswer(target, await readJson(req));
      sendJson(res, 200, { ok: true });
      return;
    }
    if (path.startsWith("/api/")) checkPageRequest(req, url);
    if (req.method === "GET" && path === "/api/state") {
      // no user named: the first sample person, as when the page is opened for the first time
      const me = userOrFail(url.searchParams.get("user") || standIn.users().find((u) => !u.isBot)?.id);
      const [oncall, files] = await Promise.all([opts.oncall().catch(() => []), postmortems.list()]);
      sendJson(res, 200, snapshot({ standIn, notes, me, oncall, postmortems: files, postmortemDir: postmortems.dir }));
      return;
    }
    if (req.method === "GET" && path === "/api/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write("retry: 1000\n\n");
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    if (req.method === "POST" && path.startsWith("/api/")) {
      const body = await readJson(req);
      const handlers: Record<string, (b: Record<string, unknown>) => Promise<unknown>> = {
        "/api/command": typed,
        "/api/action": click,
        "/api/view": submit,
        "/api/test-alert": async (b) => {
          if (!opts.testAlert) throw new HttpError(409, "the sample rota is not applied to this database, so there is no sample integration to alert");
          return opts.testAlert({ severity: typeof b.severity === "string" ? b.severity : undefined, resolve: b.resolve === true });
        },
        "/api/view/close": async (b) => {
          const user = userOrFail(b.user);
          const open = standIn.openViews().find((v) => v.id === b.viewId && v.userId === user);
          if (open) standIn.closeView(open.id);
          return { ok: true };
        },
      };
      const handler = handlers[path];
      if (!handler) throw new HttpError(404, "not found");
      sendJson(res, 200, await handler(body));
      return;
    }
    throw new HttpError(404, "not found");
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error(`local mode: ${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      if (!res.headersSent) sendJson(res, status, { ok: false, error: (err as Error).message });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${actual}/`;
  origins = pageOrigins(actual);

  return {
    url: baseUrl,
    port: actual,
    notes,
    async stop() {
      clearInterval(heartbeat);
      standIn.off("change", broadcast);
      notes.off("change", broadcast);
      postmortems.off("change", broadcast);
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(JSON.stringify(body));
}

/** True for `application/json`, with or without parameters (`; charset=utf-8`), and nothing else. */
function isJsonType(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0].trim().toLowerCase() === "application/json";
}

/**
 * A JSON body (at most 1 MB), sent as application/json: a form posted by another web site cannot
 * say that (nor can `text/plain; application/json`, which is text/plain), so it cannot act as one
 * of the sample users — a second line behind the Origin and token checks.
 */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!isJsonType(req.headers["content-type"])) throw new HttpError(415, "send application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new HttpError(413, "too large");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw new HttpError(400, "expected a JSON object");
}
