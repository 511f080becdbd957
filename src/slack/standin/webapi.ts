// A stateful stand-in for the Slack Web API, served over plain node:http.
//
// The bot's real @slack/web-api client talks to it (pass `await standIn.start()` as `slackApiUrl`),
// end-to-end tests read its state, and local mode shows that state in a browser. It answers the way
// Slack does (shapes and error codes copied from Slack's docs and OpenAPI examples): method errors are
// HTTP 200 + {ok:false,error}, rate limiting is HTTP 429 + Retry-After, and it keeps real state, so a
// message the bot posts can be updated, pinned and read back.
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
}

export interface Channel {
  id: string;
  name: string; // "" for DMs
  isPrivate: boolean;
  isIm: boolean;
  isMpim: boolean;
  isArchived: boolean;
  created: number; // unix seconds
  creator: string;
  members: string[];
  topic: { value: string; creator: string; lastSet: number };
  purpose: { value: string; creator: string; lastSet: number };
  user?: string; // the other person of a DM
}

export interface Message {
  channel: string;
  ts: string;
  user?: string;
  botId?: string; // set when the bot posted it (user is then the bot user id)
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  threadTs?: string;
  edited?: { user: string; ts: string };
  history: { text: string; blocks?: unknown[]; editedAt?: string }[]; // earlier versions, oldest first
  pinned: boolean;
  ephemeralTo?: string; // only this user sees it
}

export interface OpenView {
  id: string;
  userId?: string;
  triggerId: string;
  view: Record<string, unknown>; // the view as Slack answers it (id, hash, state, ...)
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: Date;
  status: number; // HTTP status; 0 when the socket was destroyed
  response: unknown;
}

