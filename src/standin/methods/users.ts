// users.*: the bot looks people up (by id or email) and lists the workspace's members.
import { fail, str, userWire, type Handler } from "../wire.ts";
import type { Workspace } from "../workspace.ts";

export function usersMethods(w: Workspace): Record<string, Handler> {
  return {
    "users.info": (a) => {
      const u = w.userMap.get(str(a.user) ?? "");
      if (!u) fail("user_not_found");
      return { user: userWire(w, u) };
    },

    "users.list": () => ({
      members: [...w.userMap.values()].map((u) => userWire(w, u)),
      cache_ts: Math.floor(w.now().getTime() / 1000),
      response_metadata: { next_cursor: "" },
    }),

    "users.lookupByEmail": (a) => {
      const email = str(a.email)?.toLowerCase();
      const u = [...w.userMap.values()].find((x) => email && x.email?.toLowerCase() === email);
      if (!u) fail("users_not_found");
      return { user: userWire(w, u) };
    },
  };
}
