// What goes over the wire between the bot's client and the Slack stand-in: request bodies (form or
// JSON, with blocks, attachments, view and metadata as JSON strings inside form fields), method
// errors, and the shapes Slack answers with for a conversation, a message and a user (copied from
// Slack's docs and OpenAPI examples). Pure functions only; the state they read is workspace.ts's.
import type { Channel, Message, StandInUser, Workspace } from "./workspace.ts";

export type Args = Record<string, unknown>;
export type Json = Record<string, unknown>;
/** One Web API method: its arguments in, the answer's fields (besides ok:true) out. */
export type Handler = (a: Args) => Json;

/** A method error: answered as HTTP 200 {ok:false, error: code, ...extra}. */
export class SlackApiError extends Error {
  constructor(readonly code: string, readonly extra: Json = {}) {
    super(code);
  }
}
export function fail(code: string, extra?: Json): never {
  throw new SlackApiError(code, extra);
}

const JSON_FIELDS: Record<string, string> = {
  blocks: "invalid_blocks_format",
  attachments: "invalid_attachments",
  view: "invalid_arguments",
  metadata: "invalid_metadata_format",
};

// ------------------------------------------------------------------ request bodies

export function parseBody(contentType: string | undefined, raw: string): Args {
  if (raw.trim() === "") return {};
  if ((contentType ?? "").includes("application/json")) {
    const v: unknown = JSON.parse(raw);
    if (!isObj(v)) throw new Error("json_not_object");
    return v;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** blocks, attachments, view and metadata arrive as JSON strings inside form fields. */
export function parseJsonFields(args: Args): Args {
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

export function safeParseJsonFields(args: Args): Args {
  try {
    return parseJsonFields(args);
  } catch {
    return { ...args };
  }
}

// ------------------------------------------------------------------ small helpers

export function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

export function bool(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === 1;
}

/** "U1,U2", '["U1","U2"]' (how WebClient sends an array) or an array. */
export function list(v: unknown): string[] {
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

export function nonEmpty(v: unknown[] | undefined): unknown[] | undefined {
  return v && v.length > 0 ? v : undefined;
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function slug(s: string): string {
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

// ------------------------------------------------------------------ answer shapes

export function channelWire(w: Workspace, c: Channel): Json {
  const isMember = c.members.includes(w.botUserId);
  if (c.isIm) {
    return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: c.user, is_user_deleted: false, priority: 0, is_open: true, context_team_id: w.teamId };
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
    context_team_id: w.teamId,
    topic: { value: c.topic.value, creator: c.topic.creator, last_set: c.topic.lastSet },
    purpose: { value: c.purpose.value, creator: c.purpose.creator, last_set: c.purpose.lastSet },
    previous_names: [],
  };
}

export function messageWire(w: Workspace, m: Message): Json {
  const replies = m.threadTs ? [] : w.visible(m.channel).filter((r) => r.threadTs === m.ts && r.ts !== m.ts);
  return compact({
    type: "message",
    user: m.user,
    bot_id: m.botId,
    app_id: m.botId ? w.appId : undefined,
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
    team: w.teamId,
  });
}

export function userWire(w: Workspace, u: StandInUser): Json {
  const tz = u.tz ?? "UTC";
  const realName = u.realName ?? u.name;
  return {
    id: u.id,
    team_id: u.teamId ?? w.teamId,
    name: u.name,
    deleted: u.deleted ?? false,
    real_name: realName,
    tz,
    tz_label: tzName(tz, "long", w.now()),
    tz_offset: tzOffsetSeconds(tz, w.now()),
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: u.guest !== undefined,
    is_ultra_restricted: u.guest === "single-channel",
    is_bot: u.isBot ?? false,
    is_app_user: false,
    updated: Math.floor(w.now().getTime() / 1000),
    profile: compact({
      real_name: realName,
      real_name_normalized: realName,
      display_name: u.name,
      display_name_normalized: u.name,
      email: u.email,
      bot_id: u.id === w.botUserId ? w.botId : undefined,
      team: w.teamId,
    }),
  };
}
