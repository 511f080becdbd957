// A stateful stand-in for the Slack Web API, served over plain node:http.
//
// The bot's real @slack/web-api client talks to it (pass `await standIn.start()` as `slackApiUrl`),
// end-to-end tests read its state, and local mode shows that state in a browser. It answers the way
// Slack does (shapes and error codes copied from Slack's docs and OpenAPI examples): method errors are
// HTTP 200 + {ok:false,error}, rate limiting is HTTP 429 + Retry-After, the token's scopes come in
// the x-oauth-scopes header, and it keeps real state, so a message the bot posts can be updated,
// pinned and read back.
//
// This module holds the server, the faults a test can ask for, the record of calls and the
// dispatch to the methods; the state is in workspace.ts, the methods in methods/*.ts.
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readManifestBotScopes } from "../slack/manifest.ts";
import { authMethods } from "./methods/auth.ts";
import { chatMethods } from "./methods/chat.ts";
import { conversationsMethods } from "./methods/conversations.ts";
import { pinsMethods } from "./methods/pins.ts";
import { usersMethods } from "./methods/users.ts";
import { viewsMethods } from "./methods/views.ts";
import { fail, parseBody, parseJsonFields, safeParseJsonFields, SlackApiError, type Args, type Handler, type Json } from "./wire.ts";
import { Workspace, type Channel, type Message, type OpenView, type StandInUser } from "./workspace.ts";

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: Date;
  status: number; // HTTP status; 0 when the socket was destroyed
  response: unknown;
}

/**
 * Scopes the stand-in enforces, as Slack does: a call without its scope answers missing_scope
 * with `needed` and `provided`. (Other methods only say the token's scopes.)
 */
const REQUIRED_SCOPES: Record<string, string> = {
  "usergroups.users.update": "usergroups:write",
};

