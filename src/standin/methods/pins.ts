// pins.*: the bot pins and unpins messages and lists what is pinned in a conversation.
import { fail, messageWire, type Handler } from "../wire.ts";
import type { Workspace } from "../workspace.ts";

export function pinsMethods(w: Workspace): Record<string, Handler> {
  return {
    "pins.add": (a) => {
      const c = w.existing(a.channel);
      if (a.timestamp === undefined) fail("no_item_specified");
      if (!/^\d+\.\d+$/.test(String(a.timestamp))) fail("bad_timestamp");
      const m = w.findMessage(c.id, a.timestamp);
      if (m.pinned) fail("already_pinned");
      m.pinned = true;
      w.changed({ kind: "message", channel: c.id, ts: m.ts, what: "pinned" });
      return {};
    },

    "pins.remove": (a) => {
      const c = w.existing(a.channel);
      if (a.timestamp === undefined) fail("no_item_specified");
      const m = w.findMessage(c.id, a.timestamp);
      if (!m.pinned) fail("no_pin");
      m.pinned = false;
      w.changed({ kind: "message", channel: c.id, ts: m.ts, what: "unpinned" });
      return {};
    },

    "pins.list": (a) => {
      const c = w.existing(a.channel);
      const items = w.visible(c.id)
        .filter((m) => m.pinned)
        .map((m) => ({ type: "message", channel: c.id, created_by: w.botUserId, message: messageWire(w, m) }));
      return { items };
    },
  };
}
