// What one person sees of the local workspace, as the page's JSON: the people, the conversations
// they can open, each conversation's messages (the stand-in's, plus the answers only a Slack
// client would show, see notes.ts), their open modals, who is on call and the postmortem drafts.
import type { Channel, Message, SlackStandIn } from "../standin/index.ts";
import { tsMicros, type LocalNote, type LocalNotes } from "./notes.ts";
import type { PostmortemFile } from "./postmortems.ts";

export interface UiUser {
  id: string;
  name: string;
  realName: string;
  tz: string | null;
  isBot: boolean;
}

export interface UiChannel {
  id: string;
  /** "general", "inc-1-checkout-is-down"; for a DM the other people's names. */
  name: string;
  kind: "channel" | "incident" | "dm";
  isMember: boolean;
  isArchived: boolean;
  topic: string;
}

export interface UiMessage {
  /** Unique in the channel: the Slack ts, or the note id of an answer the stand-in does not hold. */
  key: string;
  ts: string;
  user: string | null;
  fromBot: boolean;
  text: string;
  blocks: unknown[] | null;
  edited: boolean;
  pinned: boolean;
  /** Only this person sees it. */
  ephemeral: boolean;
  threadTs: string | null;
  /** For answers to a command: who typed what. */
  command: { user: string; text: string } | null;
}

export interface OnCallNow {
  schedule: string;
  users: string[];
}

export interface Snapshot {
  me: string;
  workspace: { name: string; botUserId: string };
  users: UiUser[];
  channels: UiChannel[];
  messages: Record<string, UiMessage[]>;
  views: { id: string; view: Record<string, unknown> }[];
  oncall: OnCallNow[];
  postmortems: PostmortemFile[];
  postmortemDir: string;
}

const INCIDENT_CHANNEL = /^inc-\d+/;

/** Public channels are listed for everyone (like browsing channels in Slack); DMs only for their members. */
export function visibleChannels(standIn: SlackStandIn, me: string): Channel[] {
  return standIn.channels().filter((c) => (c.isIm || c.isMpim || c.isPrivate ? c.members.includes(me) : true));
}

function channelLabel(standIn: SlackStandIn, c: Channel, me: string): string {
  if (!c.isIm && !c.isMpim) return c.name;
  const names = new Map(standIn.users().map((u) => [u.id, u.realName ?? u.name]));
  const others = c.members.filter((m) => m !== me);
  return others.map((m) => names.get(m) ?? m).join(", ") || "you";
}

function fromStandIn(m: Message): UiMessage {
  return {
    key: m.ts,
    ts: m.ts,
    user: m.user ?? null,
    fromBot: Boolean(m.botId),
    text: m.text,
    blocks: m.blocks ?? null,
    edited: Boolean(m.edited),
    pinned: m.pinned,
    ephemeral: Boolean(m.ephemeralTo),
    threadTs: m.threadTs && m.threadTs !== m.ts ? m.threadTs : null,
    command: null,
  };
}

function fromNote(n: LocalNote, botUserId: string): UiMessage {
  return {
    key: n.id,
    ts: n.ts,
    user: n.fromBot ? botUserId : (n.command?.user ?? null),
    fromBot: n.fromBot,
    text: n.text,
    blocks: n.blocks ?? null,
    edited: false,
    pinned: false,
    ephemeral: Boolean(n.visibleTo),
    threadTs: null,
    command: n.command ?? null,
  };
}

export function snapshot(opts: {
  standIn: SlackStandIn;
  notes: LocalNotes;
  me: string;
  oncall: OnCallNow[];
  postmortems: PostmortemFile[];
  postmortemDir: string;
}): Snapshot {
  const { standIn, notes, me } = opts;
  const channels = visibleChannels(standIn, me);
  const messages: Record<string, UiMessage[]> = {};
  for (const c of channels) {
    const own = standIn
      .messages(c.id)
      .filter((m) => !m.ephemeralTo || m.ephemeralTo === me)
      .map(fromStandIn);
    const answers = notes.visible(c.id, me).map((n) => fromNote(n, standIn.botUserId));
    messages[c.id] = [...own, ...answers].sort((a, b) => tsMicros(a.ts) - tsMicros(b.ts));
  }
  return {
    me,
    workspace: { name: standIn.teamName, botUserId: standIn.botUserId },
    users: standIn.users().map((u) => ({ id: u.id, name: u.name, realName: u.realName ?? u.name, tz: u.tz ?? null, isBot: u.isBot ?? false })),
    channels: channels.map((c) => ({
      id: c.id,
      name: channelLabel(standIn, c, me),
      kind: c.isIm || c.isMpim ? "dm" : INCIDENT_CHANNEL.test(c.name) ? "incident" : "channel",
      isMember: c.members.includes(me),
      isArchived: c.isArchived,
      topic: c.topic.value,
    })),
    messages,
    views: standIn
      .openViews()
      .filter((v) => v.userId === me)
      .map((v) => ({ id: v.id, view: v.view })),
    oncall: opts.oncall,
    postmortems: opts.postmortems,
    postmortemDir: opts.postmortemDir,
  };
}
