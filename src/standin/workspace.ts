// The Slack stand-in's workspace: its people, conversations and their messages, open modals and
// trigger ids, with Slack-looking ids and timestamps (deterministic, from the clock). The Web API
// methods (methods/*.ts) read and change it; each change is reported as a StandInChange, so that
// local mode can redraw what it shows.
import { clone, fail, str } from "./wire.ts";

export interface StandInUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
  /** A single-channel (ultra restricted) or multi-channel (restricted) guest. */
  guest?: "single-channel" | "multi-channel";
  /** A person of another workspace (Slack Connect): their team id. */
  teamId?: string;
  /** Deactivated: users.info still answers, with `deleted: true`. */
  deleted?: boolean;
}

/** A Slack user group (@platform-oncall): its id, handle and members. */
export interface UserGroup {
  id: string;
  handle: string;
  users: string[];
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

export type StandInChange =
  | { kind: "user"; id: string }
  | { kind: "channel"; id: string; what: string }
  | { kind: "message"; channel: string; ts: string; what: "posted" | "ephemeral" | "updated" | "pinned" | "unpinned" }
  | { kind: "view"; id: string; what: "opened" | "updated" | "pushed" | "closed" };

/** A modal as kept: closed ones stay, and a pushed one knows the root of its stack. */
export type KeptView = OpenView & { open: boolean; rootViewId: string };

export interface WorkspaceOptions {
  teamId: string;
  teamName: string;
  botUserId: string;
  botId: string;
  appId: string;
  now: () => Date;
  changed: (change: StandInChange) => void;
}

const TRIGGER_TTL_MS = 3_000;

export class Workspace {
  readonly teamId: string;
  readonly teamName: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly now: () => Date;
  readonly changed: (change: StandInChange) => void;

  readonly userMap = new Map<string, StandInUser>();
  readonly userGroups = new Map<string, UserGroup>();
  readonly channelMap = new Map<string, Channel>();
  readonly messageMap = new Map<string, Message[]>(); // channel id -> messages in ts order
  readonly viewMap = new Map<string, KeptView>();
  private readonly triggers = new Map<string, { userId?: string; issuedAt: number; used: boolean }>();
  private lastTsMicros = 0;
  private rng = 0x5eed1e55;

  constructor(opts: WorkspaceOptions) {
    this.teamId = opts.teamId;
    this.teamName = opts.teamName;
    this.botUserId = opts.botUserId;
    this.botId = opts.botId;
    this.appId = opts.appId;
    this.now = opts.now;
    this.changed = opts.changed;
  }

  // ---------------------------------------------------------------- as tests and local mode see it
  // (through SlackStandIn's methods of the same names, whose comments say what each does)

  addUser(u: StandInUser): void {
    if (u.tz) new Intl.DateTimeFormat("en-US", { timeZone: u.tz }); // throws on an unknown zone
    this.userMap.set(u.id, { ...u });
    this.changed({ kind: "user", id: u.id });
  }

  users(): StandInUser[] {
    return [...this.userMap.values()].map((u) => ({ ...u }));
  }

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

  messages(channelId: string): Message[] {
    return (this.messageMap.get(channelId) ?? []).map(clone);
  }

  openViews(): OpenView[] {
    return [...this.viewMap.values()]
      .filter((v) => v.open)
      .map((v) => ({ id: v.id, userId: v.userId, triggerId: v.triggerId, view: clone(v.view) }));
  }

  closeView(id: string): void {
    const v = this.viewMap.get(id);
    if (!v) return;
    for (const o of this.viewMap.values()) if (o.rootViewId === v.rootViewId) o.open = false;
    this.changed({ kind: "view", id, what: "closed" });
  }

  issueTriggerId(userId?: string): string {
    const t = `${Math.floor(this.now().getTime() / 1000)}.${this.rand(10, "0123456789")}.${this.rand(32, "0123456789abcdef")}`;
    this.triggers.set(t, { userId, issuedAt: this.now().getTime(), used: false });
    return t;
  }

  postAsUser(userId: string, channelId: string, text: string, opts: { threadTs?: string } = {}): Message {
    if (!this.userMap.has(userId)) throw new Error(`unknown user ${userId}`);
    if (!this.channelMap.has(channelId)) throw new Error(`unknown channel ${channelId}`);
    return clone(this.store({ channel: channelId, ts: this.nextTs(), user: userId, text, threadTs: opts.threadTs, history: [], pinned: false }));
  }

  // ---------------------------------------------------------------- for the Web API methods

  /** Deterministic Slack-looking ids: prefix + 10 uppercase alphanumerics. */
  newId(prefix: string): string {
    for (;;) {
      const id = prefix + this.rand(10, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
      if (!this.channelMap.has(id) && !this.viewMap.has(id) && !this.userMap.has(id)) return id;
    }
  }

  rand(n: number, alphabet: string): string {
    let s = "";
    for (let i = 0; i < n; i++) {
      this.rng = (Math.imul(this.rng ^ (this.rng >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      s += alphabet[this.rng % alphabet.length];
    }
    return s;
  }

  /** "<seconds>.<6 digits>" from the clock, strictly increasing. */
  nextTs(): string {
    const micros = Math.max(this.now().getTime() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  makeChannel(id: string, name: string, creator: string, members: string[]): Channel {
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

  channelByName(name: string): Channel | undefined {
    const n = name.replace(/^#/, "");
    return [...this.channelMap.values()].find((c) => !c.isIm && !c.isMpim && c.name === n);
  }

  existing(id: unknown): Channel {
    const c = this.channelMap.get(str(id) ?? "");
    return c ?? fail("channel_not_found");
  }

  /** The DM (one other person) or group DM of the bot with these users. */
  findDm(users: string[]): Channel | undefined {
    const want = [...new Set([this.botUserId, ...users])].sort().join(",");
    return [...this.channelMap.values()].find((c) => (c.isIm || c.isMpim) && [...c.members].sort().join(",") === want);
  }

  openDm(users: string[]): Channel {
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

  store(m: Message): Message {
    const list = this.messageMap.get(m.channel)!;
    list.push(m);
    this.changed({ kind: "message", channel: m.channel, ts: m.ts, what: m.ephemeralTo ? "ephemeral" : "posted" });
    return m;
  }

  visible(channelId: string): Message[] {
    return (this.messageMap.get(channelId) ?? []).filter((m) => !m.ephemeralTo);
  }

  findMessage(channelId: string, ts: unknown, code = "message_not_found"): Message {
    const m = this.visible(channelId).find((x) => x.ts === str(ts));
    return m ?? fail(code);
  }

  useTrigger(triggerId: unknown) {
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
}