export type Fault =
  | { status: 429; retryAfterSeconds: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { network: true } // destroy the socket without answering
  | { delayMs: number }; // do the call, but answer only after this long (a slow Slack)

export interface SlackStandInOptions {
  token?: string;
  teamId?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  users?: StandInUser[];
  clock?: (() => Date) | { now(): Date };
  /**
   * The scopes the bot's token was granted, sent back (as Slack does) in the `x-oauth-scopes`
   * header of every call made with it. Default: the bot scopes slack-app-manifest.yml asks for.
   */
  scopes?: string[];
}

export class SlackStandIn extends EventEmitter {
  readonly token: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId = "A0STANDIN1";
  readonly calls: RecordedCall[] = [];
  readonly unexpected: RecordedCall[] = [];

  private readonly workspace: Workspace;
  private readonly methods: Record<string, Handler>;
  private readonly faults: { method: string; fault: Fault; remaining: number }[] = [];
  private isDown = false;
  private tokenRefusal: string | null = null;
  private allowed: Set<string> | null = null;
  private grantedScopes: string[];
  private server?: Server;

  constructor(opts: SlackStandInOptions = {}) {
    super();
    this.token = opts.token ?? "xoxb-test";
    this.teamId = opts.teamId ?? "T0STANDIN1";
    this.teamName = opts.teamName ?? "Stand-in Workspace";
    this.botUserId = opts.botUserId ?? "U0STANDBOT";
    this.botId = opts.botId ?? "B0STANDBOT";
    this.grantedScopes = [...(opts.scopes ?? readManifestBotScopes())];
    const clock = opts.clock;
    const now = clock === undefined ? () => new Date() : typeof clock === "function" ? clock : () => clock.now();
    const w = new Workspace({
      teamId: this.teamId,
      teamName: this.teamName,
      botUserId: this.botUserId,
      botId: this.botId,
      appId: this.appId,
      now,
      changed: (change) => this.emit("change", change),
    });
    this.workspace = w;
    this.methods = { ...authMethods(w), ...chatMethods(w), ...conversationsMethods(w), ...pinsMethods(w), ...viewsMethods(w), ...usersMethods(w) };
    this.addUser({ id: this.botUserId, name: opts.botName ?? "incident-bot", isBot: true });
    for (const u of opts.users ?? []) this.addUser(u);
  }

  // ---------------------------------------------------------------- server

  /** Listens on loopback (port 0 = any free port) and resolves the base URL ending in "/api/". */
  async start(port = 0, host = "127.0.0.1"): Promise<string> {
    if (this.server) throw new Error("SlackStandIn already started");
    const server = createServer((req, res) => this.serveSafely(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const h = addr.address.includes(":") ? `[${addr.address}]` : addr.address;
    return `http://${h}:${addr.port}/api/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const m = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let args: Args;
    try {
      args = { ...Object.fromEntries(url.searchParams), ...parseBody(req.headers["content-type"], raw) };
    } catch {
      args = { __invalid: raw };
    }
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const token = auth?.[1] ?? (typeof args.token === "string" ? args.token : undefined);
    delete args.token;

    const answer = this.handle(m[1], args, token);
    if (answer.network) {
      req.socket.destroy();
      return;
    }
    if (answer.delayMs > 0) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (req.socket.destroyed) return; // the client gave up waiting
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  private serveSafely(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e));
    });
  }

  // ---------------------------------------------------------------- test controls

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The next `times` calls of `method` ("*" = any method) answer with this fault instead. */
  failNext(method: string, fault: Fault, times = 1): void {
    this.faults.push({ method, fault, remaining: times });
  }

  /** While down, every call answers HTTP 503. */
  down(on: boolean): void {
    this.isDown = on;
  }

  /**
   * Refuses the bot's token with this error (`invalid_auth`, `token_revoked`, `account_inactive`…)
   * on every call, as Slack does once a token is revoked; null accepts it again.
   */
  refuseToken(code: string | null): void {
    this.tokenRefusal = code;
  }

  /**
   * The scopes the token has from now on (as after reinstalling the app with another manifest),
   * sent in the `x-oauth-scopes` header. Enforced only for the methods of REQUIRED_SCOPES.
   */
  grantScopes(scopes: string[]): void {
    this.grantedScopes = [...scopes];
  }

  /** The scopes the token has. */
  scopes(): string[] {
    return [...this.grantedScopes];
  }

  /** Only these methods are expected; any other call is recorded in `unexpected` (null = all implemented ones). */
  allowOnly(methods: string[] | null): void {
    this.allowed = methods ? new Set(methods) : null;
  }

  assertNoUnexpectedCalls(): void {
    if (this.unexpected.length === 0) return;
    const lines = this.unexpected.map((c) => `  ${c.method} ${JSON.stringify(c.args)}`);
    throw new Error(`Slack stand-in got ${this.unexpected.length} unexpected call(s):\n${lines.join("\n")}`);
  }

  /** Forgets recorded calls, unexpected calls and queued faults (state stays). */
  resetCalls(): void {
    this.calls.length = 0;
    this.unexpected.length = 0;
    this.faults.length = 0;
  }

  // ---------------------------------------------------------------- state (workspace.ts)

  /** A user group (S…) with these members. */
  addUserGroup(id: string, handle: string, users: string[]): void {
    this.workspace.userGroups.set(id, { id, handle, users: [...users] });
  }

  /** Who is in a user group now (null when there is no such group). */
  userGroupMembers(id: string): string[] | null {
    const g = this.workspace.userGroups.get(id);
    return g ? [...g.users] : null;
  }

  addUser(u: StandInUser): void {
    this.workspace.addUser(u);
  }

  users(): StandInUser[] {
    return this.workspace.users();
  }

  /** A channel that already exists in the workspace; the bot is a member only if listed in `members`. */
  addChannel(name: string, opts: { id?: string; isPrivate?: boolean; members?: string[]; creator?: string } = {}): Channel {
    return this.workspace.addChannel(name, opts);
  }

  channels(): Channel[] {
    return this.workspace.channels();
  }

  channel(idOrName: string): Channel | undefined {
    return this.workspace.channel(idOrName);
  }

  /** Top-level messages and thread replies of a conversation in ts order; ephemeral ones have `ephemeralTo`. */
  messages(channelId: string): Message[] {
    return this.workspace.messages(channelId);
  }

  openViews(): OpenView[] {
    return this.workspace.openViews();
  }

  /** The user closes a modal (with its stack). */
  closeView(id: string): void {
    this.workspace.closeView(id);
  }

  /** A trigger id as Slack puts in an interaction payload: valid once, for 3 seconds, for this user. */
  issueTriggerId(userId?: string): string {
    return this.workspace.issueTriggerId(userId);
  }

  /** A person posts in a conversation (as a Slack client would), e.g. from the local-mode UI. */
  postAsUser(userId: string, channelId: string, text: string, opts: { threadTs?: string } = {}): Message {
    return this.workspace.postAsUser(userId, channelId, text, opts);
  }

  // ---------------------------------------------------------------- dispatch

  private handle(method: string, args: Args, token: string | undefined) {
    const at = this.workspace.now();
    let status = 200;
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    let response: Json | undefined;
    let network = false;
    let delayMs = 0;
    let standInBug = false;
    const handler = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    const fault = this.isDown ? undefined : this.takeFault(method);

    if (this.isDown) {
      status = 503;
      response = { ok: false, error: "service_unavailable" };
    } else if (fault && "network" in fault) {
      status = 0;
      network = true;
    } else if (fault && "status" in fault) {
      status = fault.status;
      response = { ok: false, error: fault.status === 429 ? "ratelimited" : "service_unavailable" };
      if (fault.status === 429) headers["retry-after"] = String(fault.retryAfterSeconds);
    } else if (fault && "error" in fault) {
      response = { ok: false, error: fault.error };
    } else if (this.tokenRefusal && handler) {
      response = { ok: false, error: this.tokenRefusal };
    } else if (!handler) {
      response = { ok: false, error: "unknown_method", req_method: method };
    } else if (!token) {
      response = { ok: false, error: "not_authed" };
    } else if (token !== this.token) {
      response = { ok: false, error: "invalid_auth" };
    } else {
      // Slack says which scopes the token has on every call made with it (the client reads them
      // into response_metadata.scopes).
      headers["x-oauth-scopes"] = this.grantedScopes.join(",");
      try {
        if ("__invalid" in args) fail("invalid_form_data");
        const needed = REQUIRED_SCOPES[method];
        if (needed && !this.grantedScopes.includes(needed)) fail("missing_scope", { needed, provided: this.grantedScopes.join(",") });
        response = { ok: true, ...handler(parseJsonFields(args)) };
      } catch (e) {
        if (e instanceof SlackApiError) {
          response = { ok: false, error: e.code, ...e.extra };
        } else {
          // a bug in the stand-in itself: answer loudly rather than hang the client
          status = 500;
          standInBug = true;
          response = { ok: false, error: "standin_internal_error", detail: String((e as Error)?.stack ?? e) };
        }
      }
    }

    const call: RecordedCall = { method, args: safeParseJsonFields(args), at, status, response };
    this.calls.push(call);
    if (!handler || standInBug || (this.allowed && !this.allowed.has(method))) this.unexpected.push(call);
    this.emit("call", call);
    if (fault && "delayMs" in fault) delayMs = fault.delayMs;
    return { network, delayMs, status, headers, body: response === undefined ? "" : JSON.stringify(response) };
  }

  private takeFault(method: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.method === method || f.method === "*");
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.fault;
  }
}