export type Fault =
  | { status: 429; retryAfterSeconds: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { network: true } // destroy the socket without answering
  | { delayMs: number }; // do the call, but answer only after this long (a slow Slack)

export type StandInChange =
  | { kind: "user"; id: string }
  | { kind: "channel"; id: string; what: string }
  | { kind: "message"; channel: string; ts: string; what: "posted" | "ephemeral" | "updated" | "pinned" | "unpinned" }
  | { kind: "view"; id: string; what: "opened" | "updated" | "pushed" | "closed" };

export interface SlackStandInOptions {
  token?: string;
  teamId?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  users?: StandInUser[];
  clock?: (() => Date) | { now(): Date };
}

type Args = Record<string, unknown>;
type Json = Record<string, unknown>;
type Handler = (a: Args) => Json;

/** A method error: answered as HTTP 200 {ok:false, error: code, ...extra}. */
class SlackApiError extends Error {
  constructor(readonly code: string, readonly extra: Json = {}) {
    super(code);
  }
}
function fail(code: string, extra?: Json): never {
  throw new SlackApiError(code, extra);
}

const JSON_FIELDS: Record<string, string> = {
  blocks: "invalid_blocks_format",
  attachments: "invalid_attachments",
  view: "invalid_arguments",
  metadata: "invalid_metadata_format",
};
const TRIGGER_TTL_MS = 3_000;
const MAX_MESSAGE_BLOCKS = 50;
const MAX_VIEW_BLOCKS = 100;
const MAX_VIEW_STACK = 3;

export class SlackStandIn extends EventEmitter {
  readonly token: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId = "A0STANDIN1";
  readonly calls: RecordedCall[] = [];
  readonly unexpected: RecordedCall[] = [];

  private readonly now: () => Date;
  private readonly userMap = new Map<string, StandInUser>();
  private readonly channelMap = new Map<string, Channel>();
  private readonly messageMap = new Map<string, Message[]>(); // channel id -> messages in ts order
  private readonly viewMap = new Map<string, OpenView & { open: boolean; rootViewId: string }>();
  private readonly triggers = new Map<string, { userId?: string; issuedAt: number; used: boolean }>();
  private readonly faults: { method: string; fault: Fault; remaining: number }[] = [];
  private isDown = false;
  private tokenRefusal: string | null = null;
  private allowed: Set<string> | null = null;
  private lastTsMicros = 0;
  private rng = 0x5eed1e55;
  private server?: Server;

  constructor(opts: SlackStandInOptions = {}) {
    super();
    this.token = opts.token ?? "xoxb-test";
    this.teamId = opts.teamId ?? "T0STANDIN1";
    this.teamName = opts.teamName ?? "Stand-in Workspace";
    this.botUserId = opts.botUserId ?? "U0STANDBOT";
    this.botId = opts.botId ?? "B0STANDBOT";
    const clock = opts.clock;
    this.now = clock === undefined ? () => new Date() : typeof clock === "function" ? clock : () => clock.now();
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

  // ---------------------------------------------------------------- state

  addUser(u: StandInUser): void {
    if (u.tz) new Intl.DateTimeFormat("en-US", { timeZone: u.tz }); // throws on an unknown zone
    this.userMap.set(u.id, { ...u });
    this.changed({ kind: "user", id: u.id });
  }

  users(): StandInUser[] {
    return [...this.userMap.values()].map((u) => ({ ...u }));
  }

  /** A channel that already exists in the workspace; the bot is a member only if listed in `members`. */
  addChannel(name: string, opts: { id?: string; isPrivate?: boolean; members?: string[]; creator?: string } = {}): Channel {
    const id = opts.id ?? this.newId("C");
    if (this.channelMap.has(id)) throw new Error(`channel ${id} exists`);
    const c = this.makeChannel(id, name, opts.creator ?? opts.members?.[0] ?? "", opts.members ?? []);
    c.isPrivate = opts.isPrivate ?? false;
    this.changed({ kind: "channel", id, what: "created" });
    return clone(c);
  }

  channels(): Channel[] {
    return [...this.channelMap.values()].map(clone);
  }

  channel(idOrName: string): Channel | undefined {
    const c = this.channelMap.get(idOrName) ?? this.channelByName(idOrName);
    return c && clone(c);
  }

  /** Top-level messages and thread replies of a conversation in ts order; ephemeral ones have `ephemeralTo`. */
  messages(channelId: string): Message[] {
    return (this.messageMap.get(channelId) ?? []).map(clone);
  }

  openViews(): OpenView[] {
    return [...this.viewMap.values()]
      .filter((v) => v.open)
      .map((v) => ({ id: v.id, userId: v.userId, triggerId: v.triggerId, view: clone(v.view) }));
  }

  /** The user closes a modal (with its stack). */
  closeView(id: string): void {
    const v = this.viewMap.get(id);
    if (!v) return;
    for (const o of this.viewMap.values()) if (o.rootViewId === v.rootViewId) o.open = false;
    this.changed({ kind: "view", id, what: "closed" });
  }

  /** A trigger id as Slack puts in an interaction payload: valid once, for 3 seconds, for this user. */
  issueTriggerId(userId?: string): string {
    const t = `${Math.floor(this.now().getTime() / 1000)}.${this.rand(10, "0123456789")}.${this.rand(32, "0123456789abcdef")}`;
    this.triggers.set(t, { userId, issuedAt: this.now().getTime(), used: false });
    return t;
  }

  /** A person posts in a conversation (as a Slack client would), e.g. from the local-mode UI. */
  postAsUser(userId: string, channelId: string, text: string, opts: { threadTs?: string } = {}): Message {
    if (!this.userMap.has(userId)) throw new Error(`unknown user ${userId}`);
    if (!this.channelMap.has(channelId)) throw new Error(`unknown channel ${channelId}`);
    return clone(this.store({ channel: channelId, ts: this.nextTs(), user: userId, text, threadTs: opts.threadTs, history: [], pinned: false }));
  }

  // ---------------------------------------------------------------- dispatch

  private handle(method: string, args: Args, token: string | undefined) {
    const at = this.now();
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
      try {
        if ("__invalid" in args) fail("invalid_form_data");
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

  private readonly methods: Record<string, Handler> = {
    "auth.test": () => ({
      url: `https://${slug(this.teamName)}.slack.com/`,
      team: this.teamName,
      user: this.userMap.get(this.botUserId)?.name,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),

    // ------------------------------------------------------------ chat
    "chat.postMessage": (a) => {
      const { c, content } = this.postable(a);
      const m = this.store({
        channel: c.id,
        ts: this.nextTs(),
        user: this.botUserId,
        botId: this.botId,
        ...content,
        metadata: a.metadata,
        threadTs: str(a.thread_ts),
        history: [],
        pinned: false,
      });
      return { channel: c.id, ts: m.ts, message: this.messageWire(m) };
    },

    "chat.update": (a) => {
      const c = this.existing(a.channel);
      const m = this.findMessage(c.id, a.ts);
      if (m.user !== this.botUserId) fail("cant_update_message");
      if (c.isArchived) fail("is_inactive");
      const content = this.content(a);
      const text = a.text === undefined ? m.text : content.text;
      const blocks = content.blocks === undefined ? m.blocks : nonEmpty(content.blocks);
      const attachments = content.attachments === undefined ? m.attachments : nonEmpty(content.attachments);
      if (text === "" && !blocks?.length && !attachments?.length) fail("no_text");
      m.history.push({ text: m.text, blocks: m.blocks, editedAt: m.edited?.ts });
      Object.assign(m, { text, blocks, attachments, edited: { user: this.botUserId, ts: this.nextTs() } });
      if (a.metadata !== undefined) m.metadata = a.metadata;
      this.changed({ kind: "message", channel: c.id, ts: m.ts, what: "updated" });
      return { channel: c.id, ts: m.ts, text: m.text, message: this.messageWire(m) };
    },

    "chat.postEphemeral": (a) => {
      const { c, content } = this.postable(a);
      const user = str(a.user);
      if (!user || !c.members.includes(user)) fail("user_not_in_channel");
      const m = this.store({
        channel: c.id,
        ts: this.nextTs(),
        user: this.botUserId,
        botId: this.botId,
        ...content,
        threadTs: str(a.thread_ts),
        history: [],
        pinned: false,
        ephemeralTo: user,
      });
      return { message_ts: m.ts };
    },

    "chat.getPermalink": (a) => {
      const c = this.existing(a.channel);
      const m = this.findMessage(c.id, a.message_ts);
      const base = `https://${slug(this.teamName)}.slack.com/archives/${c.id}/p${m.ts.replace(".", "")}`;
      const permalink = m.threadTs && m.threadTs !== m.ts ? `${base}?thread_ts=${m.threadTs}&cid=${c.id}` : base;
      return { channel: c.id, permalink };
    },

    // ------------------------------------------------------------ conversations
    "conversations.create": (a) => {
      const name = str(a.name) ?? "";
      if (name === "") fail("invalid_name_required");
      if (name.length > 80) fail("invalid_name_maxlength");
      if (/[^a-z0-9_-]/.test(name)) fail("invalid_name_specials");
      if (/^[-_]+$/.test(name)) fail("invalid_name_punctuation");
      if (this.channelByName(name)) fail("name_taken");
      const c = this.makeChannel(this.newId("C"), name, this.botUserId, [this.botUserId]);
      c.isPrivate = bool(a.is_private);
      this.changed({ kind: "channel", id: c.id, what: "created" });
      return { channel: this.channelWire(c) };
    },

    "conversations.invite": (a) => {
      const c = this.existing(a.channel);
      if (c.isIm || c.isMpim) fail("method_not_supported_for_channel_type");
      if (c.isArchived) fail("is_archived");
      if (!c.members.includes(this.botUserId)) fail("not_in_channel");
      const users = list(a.users);
      if (users.length === 0) fail("no_user");
      if (users.length > 1000) fail("too_many_users");
      const errors: Json[] = [];
      for (const u of users) {
        if (u === this.botUserId) errors.push({ user: u, ok: false, error: "cant_invite_self" });
        else if (!this.userMap.has(u)) errors.push({ user: u, ok: false, error: "user_not_found" });
      }
      const valid = users.filter((u) => this.userMap.has(u) && u !== this.botUserId);
      if (errors.length > 0 && !bool(a.force)) fail(String(errors[0].error), { errors });
      const fresh = valid.filter((u) => !c.members.includes(u));
      if (fresh.length === 0 && errors.length === 0) fail("already_in_channel", { errors: users.map((u) => ({ user: u, ok: false, error: "already_in_channel" })) });
      c.members.push(...new Set(fresh));
      this.changed({ kind: "channel", id: c.id, what: "members" });
      return errors.length ? { channel: this.channelWire(c), errors } : { channel: this.channelWire(c) };
    },

    "conversations.open": (a) => {
      if (a.channel !== undefined) return { channel: this.channelWire(this.existing(a.channel)) };
      const users = [...new Set(list(a.users))];
      if (users.length === 0) fail("users_list_not_supplied");
      if (users.length > 8) fail("too_many_users");
      for (const u of users) if (!this.userMap.has(u)) fail("user_not_found");
      const existed = this.findDm(users) !== undefined;
      const c = this.openDm(users);
      const channel = bool(a.return_im) ? this.channelWire(c) : { id: c.id };
      return existed ? { no_op: true, already_open: true, channel } : { channel };
    },

    "conversations.setTopic": (a) => this.setText(a, "topic", a.topic),
    "conversations.setPurpose": (a) => this.setText(a, "purpose", a.purpose),

    "conversations.archive": (a) => {
      const c = this.existing(a.channel);
      if (c.isIm || c.isMpim) fail("method_not_supported_for_channel_type");
      if (c.isArchived) fail("already_archived");
      if (!c.members.includes(this.botUserId)) fail("not_in_channel");
      c.isArchived = true;
      this.changed({ kind: "channel", id: c.id, what: "archived" });
      return {};
    },

    "conversations.info": (a) => {
      const c = this.existing(a.channel);
      const wire = this.channelWire(c);
      return { channel: bool(a.include_num_members) ? { ...wire, num_members: c.members.length } : wire };
    },

    "conversations.members": (a) => {
      const c = this.existing(a.channel);
      return { members: [...c.members], response_metadata: { next_cursor: "" } };
    },

    "conversations.join": (a) => {
      const c = this.existing(a.channel);
      if (c.isIm || c.isMpim || c.isPrivate) fail("method_not_supported_for_channel_type");
      if (c.isArchived) fail("is_archived");
      if (c.members.includes(this.botUserId)) {
        return { channel: this.channelWire(c), warning: "already_in_channel", response_metadata: { warnings: ["already_in_channel"] } };
      }
      c.members.push(this.botUserId);
      this.changed({ kind: "channel", id: c.id, what: "members" });
      return { channel: this.channelWire(c) };
    },

    "conversations.list": (a) => {
      const types = new Set(list(a.types ?? "public_channel"));
      const channels = [...this.channelMap.values()].filter((c) => {
        if (bool(a.exclude_archived) && c.isArchived) return false;
        const type = c.isIm ? "im" : c.isMpim ? "mpim" : c.isPrivate ? "private_channel" : "public_channel";
        if (type !== "public_channel" && !c.members.includes(this.botUserId)) return false;
        return types.has(type);
      });
      return { channels: channels.map((c) => this.channelWire(c)), response_metadata: { next_cursor: "" } };
    },

    "conversations.history": (a) => {
      const c = this.existing(a.channel);
      if (!c.isIm && !c.members.includes(this.botUserId)) fail("not_in_channel");
      const limit = Number(a.limit ?? 100) || 100;
      const top = this.visible(c.id).filter((m) => !m.threadTs || m.threadTs === m.ts).reverse();
      return { messages: top.slice(0, limit).map((m) => this.messageWire(m)), has_more: top.length > limit, response_metadata: { next_cursor: "" } };
    },

    "conversations.replies": (a) => {
      const c = this.existing(a.channel);
      const parent = this.findMessage(c.id, a.ts, "thread_not_found");
      const root = parent.threadTs ?? parent.ts;
      const thread = this.visible(c.id).filter((m) => m.ts === root || m.threadTs === root);
      return { messages: thread.map((m) => this.messageWire(m)), has_more: false, response_metadata: { next_cursor: "" } };
    },

    // ------------------------------------------------------------ pins
    "pins.add": (a) => {
      const c = this.existing(a.channel);
      if (a.timestamp === undefined) fail("no_item_specified");
      if (!/^\d+\.\d+$/.test(String(a.timestamp))) fail("bad_timestamp");
      const m = this.findMessage(c.id, a.timestamp);
      if (m.pinned) fail("already_pinned");
      m.pinned = true;
      this.changed({ kind: "message", channel: c.id, ts: m.ts, what: "pinned" });
      return {};
    },

    "pins.remove": (a) => {
      const c = this.existing(a.channel);
      if (a.timestamp === undefined) fail("no_item_specified");
      const m = this.findMessage(c.id, a.timestamp);
      if (!m.pinned) fail("no_pin");
      m.pinned = false;
      this.changed({ kind: "message", channel: c.id, ts: m.ts, what: "unpinned" });
      return {};
    },

    "pins.list": (a) => {
      const c = this.existing(a.channel);
      const items = this.visible(c.id)
        .filter((m) => m.pinned)
        .map((m) => ({ type: "message", channel: c.id, created_by: this.botUserId, message: this.messageWire(m) }));
      return { items };
    },

    // ------------------------------------------------------------ views
    "views.open": (a) => {
      const trigger = this.useTrigger(a.trigger_id);
      const view = this.buildView(a.view, this.newId("V"));
      this.viewMap.set(String(view.id), { id: String(view.id), userId: trigger.userId, triggerId: String(a.trigger_id), view, open: true, rootViewId: String(view.id) });
      this.changed({ kind: "view", id: String(view.id), what: "opened" });
      return { view };
    },

    "views.push": (a) => {
      const trigger = this.useTrigger(a.trigger_id);
      const open = [...this.viewMap.values()].filter((v) => v.open && (trigger.userId === undefined || v.userId === trigger.userId));
      const top = open.at(-1);
      if (!top) fail("not_found");
      const stack = open.filter((v) => v.rootViewId === top.rootViewId);
      if (stack.length >= MAX_VIEW_STACK) fail("push_limit_reached");
      const view = this.buildView(a.view, this.newId("V"), { root_view_id: top.rootViewId, previous_view_id: top.id });
      this.viewMap.set(String(view.id), { id: String(view.id), userId: top.userId, triggerId: String(a.trigger_id), view, open: true, rootViewId: top.rootViewId });
      this.changed({ kind: "view", id: String(view.id), what: "pushed" });
      return { view };
    },

    "views.update": (a) => {
      const id = str(a.view_id);
      const ext = str(a.external_id);
      if (!id && !ext) fail("invalid_arguments", { response_metadata: { messages: ["either `view_id` or `external_id` is required"] } });
      const v = id ? this.viewMap.get(id) : [...this.viewMap.values()].find((x) => x.view.external_id === ext);
      if (!v || !v.open) fail("not_found");
      if (a.hash !== undefined && a.hash !== v.view.hash) fail("hash_conflict");
      v.view = this.buildView(a.view, v.id, { root_view_id: v.view.root_view_id, previous_view_id: v.view.previous_view_id, state: v.view.state });
      this.changed({ kind: "view", id: v.id, what: "updated" });
      return { view: v.view };
    },

    // ------------------------------------------------------------ users
    "users.info": (a) => {
      const u = this.userMap.get(str(a.user) ?? "");
      if (!u) fail("user_not_found");
      return { user: this.userWire(u) };
    },

    "users.list": () => ({
      members: [...this.userMap.values()].map((u) => this.userWire(u)),
      cache_ts: Math.floor(this.now().getTime() / 1000),
      response_metadata: { next_cursor: "" },
    }),

    "users.lookupByEmail": (a) => {
      const email = str(a.email)?.toLowerCase();
      const u = [...this.userMap.values()].find((x) => email && x.email?.toLowerCase() === email);
      if (!u) fail("users_not_found");
      return { user: this.userWire(u) };
    },
  };

  // ---------------------------------------------------------------- helpers

  private changed(change: StandInChange): void {
    this.emit("change", change);
  }

  /** Deterministic Slack-looking ids: prefix + 10 uppercase alphanumerics. */
  private newId(prefix: string): string {
    for (;;) {
      const id = prefix + this.rand(10, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
      if (!this.channelMap.has(id) && !this.viewMap.has(id) && !this.userMap.has(id)) return id;
    }
  }

  private rand(n: number, alphabet: string): string {
    let s = "";
    for (let i = 0; i < n; i++) {
      this.rng = (Math.imul(this.rng ^ (this.rng >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      s += alphabet[this.rng % alphabet.length];
    }
    return s;
  }

  /** "<seconds>.<6 digits>" from the clock, strictly increasing. */
  private nextTs(): string {
    const micros = Math.max(this.now().getTime() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  private makeChannel(id: string, name: string, creator: string, members: string[]): Channel {
    const created = Math.floor(this.now().getTime() / 1000);
    const c: Channel = {
      id,
      name,
      isPrivate: false,
      isIm: false,
      isMpim: false,
      isArchived: false,
      created,
      creator,
      members: [...new Set(members)],
      topic: { value: "", creator: "", lastSet: 0 },
      purpose: { value: "", creator: "", lastSet: 0 },
    };
    this.channelMap.set(id, c);
    this.messageMap.set(id, []);
    return c;
  }

  private channelByName(name: string): Channel | undefined {
    const n = name.replace(/^#/, "");
    return [...this.channelMap.values()].find((c) => !c.isIm && !c.isMpim && c.name === n);
  }

  private existing(id: unknown): Channel {
    const c = this.channelMap.get(str(id) ?? "");
    return c ?? fail("channel_not_found");
  }

  /** chat.* accept a conversation id, a channel name, or a user id (= the DM with that user). */
  private postTarget(target: unknown): Channel {
    const t = str(target) ?? "";
    const c = this.channelMap.get(t) ?? this.channelByName(t);
    if (c) return c;
    if (/^[UW]/.test(t) && this.userMap.has(t)) return this.openDm([t]);
    return fail("channel_not_found");
  }

  /** The DM (one other person) or group DM of the bot with these users. */
  private findDm(users: string[]): Channel | undefined {
    const want = [...new Set([this.botUserId, ...users])].sort().join(",");
    return [...this.channelMap.values()].find((c) => (c.isIm || c.isMpim) && [...c.members].sort().join(",") === want);
  }

  private openDm(users: string[]): Channel {
    const found = this.findDm(users);
    if (found) return found;
    users = [...new Set(users)].filter((u) => u !== this.botUserId);
    if (users.length === 0) users = [this.botUserId]; // the bot's own DM
    const mpim = users.length > 1;
    const c = this.makeChannel(this.newId(mpim ? "G" : "D"), mpim ? `mpdm-${users.join("--")}-1` : "", this.botUserId, [this.botUserId, ...users]);
    if (mpim) Object.assign(c, { isMpim: true, isPrivate: true });
    else Object.assign(c, { isIm: true, isPrivate: true, user: users[0] });
    this.changed({ kind: "channel", id: c.id, what: "created" });
    return c;
  }

  private setText(a: Args, field: "topic" | "purpose", value: unknown): Json {
    const c = this.existing(a.channel);
    if (c.isIm) fail("method_not_supported_for_channel_type");
    if (c.isArchived) fail("is_archived");
    if (!c.members.includes(this.botUserId)) fail("not_in_channel");
    const text = str(value) ?? "";
    if (text.length > 250) fail("too_long");
    c[field] = { value: text, creator: this.botUserId, lastSet: Math.floor(this.now().getTime() / 1000) };
    this.changed({ kind: "channel", id: c.id, what: field });
    return { channel: this.channelWire(c) };
  }

  /** text, blocks and attachments of a chat.* call, validated; arrays exactly as given (chat.update: [] clears). */
  /** Where a post goes and what it says, with Slack's checks for both. */
  private postable(a: Args): { c: Channel; content: { text: string; blocks?: unknown[]; attachments?: unknown[] } } {
    const c = this.postTarget(a.channel);
    if (c.isArchived) fail("is_archived");
    if (!c.members.includes(this.botUserId)) fail("not_in_channel");
    const { text, blocks, attachments } = this.content(a);
    const content = { text, blocks: nonEmpty(blocks), attachments: nonEmpty(attachments) };
    if (text === "" && !content.blocks && !content.attachments) fail("no_text");
    return { c, content };
  }

  private content(a: Args): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
    const blocks = a.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) fail("invalid_blocks_format");
    if (Array.isArray(blocks) && (blocks.length > MAX_MESSAGE_BLOCKS || blocks.some((b) => !isObj(b) || typeof b.type !== "string"))) {
      fail("invalid_blocks", { response_metadata: { messages: ["[ERROR] invalid blocks"] } });
    }
    const attachments = a.attachments;
    if (attachments !== undefined && !Array.isArray(attachments)) fail("invalid_attachments");
    const text = str(a.text) ?? "";
    if (text.length > 40_000) fail("msg_too_long");
    return { text, blocks: blocks as unknown[] | undefined, attachments: attachments as unknown[] | undefined };
  }

  private store(m: Message): Message {
    const list = this.messageMap.get(m.channel)!;
    list.push(m);
    this.changed({ kind: "message", channel: m.channel, ts: m.ts, what: m.ephemeralTo ? "ephemeral" : "posted" });
    return m;
  }

  private visible(channelId: string): Message[] {
    return (this.messageMap.get(channelId) ?? []).filter((m) => !m.ephemeralTo);
  }

  private findMessage(channelId: string, ts: unknown, code = "message_not_found"): Message {
    const m = this.visible(channelId).find((x) => x.ts === str(ts));
    return m ?? fail(code);
  }

  private useTrigger(triggerId: unknown) {
    const t = str(triggerId);
    if (!t) return fail("invalid_arguments", { response_metadata: { messages: ["invalid `trigger_id`"] } });
    let trigger = this.triggers.get(t);
    if (!trigger) {
      // a trigger the stand-in did not issue (a test made it up): valid once
      trigger = { issuedAt: this.now().getTime(), used: false };
      this.triggers.set(t, trigger);
    }
    if (trigger.used) fail("exchanged_trigger_id");
    if (this.now().getTime() - trigger.issuedAt > TRIGGER_TTL_MS) fail("expired_trigger_id");
    trigger.used = true;
    return trigger;
  }

  private buildView(input: unknown, id: string, keep: Json = {}): Json {
    const bad = (msg: string) => fail("invalid_arguments", { response_metadata: { messages: [msg] } });
    if (!isObj(input)) return bad("missing required field: view");
    if (input.type !== "modal") bad("invalid `type`");
    if (!isObj(input.title)) bad("missing required field: title");
    if (!Array.isArray(input.blocks)) bad("missing required field: blocks");
    if ((input.blocks as unknown[]).length > MAX_VIEW_BLOCKS) bad("must provide at most 100 items [json-pointer:/view/blocks]");
    if (typeof input.private_metadata === "string" && input.private_metadata.length > 3000) bad("failed to match all allowed schemas [json-pointer:/view/private_metadata]");
    return {
      id,
      team_id: this.teamId,
      type: "modal",
      private_metadata: "",
      callback_id: "",
      external_id: "",
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      ...input,
      state: { values: {} },
      hash: `${Math.floor(this.now().getTime() / 1000)}.${this.rand(8, "0123456789abcdef")}`,
      previous_view_id: null,
      root_view_id: id,
      app_id: this.appId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
      ...keep,
    };
  }

  private channelWire(c: Channel): Json {
    const isMember = c.members.includes(this.botUserId);
    if (c.isIm) {
      return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: c.user, is_user_deleted: false, priority: 0, is_open: true, context_team_id: this.teamId };
    }
    return {
      id: c.id,
      name: c.name,
      is_channel: !c.isMpim,
      is_group: false,
      is_im: false,
      is_mpim: c.isMpim,
      is_private: c.isPrivate,
      created: c.created,
      creator: c.creator,
      is_archived: c.isArchived,
      is_general: false,
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      pending_shared: [],
      is_pending_ext_shared: false,
      is_member: isMember,
      context_team_id: this.teamId,
      topic: { value: c.topic.value, creator: c.topic.creator, last_set: c.topic.lastSet },
      purpose: { value: c.purpose.value, creator: c.purpose.creator, last_set: c.purpose.lastSet },
      previous_names: [],
    };
  }

  private messageWire(m: Message): Json {
    const replies = m.threadTs ? [] : this.visible(m.channel).filter((r) => r.threadTs === m.ts && r.ts !== m.ts);
    return compact({
      type: "message",
      user: m.user,
      bot_id: m.botId,
      app_id: m.botId ? this.appId : undefined,
      text: m.text,
      blocks: m.blocks,
      attachments: m.attachments,
      metadata: m.metadata,
      ts: m.ts,
      thread_ts: m.threadTs ?? (replies.length ? m.ts : undefined),
      reply_count: replies.length || undefined,
      latest_reply: replies.at(-1)?.ts,
      edited: m.edited,
      pinned_to: m.pinned ? [m.channel] : undefined,
      team: this.teamId,
    });
  }

  private userWire(u: StandInUser): Json {
    const tz = u.tz ?? "UTC";
    const realName = u.realName ?? u.name;
    return {
      id: u.id,
      team_id: this.teamId,
      name: u.name,
      deleted: false,
      real_name: realName,
      tz,
      tz_label: tzName(tz, "long", this.now()),
      tz_offset: tzOffsetSeconds(tz, this.now()),
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.isBot ?? false,
      is_app_user: false,
      updated: Math.floor(this.now().getTime() / 1000),
      profile: compact({
        real_name: realName,
        real_name_normalized: realName,
        display_name: u.name,
        display_name_normalized: u.name,
        email: u.email,
        bot_id: u.id === this.botUserId ? this.botId : undefined,
        team: this.teamId,
      }),
    };
  }
}

// ------------------------------------------------------------------ pure helpers

function parseBody(contentType: string | undefined, raw: string): Args {
  if (raw.trim() === "") return {};
  if ((contentType ?? "").includes("application/json")) {
    const v: unknown = JSON.parse(raw);
    if (!isObj(v)) throw new Error("json_not_object");
    return v;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** blocks, attachments, view and metadata arrive as JSON strings inside form fields. */
function parseJsonFields(args: Args): Args {
  const out: Args = { ...args };
  for (const [field, code] of Object.entries(JSON_FIELDS)) {
    const v = out[field];
    if (typeof v !== "string") continue;
    try {
      out[field] = JSON.parse(v);
    } catch {
      fail(code, field === "view" ? { response_metadata: { messages: ["invalid `view`: not JSON"] } } : {});
    }
  }
  return out;
}

function safeParseJsonFields(args: Args): Args {
  try {
    return parseJsonFields(args);
  } catch {
    return { ...args };
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === 1;
}

/** "U1,U2", '["U1","U2"]' (how WebClient sends an array) or an array. */
function list(v: unknown): string[] {
  let items: unknown[] = [];
  if (Array.isArray(v)) items = v;
  else if (typeof v === "string" && v.trim().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(v);
      items = Array.isArray(parsed) ? parsed : [];
    } catch {
      items = v.split(",");
    }
  } else if (typeof v === "string") items = v.split(",");
  return items.map((x) => String(x).trim()).filter((x) => x !== "");
}

function nonEmpty(v: unknown[] | undefined): unknown[] | undefined {
  return v && v.length > 0 ? v : undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "workspace";
}

function tzName(tz: string, style: "long" | "longOffset", at: Date): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: style }).formatToParts(at);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? tz;
}

function tzOffsetSeconds(tz: string, at: Date): number {
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(tzName(tz, "longOffset", at));
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
}
