// users.* and usergroups.users.*: the bot looks people up (by id or email), lists the workspace's
// members, and reads and sets who is in a user group.
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

    "usergroups.users.list": (a) => {
      const g = w.userGroups.get(str(a.usergroup) ?? "");
      if (!g) fail("no_such_subteam");
      return { users: [...g.users] };
    },

    "usergroups.users.update": (a) => {
      const g = w.userGroups.get(str(a.usergroup) ?? "");
      if (!g) fail("no_such_subteam");
      const users = (str(a.users) ?? "").split(",").map((u) => u.trim()).filter(Boolean);
      if (users.length === 0) fail("invalid_users");
      g.users = users;
      return { usergroup: { id: g.id, handle: g.handle, users: [...users], user_count: users.length } };
    },

    "users.lookupByEmail": (a) => {
      const email = str(a.email)?.toLowerCase();
      const u = [...w.userMap.values()].find((x) => email && x.email?.toLowerCase() === email);
      if (!u) fail("users_not_found");
      return { user: userWire(w, u) };
    },
  };
}
