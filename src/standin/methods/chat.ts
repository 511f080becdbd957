// chat.*: the bot posts (to everyone or to one person), updates its own messages and links to
// them, with Slack's checks on where a message goes and what it says.
import { fail, messageWire, nonEmpty, isObj, slug, str, type Args, type Handler } from "../wire.ts";
import type { Channel, Message, Workspace } from "../workspace.ts";

const MAX_MESSAGE_BLOCKS = 50;

/** A new message from the bot in `c`, with what the call says. */
function botMessage(w: Workspace, c: Channel, a: Args, content: { text: string; blocks?: unknown[]; attachments?: unknown[] }): Message {
  return { channel: c.id, ts: w.nextTs(), user: w.botUserId, botId: w.botId, ...content, threadTs: str(a.thread_ts), history: [], pinned: false };
}

export function chatMethods(w: Workspace): Record<string, Handler> {
  return {
    "chat.postMessage": (a) => {
      const { c, content } = postable(w, a);
      const m = w.store({ ...botMessage(w, c, a, content), metadata: a.metadata });
      return { channel: c.id, ts: m.ts, message: messageWire(w, m) };
    },

    "chat.update": (a) => {
      const c = w.existing(a.channel);
      const m = w.findMessage(c.id, a.ts);
      if (m.user !== w.botUserId) fail("cant_update_message");
      if (c.isArchived) fail("is_inactive");
      const content = messageContent(a);
      const text = a.text === undefined ? m.text : content.text;
      const blocks = content.blocks === undefined ? m.blocks : nonEmpty(content.blocks);
      const attachments = content.attachments === undefined ? m.attachments : nonEmpty(content.attachments);
      if (text === "" && !blocks?.length && !attachments?.length) fail("no_text");
      m.history.push({ text: m.text, blocks: m.blocks, editedAt: m.edited?.ts });
      Object.assign(m, { text, blocks, attachments, edited: { user: w.botUserId, ts: w.nextTs() } });
      if (a.metadata !== undefined) m.metadata = a.metadata;
      w.changed({ kind: "message", channel: c.id, ts: m.ts, what: "updated" });
      return { channel: c.id, ts: m.ts, text: m.text, message: messageWire(w, m) };
    },

    "chat.postEphemeral": (a) => {
      const { c, content } = postable(w, a);
      const user = str(a.user);
      if (!user || !c.members.includes(user)) fail("user_not_in_channel");
      const m = w.store({ ...botMessage(w, c, a, content), ephemeralTo: user });
      return { message_ts: m.ts };
    },

    "chat.getPermalink": (a) => {
      const c = w.existing(a.channel);
      const m = w.findMessage(c.id, a.message_ts);
      const base = `https://${slug(w.teamName)}.slack.com/archives/${c.id}/p${m.ts.replace(".", "")}`;
      const permalink = m.threadTs && m.threadTs !== m.ts ? `${base}?thread_ts=${m.threadTs}&cid=${c.id}` : base;
      return { channel: c.id, permalink };
    },
  };
}

/** chat.* accept a conversation id, a channel name, or a user id (= the DM with that user). */
function postTarget(w: Workspace, target: unknown): Channel {
  const t = str(target) ?? "";
  const c = w.channelMap.get(t) ?? w.channelByName(t);
  if (c) return c;
  if (/^[UW]/.test(t) && w.userMap.has(t)) return w.openDm([t]);
  return fail("channel_not_found");
}

/** Where a post goes and what it says, with Slack's checks for both. */
function postable(w: Workspace, a: Args): { c: Channel; content: { text: string; blocks?: unknown[]; attachments?: unknown[] } } {
  const c = postTarget(w, a.channel);
  if (c.isArchived) fail("is_archived");
  if (!c.members.includes(w.botUserId)) fail("not_in_channel");
  const { text, blocks, attachments } = messageContent(a);
  const content = { text, blocks: nonEmpty(blocks), attachments: nonEmpty(attachments) };
  if (text === "" && !content.blocks && !content.attachments) fail("no_text");
  return { c, content };
}

/** text, blocks and attachments of a chat.* call, validated; arrays exactly as given (chat.update: [] clears). */
function messageContent(a: Args): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
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
