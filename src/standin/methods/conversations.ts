// conversations.*: the bot creates channels, invites people, opens DMs, sets topics and purposes,
// archives, joins, and reads conversations, their members and their messages.
import { bool, channelWire, fail, list, messageWire, str, type Args, type Handler, type Json } from "../wire.ts";
import type { Workspace } from "../workspace.ts";

export function conversationsMethods(w: Workspace): Record<string, Handler> {
  return {
    "conversations.create": (a) => {
      const name = str(a.name) ?? "";
      if (name === "") fail("invalid_name_required");
      if (name.length > 80) fail("invalid_name_maxlength");
      if (/[^a-z0-9_-]/.test(name)) fail("invalid_name_specials");
      if (/^[-_]+$/.test(name)) fail("invalid_name_punctuation");
      if (w.channelByName(name)) fail("name_taken");
      const c = w.makeChannel(w.newId("C"), name, w.botUserId, [w.botUserId]);
      c.isPrivate = bool(a.is_private);
      w.changed({ kind: "channel", id: c.id, what: "created" });
      return { channel: channelWire(w, c) };
    },

    "conversations.invite": (a) => {
      const c = w.existing(a.channel);
      if (c.isIm || c.isMpim) fail("method_not_supported_for_channel_type");
      if (c.isArchived) fail("is_archived");
      if (!c.members.includes(w.botUserId)) fail("not_in_channel");
      const users = list(a.users);
      if (users.length === 0) fail("no_user");
      if (users.length > 1000) fail("too_many_users");
      const errors: Json[] = [];
      for (const u of users) {
        if (u === w.botUserId) errors.push({ user: u, ok: false, error: "cant_invite_self" });
        else if (!w.userMap.has(u)) errors.push({ user: u, ok: false, error: "user_not_found" });
      }
      const valid = users.filter((u) => w.userMap.has(u) && u !== w.botUserId);
      if (errors.length > 0 && !bool(a.force)) fail(String(errors[0].error), { errors });
      const fresh = valid.filter((u) => !c.members.includes(u));
      if (fresh.length === 0 && errors.length === 0) fail("already_in_channel", { errors: users.map((u) => ({ user: u, ok: false, error: "already_in_channel" })) });
      c.members.push(...new Set(fresh));
      w.changed({ kind: "channel", id: c.id, what: "members" });
      return errors.length ? { channel: channelWire(w, c), errors } : { channel: channelWire(w, c) };
    },

    "conversations.open": (a) => {
      if (a.channel !== undefined) return { channel: channelWire(w, w.existing(a.channel)) };
      const users = [...new Set(list(a.users))];
      if (users.length === 0) fail("users_list_not_supplied");
      if (users.length > 8) fail("too_many_users");
      for (const u of users) if (!w.userMap.has(u)) fail("user_not_found");
      const existed = w.findDm(users) !== undefined;
      const c = w.openDm(users);
      const channel = bool(a.return_im) ? channelWire(w, c) : { id: c.id };
      return existed ? { no_op: true, already_open: true, channel } : { channel };
    },

    "conversations.setTopic": (a) => setText(w, a, "topic", a.topic),
    "conversations.setPurpose": (a) => setText(w, a, "purpose", a.purpose),

    "conversations.archive": (a) => {
      const c = w.existing(a.channel);
      if (c.isIm || c.isMpim) fail("method_not_supported_for_channel_type");
      if (c.isArchived) fail("already_archived");
      if (!c.members.includes(w.botUserId)) fail("not_in_channel");
      c.isArchived = true;
      w.changed({ kind: "channel", id: c.id, what: "archived" });
      return {};
    },

    "conversations.info": (a) => {
      const c = w.existing(a.channel);
      const wire = channelWire(w, c);
      return { channel: bool(a.include_num_members) ? { ...wire, num_members: c.members.length } : wire };
    },

    "conversations.members": (a) => {
      const c = w.existing(a.channel);
      return { members: [...c.members], response_metadata: { next_cursor: "" } };
    },

    "conversations.join": (a) => {
      const c = w.existing(a.channel);
      if (c.isIm || c.isMpim || c.isPrivate) fail("method_not_supported_for_channel_type");
      if (c.isArchived) fail("is_archived");
      if (c.members.includes(w.botUserId)) {
        return { channel: channelWire(w, c), warning: "already_in_channel", response_metadata: { warnings: ["already_in_channel"] } };
      }
      c.members.push(w.botUserId);
      w.changed({ kind: "channel", id: c.id, what: "members" });
      return { channel: channelWire(w, c) };
    },

    "conversations.list": (a) => {
      const types = new Set(list(a.types ?? "public_channel"));
      const channels = [...w.channelMap.values()].filter((c) => {
        if (bool(a.exclude_archived) && c.isArchived) return false;
        const type = c.isIm ? "im" : c.isMpim ? "mpim" : c.isPrivate ? "private_channel" : "public_channel";
        if (type !== "public_channel" && !c.members.includes(w.botUserId)) return false;
        return types.has(type);
      });
      return { channels: channels.map((c) => channelWire(w, c)), response_metadata: { next_cursor: "" } };
    },

    "conversations.history": (a) => {
      const c = w.existing(a.channel);
      if (!c.isIm && !c.members.includes(w.botUserId)) fail("not_in_channel");
      const limit = Number(a.limit ?? 100) || 100;
      const top = w.visible(c.id).filter((m) => !m.threadTs || m.threadTs === m.ts).reverse();
      return { messages: top.slice(0, limit).map((m) => messageWire(w, m)), has_more: top.length > limit, response_metadata: { next_cursor: "" } };
    },

    "conversations.replies": (a) => {
      const c = w.existing(a.channel);
      const parent = w.findMessage(c.id, a.ts, "thread_not_found");
      const root = parent.threadTs ?? parent.ts;
      const thread = w.visible(c.id).filter((m) => m.ts === root || m.threadTs === root);
      return { messages: thread.map((m) => messageWire(w, m)), has_more: false, response_metadata: { next_cursor: "" } };
    },
  };
}

function setText(w: Workspace, a: Args, field: "topic" | "purpose", value: unknown): Json {
  const c = w.existing(a.channel);
  if (c.isIm) fail("method_not_supported_for_channel_type");
  if (c.isArchived) fail("is_archived");
  if (!c.members.includes(w.botUserId)) fail("not_in_channel");
  const text = str(value) ?? "";
  if (text.length > 250) fail("too_long");
  c[field] = { value: text, creator: w.botUserId, lastSet: Math.floor(w.now().getTime() / 1000) };
  w.changed({ kind: "channel", id: c.id, what: field });
  return { channel: channelWire(w, c) };
}
